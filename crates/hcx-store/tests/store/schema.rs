//! Schema invariants: no secret-looking columns, no floating-point money.

use rusqlite::Connection;

use crate::support::TestDb;

fn columns(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare(
            "SELECT m.name, p.name, p.type FROM sqlite_schema m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid",
        )
        .unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn no_column_looks_like_it_holds_a_secret() {
    let db = TestDb::new();
    drop(db.open());
    let conn = Connection::open(db.path()).unwrap();
    let all = columns(&conn);
    assert!(all.len() > 50, "the check must see the real schema, found {} columns", all.len());
    let forbidden =
        ["password", "passwd", "secret", "private", "token", "passphrase", "credential", "pin"];
    for (table, column, _) in &all {
        let lower = column.to_ascii_lowercase();
        for word in forbidden {
            assert!(
                !lower.split('_').any(|part| part == word || part.starts_with(word)),
                "{table}.{column} looks like it stores a secret; secrets belong in the keychain"
            );
        }
    }
}

#[test]
fn money_columns_are_text_and_nothing_is_real() {
    let db = TestDb::new();
    drop(db.open());
    let conn = Connection::open(db.path()).unwrap();
    let all = columns(&conn);
    for (table, column, kind) in &all {
        assert_ne!(
            kind.to_ascii_uppercase(),
            "REAL",
            "{table}.{column} is REAL; money and times must never be floating point"
        );
        if column.ends_with("_amount") {
            assert_eq!(kind, "TEXT", "{table}.{column} holds money and must be decimal TEXT");
        }
    }
    assert_eq!(
        all.iter().filter(|(_, c, _)| c.ends_with("_amount")).count(),
        4,
        "threads carry requested, approved, settled and excess amounts"
    );
}
