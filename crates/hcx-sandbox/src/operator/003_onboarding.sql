-- 3: onboarding applications, their history and compromise reports (operator).
-- Applicant tokens are stored as SHA-256 (they are 256-bit random values); OTPs as PBKDF2 hashes.
CREATE TABLE onboard_applications (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    state_json TEXT NOT NULL,
    application TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    payer_code TEXT,
    otp_salt BLOB,
    otp_hash BLOB,
    otp_iterations INTEGER,
    otp_expires_ms INTEGER,
    otp_attempts INTEGER NOT NULL DEFAULT 0,
    otp_sent_to TEXT,
    participant_code TEXT,
    credentials TEXT NOT NULL DEFAULT 'not_yet'
        CHECK (credentials IN ('not_yet', 'ready', 'issued')),
    certificate_jti TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX onboard_applications_payer ON onboard_applications(payer_code, state);
CREATE INDEX onboard_applications_state ON onboard_applications(state, created_ms);
CREATE TABLE onboard_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES onboard_applications(id),
    at_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX onboard_history_app ON onboard_history(application_id, seq);
CREATE TABLE onboard_compromises (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    participant_code TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    note TEXT NOT NULL,
    certificate_replaced INTEGER NOT NULL
);
