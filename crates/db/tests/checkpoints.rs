//! Who copies SQLite's write-ahead log into the database file: in background mode a task of the
//! pool's own, never the commit that fills the log.

use rehearse_db::{Checkpoints, Db};
use sqlx::Row;
use std::path::Path;
use std::time::Duration;

async fn open(dir: &Path, checkpoints: Checkpoints) -> Db {
    let url = format!("sqlite://{}/c.db", dir.display());
    let db = Db::connect_with(&url, checkpoints).await.expect("connects");
    sqlx::query("CREATE TABLE IF NOT EXISTS filler (body TEXT NOT NULL)")
        .execute(db.pool())
        .await
        .expect("creates the table");
    db
}

async fn autocheckpoint_pages(db: &Db) -> i64 {
    sqlx::query("PRAGMA wal_autocheckpoint")
        .fetch_one(db.pool())
        .await
        .expect("reads the pragma")
        .try_get(0)
        .expect("an integer")
}

/// Writes about `pages` pages of rows, one commit each, as calls opening one by one do.
async fn fill(db: &Db, pages: usize) {
    let body = "x".repeat(3_000);
    for _ in 0..pages {
        sqlx::query("INSERT INTO filler (body) VALUES ($1)")
            .bind(&body)
            .execute(db.pool())
            .await
            .expect("inserts");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mode_sets_its_automatic_checkpoint() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let inline = open(dir.path(), Checkpoints::Inline).await;
    assert_eq!(autocheckpoint_pages(&inline).await, 1_000);
    inline.close().await;
    let background = open(dir.path(), Checkpoints::Background).await;
    assert_eq!(
        autocheckpoint_pages(&background).await,
        i64::from(rehearse_db::checkpoints::SAFETY_NET_PAGES)
    );
    background.close().await;
}

/// Past the 1,000 pages at which a commit would have checkpointed, and below the safety net,
/// the database file still receives the log's pages: the background task copied them. The test
/// waits for that to happen (the task's own period), checking the file, with a generous limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_copies_the_log_into_the_database_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let db = open(dir.path(), Checkpoints::Background).await;
    let file = dir.path().join("c.db");
    let before = std::fs::metadata(&file).expect("the file").len();
    fill(&db, 1_500).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = std::fs::metadata(&file).expect("the file").len();
        // 1,500 rows of 3 KB: several megabytes once copied, against a few pages before.
        if now > before + 2_000_000 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log was not copied into the database file ({before} -> {now} bytes)"
        );
        tokio::time::sleep(rehearse_db::checkpoints::EVERY).await;
    }
    db.close().await;
}
