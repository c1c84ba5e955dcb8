-- 0001_initial: the console's first schema.
--
-- Forward-only: once released this file is never edited; later changes are new numbered files.
--
-- Conventions for every table:
--   * every *_at column is a UTC instant in Unix epoch milliseconds (INTEGER);
--   * money is TEXT holding an exact decimal string (rust_decimal), never REAL;
--   * *_json columns hold JSON text and are checked with json_valid();
--   * no column holds a secret: private keys, passwords and tokens live only in the OS keychain
--     (crate hcx-keys). A test fails if a secret-looking column name appears.
--   * protocol values (actions, statuses, headers) are stored as the strings seen on the wire;
--     this crate does not interpret the wire format.
--   * closed sets that will not grow (environment, dialect, directions, outbox state) are
--     CHECKed here; sets that may grow (thread state, use case) are checked by Rust enums, so
--     adding a value needs no table rebuild.

-- One participant identity the operator can act as.
CREATE TABLE profiles (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    participant_code TEXT    NOT NULL,
    roles_json       TEXT    NOT NULL DEFAULT '[]'
                     CHECK (json_valid(roles_json) AND json_type(roles_json) = 'array'),
    environment      TEXT    NOT NULL CHECK (environment IN ('sandbox', 'staging', 'production')),
    gateway_base_url TEXT    NOT NULL,
    dialect          TEXT    NOT NULL CHECK (dialect IN ('swasth', 'nhcx')),
    bridge_url       TEXT,
    username         TEXT,
    email            TEXT,
    -- The public certificate registered for this profile (public data; the key is in the keychain).
    certificate_pem  TEXT,
    -- 1 for the profile currently selected in the console; at most one (index below).
    active           INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX profiles_single_active ON profiles (active) WHERE active = 1;

-- Participant registry records fetched from the gateway, per profile (each profile talks to its
-- own environment, where the same code may mean a different record).
CREATE TABLE registry_cache (
    profile_id       TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    participant_code TEXT    NOT NULL,
    participant_name TEXT,
    record_json      TEXT    NOT NULL CHECK (json_valid(record_json)),
    certificate_pem  TEXT,
    fetched_at       INTEGER NOT NULL,
    PRIMARY KEY (profile_id, participant_code)
) STRICT;

-- An admission or episode tying several cycles together (x-hcx-workflow_id).
CREATE TABLE workflows (
    profile_id    TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    workflow_id   TEXT    NOT NULL,
    title         TEXT,
    patient_label TEXT,
    opened_at     INTEGER NOT NULL,
    PRIMARY KEY (profile_id, workflow_id)
) STRICT;

-- One protocol cycle (one x-hcx-correlation_id) and its business state.
CREATE TABLE threads (
    profile_id        TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    correlation_id    TEXT    NOT NULL,
    workflow_id       TEXT,
    use_case          TEXT    NOT NULL,
    counterparty_code TEXT    NOT NULL,
    -- Who started the cycle: 'outgoing' = we sent the request, 'incoming' = we received it.
    direction         TEXT    NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    state             TEXT    NOT NULL,
    requested_amount  TEXT,
    approved_amount   TEXT,
    settled_amount    TEXT,
    currency          TEXT    NOT NULL DEFAULT 'INR',
    patient_label     TEXT,
    opened_at         INTEGER NOT NULL,
    closed_at         INTEGER,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (profile_id, correlation_id),
    FOREIGN KEY (profile_id, workflow_id) REFERENCES workflows (profile_id, workflow_id)
) STRICT;

CREATE INDEX threads_by_updated  ON threads (profile_id, updated_at);
CREATE INDEX threads_by_workflow ON threads (profile_id, workflow_id, opened_at);
CREATE INDEX threads_by_state    ON threads (profile_id, direction, state);

-- Every protocol message sent or received, exactly as it travelled.
CREATE TABLE messages (
    id                     INTEGER PRIMARY KEY,
    profile_id             TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    -- Dedupe key for ingest: the same (profile, direction, api_call_id) is stored once. Per
    -- profile because two local profiles may exchange messages with each other, so one
    -- api_call_id can be profile A's outgoing and profile B's incoming message.
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
    -- The body as received or sent: the {"payload": "<JWE>"} envelope or the plain JSON object.
    raw_body               TEXT    NOT NULL,
    decrypted_payload_json TEXT    CHECK (decrypted_payload_json IS NULL OR json_valid(decrypted_payload_json)),
    gateway_response_json  TEXT    CHECK (gateway_response_json IS NULL OR json_valid(gateway_response_json)),
    error_code             TEXT,
    created_at             INTEGER NOT NULL,
    sent_at                INTEGER,
    acked_at               INTEGER,
    received_at            INTEGER,
    UNIQUE (profile_id, direction, api_call_id)
) STRICT;

CREATE INDEX messages_by_thread ON messages (profile_id, correlation_id, created_at);

-- Outgoing HTTP calls waiting to be made, with retry bookkeeping.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    profile_id     TEXT    NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    api_call_id    TEXT    NOT NULL,
    correlation_id TEXT,
    action         TEXT    NOT NULL,
    recipient_code TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_try_at    INTEGER NOT NULL,
    last_error     TEXT,
    state          TEXT    NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (profile_id, api_call_id)
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_try_at, id);

-- Where the bridge mailbox poller resumes after a restart.
CREATE TABLE bridge_cursor (
    profile_id TEXT    NOT NULL PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    cursor     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Append-only, hash-chained record of what the operator and the console did.
-- hash = sha256(prev_hash || canonical row), see src/audit.rs. No foreign key to profiles: the
-- log outlives a deleted profile.
CREATE TABLE audit_log (
    id             INTEGER NOT NULL PRIMARY KEY,
    at             INTEGER NOT NULL,
    profile_id     TEXT,
    correlation_id TEXT,
    actor          TEXT    NOT NULL,
    event          TEXT    NOT NULL,
    details_json   TEXT    NOT NULL CHECK (json_valid(details_json)),
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL UNIQUE
) STRICT;

CREATE INDEX audit_by_thread ON audit_log (profile_id, correlation_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Unfinished forms (onboarding, claim composition) that must survive a restart. profile_id is
-- '' for drafts that belong to no profile yet (onboarding creates the profile at the end).
CREATE TABLE drafts (
    profile_id TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    data_json  TEXT    NOT NULL CHECK (json_valid(data_json)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (profile_id, kind, key)
) STRICT;
