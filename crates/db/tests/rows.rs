//! Rows read by `#[derive(sqlx::FromRow)]` through [`rehearse_db::read_row`]: a stored
//! spelling of a closed set reads back as its variant, and one no variant has is bad data
//! ([`DbError::Corrupt`], naming the spelling), not an outage.

use rehearse_db::{Checkpoints, Db, DbError};

rehearse_db::spelled_enum! {
    /// A closed set stored as text.
    enum Shade {
        Light = "light",
        Dark = "dark_grey",
    }
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Swatch {
    name: String,
    shade: Shade,
    #[sqlx(rename = "hex")]
    code: Option<String>,
}

#[tokio::test]
async fn a_known_spelling_reads_back_and_an_unknown_one_is_corrupt() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/rows.db", dir.path().display());
    let db = Db::connect_with(&url, Checkpoints::default())
        .await
        .expect("connects");
    sqlx::query(
        "CREATE TABLE swatches (id INTEGER, name TEXT NOT NULL, shade TEXT NOT NULL, hex TEXT)",
    )
    .execute(db.pool())
    .await
    .expect("creates the table");
    sqlx::query(
        "INSERT INTO swatches (id, name, shade, hex) VALUES \
         (1, 'slate', 'dark_grey', '#333'), (2, 'paper', 'light', NULL), (3, 'odd', 'mauve', NULL)",
    )
    .execute(db.pool())
    .await
    .expect("inserts");

    let rows = sqlx::query("SELECT name, shade, hex FROM swatches ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("selects");
    let read: Vec<Result<Swatch, DbError>> = rows.iter().map(rehearse_db::read_row).collect();
    assert_eq!(
        read[0].as_ref().expect("a known spelling reads"),
        &Swatch {
            name: "slate".into(),
            shade: Shade::Dark,
            code: Some("#333".into()),
        }
    );
    assert_eq!(read[1].as_ref().expect("reads").shade, Shade::Light);
    match &read[2] {
        Err(DbError::Corrupt(why)) => assert!(
            why.contains("shade") && why.contains("mauve"),
            "names the column and the spelling: {why}"
        ),
        other => panic!("an unknown spelling is bad data, not {other:?}"),
    }
}
