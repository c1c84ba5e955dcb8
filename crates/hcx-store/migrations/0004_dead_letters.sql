-- 0004_dead_letters: envelopes whose handling keeps failing (issue 12 §3).
--
-- One row per (profile, envelope) that did not go through on its first try. The row is written
-- BEFORE each attempt (state 'retrying', attempts + 1), so a poison envelope that takes the
-- whole process down is still counted, and after N attempts it is parked here as 'dead' with
-- what the bridge delivered (path, headers, raw body) and the last error, and the mailbox moves
-- on. A successful attempt deletes its 'retrying' row. 'resolved' marks a dead letter that a
-- later "Try again" ingested. Bodies are what the gateway posted: a JWE (the payload stays
-- encrypted) or a plain-JSON protocol answer; never a secret of ours.
CREATE TABLE dead_letters (
    id               INTEGER PRIMARY KEY,
    profile_id       TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    -- Which delivery this is: the console's key for it (bridge cursor and api_call_id).
    envelope_key     TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    api_call_id      TEXT,
    -- Filled when the row becomes 'dead' (they are in memory again at that redelivery).
    headers_json     TEXT,
    raw_body         TEXT,
    received_at      INTEGER,
    attempts         INTEGER NOT NULL CHECK (attempts >= 0),
    last_error       TEXT,
    first_attempt_at INTEGER NOT NULL,
    last_attempt_at  INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'retrying'
                     CHECK (state IN ('retrying', 'dead', 'resolved')),
    dead_at          INTEGER,
    resolved_at      INTEGER,
    UNIQUE (profile_id, envelope_key)
);

CREATE INDEX dead_letters_by_state ON dead_letters (profile_id, state, last_attempt_at);

-- An incoming message whose content could not be summarised or stored (amounts that overflow,
-- negative or absurd amounts, wrong types) is kept as received with the reason here.
ALTER TABLE messages ADD COLUMN problem TEXT;
