-- One row per distinct callback a participant received. `cursor` is the mailbox order: it is
-- assigned by the single writer inside the committing transaction, so commit order = cursor
-- order and a reader never sees cursor N+1 before N. AUTOINCREMENT so a cursor is never reused,
-- even after purging.
CREATE TABLE envelopes (
    cursor         INTEGER PRIMARY KEY AUTOINCREMENT,
    participant    TEXT    NOT NULL,
    sender_code    TEXT    NOT NULL,
    api_call_id    TEXT    NOT NULL,
    received_at_ms INTEGER NOT NULL,
    path           TEXT    NOT NULL,
    -- Protected headers as JSON text; NULL once the acked body has been purged.
    headers        TEXT,
    -- The HTTP body exactly as received; NULL once purged.
    body           BLOB,
    -- NULL while the console has not acknowledged it. Unacked rows are never purged.
    acked_at_ms    INTEGER,
    -- The gateway makes api_call_id unique per sender; a redelivery is stored once.
    UNIQUE (participant, sender_code, api_call_id)
);

CREATE INDEX envelopes_pending ON envelopes (participant, cursor) WHERE acked_at_ms IS NULL;
CREATE INDEX envelopes_acked ON envelopes (acked_at_ms) WHERE acked_at_ms IS NOT NULL;
