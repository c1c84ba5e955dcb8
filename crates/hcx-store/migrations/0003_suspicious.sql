-- 0003_suspicious: messages the console stored but refused to apply (issue 12 §2).
--
-- A message that arrives for a cycle from someone who is not that cycle's counterparty is kept
-- exactly as received (it was acknowledged to the bridge, so it must not be lost) but never
-- moves anything; `rejected_reason` says why, and the app lists such rows as "suspicious".
--
-- The dedupe key becomes (profile, direction, sender, api_call_id): an api_call_id chosen by one
-- participant must not let it shadow another participant's message with the same id. SQLite
-- cannot change a table's UNIQUE constraint in place, so `messages` is rebuilt (same columns,
-- same index, plus `rejected_reason`). The key is a unique INDEX over IFNULL(sender_code, '') so
-- that messages without a readable sender still dedupe among themselves (NULLs are distinct in
-- a plain UNIQUE constraint).
CREATE TABLE messages_new (
    id                     INTEGER PRIMARY KEY,
    profile_id             TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    api_call_id            TEXT    NOT NULL,
    direction              TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    -- No foreign key to threads: a received message is stored before anything else is
    -- decided about it, even when no thread exists for its correlation id.
    correlation_id         TEXT    NOT NULL,
    workflow_id            TEXT,
    action                 TEXT    NOT NULL,
    sender_code            TEXT,
    recipient_code         TEXT,
    protocol_status        TEXT,
    protected_headers_json TEXT    CHECK (protected_headers_json IS NULL OR json_valid(protected_headers_json)),
    raw_body               TEXT    NOT NULL,
    decrypted_payload_json TEXT    CHECK (decrypted_payload_json IS NULL OR json_valid(decrypted_payload_json)),
    gateway_response_json  TEXT    CHECK (gateway_response_json IS NULL OR json_valid(gateway_response_json)),
    error_code             TEXT,
    created_at             INTEGER NOT NULL,
    sent_at                INTEGER,
    acked_at               INTEGER,
    received_at            INTEGER,
    -- Why ingest refused to apply this incoming message (NULL = applied or outgoing).
    rejected_reason        TEXT
) STRICT;

INSERT INTO messages_new (id, profile_id, api_call_id, direction, correlation_id, workflow_id,
    action, sender_code, recipient_code, protocol_status, protected_headers_json, raw_body,
    decrypted_payload_json, gateway_response_json, error_code, created_at, sent_at, acked_at,
    received_at)
SELECT id, profile_id, api_call_id, direction, correlation_id, workflow_id, action, sender_code,
    recipient_code, protocol_status, protected_headers_json, raw_body, decrypted_payload_json,
    gateway_response_json, error_code, created_at, sent_at, acked_at, received_at
FROM messages;

DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

CREATE UNIQUE INDEX messages_dedupe
    ON messages (profile_id, direction, IFNULL(sender_code, ''), api_call_id);
CREATE INDEX messages_by_thread ON messages (profile_id, correlation_id, created_at);
-- The suspicious list: rejected incoming messages of a profile, newest first.
CREATE INDEX messages_rejected ON messages (profile_id, received_at)
    WHERE rejected_reason IS NOT NULL;

-- The exchange's own participant code (the HCX that sends plain error callbacks). NULL = not
-- known: then a plain error from anyone but the counterparty is flagged, not applied.
ALTER TABLE profiles ADD COLUMN hcx_code TEXT;

-- What a payment notice paid beyond what its claims still owed (approved minus settled). Kept
-- on the notice's own thread and NOT counted as settled, so the workflow ledger never shows
-- more settled than approved.
ALTER TABLE threads ADD COLUMN excess_amount TEXT;
