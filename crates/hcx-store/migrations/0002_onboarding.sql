-- 0002_onboarding: where each profile stands on the way to production (issue 8).
--
-- One row per profile that has started onboarding or go-live. A SANDBOX profile keeps the
-- sandbox certificate it earned; a PRODUCTION profile made by onboarding keeps its application
-- and its go-live state. No secret is here: the applicant token and the production secret are
-- in the keychain; `live_since` only records WHEN the secret went there.
CREATE TABLE onboarding (
    profile_id          TEXT    NOT NULL PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    -- How the profile logs in to its gateway: a sandbox username/password, or the production
    -- participant code + username + api-access secret the operator issued.
    login_kind          TEXT    NOT NULL DEFAULT 'password'
                        CHECK (login_kind IN ('password', 'api_secret')),
    -- The sandbox certificate this profile earned (compact JWS: public and signed).
    sandbox_certificate TEXT,
    -- Production profile: the profile whose certificate the application carried. Not a
    -- foreign key: deleting the sandbox profile must not erase the production one's history.
    source_profile_id   TEXT,
    operator_url        TEXT,
    application_id      TEXT,
    -- The operator's last answer about the application (its ApplicationStatus JSON).
    application_json    TEXT    CHECK (application_json IS NULL OR json_valid(application_json)),
    -- When the production secret was stored in the keychain.
    live_since          INTEGER,
    staff_trained_by    TEXT,
    staff_trained_at    INTEGER,
    pilot_enabled       INTEGER NOT NULL DEFAULT 0 CHECK (pilot_enabled IN (0, 1)),
    pilot_json          TEXT    NOT NULL DEFAULT '[]'
                        CHECK (json_valid(pilot_json) AND json_type(pilot_json) = 'array'),
    -- Names of the preflight checks that failed in the last run ('[]' = all green).
    preflight_json      TEXT    CHECK (preflight_json IS NULL OR
                                       (json_valid(preflight_json) AND json_type(preflight_json) = 'array')),
    preflight_at        INTEGER,
    updated_at          INTEGER NOT NULL
) STRICT;

CREATE INDEX onboarding_by_source ON onboarding (source_profile_id)
    WHERE source_profile_id IS NOT NULL;
