-- The audit log becomes a keyed chain per profile (see src/audit.rs). Every entry written so far
-- keeps its unkeyed SHA-256 hash and is marked 'sha256'; the console writes only 'hmac-sha256'
-- entries from now on. ADD COLUMN does not fire the append-only UPDATE trigger.
ALTER TABLE audit_log ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256'
    CHECK (scheme IN ('sha256', 'hmac-sha256'));

-- Where the unkeyed prefix ends, so an unkeyed entry after it is reported as a downgrade.
CREATE TABLE audit_legacy (
    last_id INTEGER NOT NULL
) STRICT;

INSERT INTO audit_legacy (last_id) SELECT COALESCE(MAX(id), 0) FROM audit_log;

CREATE TRIGGER audit_legacy_no_insert BEFORE INSERT ON audit_legacy
BEGIN
    SELECT RAISE(ABORT, 'audit_legacy is written once, by its migration');
END;

CREATE TRIGGER audit_legacy_no_update BEFORE UPDATE ON audit_legacy
BEGIN
    SELECT RAISE(ABORT, 'audit_legacy is written once, by its migration');
END;

CREATE TRIGGER audit_legacy_no_delete BEFORE DELETE ON audit_legacy
BEGIN
    SELECT RAISE(ABORT, 'audit_legacy is written once, by its migration');
END;

-- A chain's head is its newest keyed entry; the unkeyed prefix's head its newest 'sha256' one.
CREATE INDEX audit_by_chain ON audit_log (scheme, profile_id, id);
