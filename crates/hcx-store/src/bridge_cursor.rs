//! Table `bridge_cursor`: where the bridge mailbox poller resumes after a restart.
//!
//! The cursor only moves after the messages before it are stored (ingest writes messages and
//! the cursor in one [`crate::Store::write`] transaction), so a crash never skips a message.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::values::to_ms;
use crate::{Reader, Result, Writer};

impl Reader<'_> {
    /// The saved cursor of a profile's bridge mailbox.
    pub fn bridge_cursor(&self, profile_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM bridge_cursor WHERE profile_id = ?1",
                [profile_id],
                |row| row.get(0),
            )
            .optional()?)
    }
}

impl Writer<'_> {
    /// Saves the cursor.
    pub fn set_bridge_cursor(
        &self,
        profile_id: &str,
        cursor: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO bridge_cursor (profile_id, cursor, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (profile_id) DO UPDATE SET cursor = excluded.cursor, \
             updated_at = excluded.updated_at",
            params![profile_id, cursor, to_ms(at)],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::profiles::tests::{fields, t0};

    #[test]
    fn cursor_is_saved_and_replaced() {
        let mut store = Store::open_in_memory().unwrap();
        store.write(|w| w.insert_profile("p", &fields("me"), t0())).unwrap();
        assert_eq!(
            store.read().bridge_cursor("p").unwrap(),
            None,
            "no cursor before the first poll"
        );
        store.write(|w| w.set_bridge_cursor("p", "c-1", t0())).unwrap();
        store.write(|w| w.set_bridge_cursor("p", "c-2", t0())).unwrap();
        assert_eq!(
            store.read().bridge_cursor("p").unwrap().as_deref(),
            Some("c-2"),
            "the latest cursor wins"
        );
    }
}
