//! What the drills check once the candidates are done: waiting for the last turns to finish,
//! then counting lost, duplicated and stuck work straight from the database. Kept apart so the
//! pass/fail rules of the drills can be read on their own.

use sqlx::Row;
use std::time::Duration;

pub(crate) async fn wait_for_idle(db_url: &str) {
    let Ok(db) = rehearse_db::Db::connect(db_url).await else {
        return;
    };
    for _ in 0..600 {
        let pending = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'interview_turn' AND status IN ('queued', 'running')",
        )
        .fetch_one(db.pool())
        .await
        .ok()
        .and_then(|r| r.try_get::<i64, _>("n").ok())
        .unwrap_or(0);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await;
}

pub(crate) struct Report {
    pub(crate) completed: i64,
    pub(crate) lost: i64,
    pub(crate) duplicates: i64,
    pub(crate) stuck: i64,
    pub(crate) finished: i64,
    pub(crate) integrity: String,
}

pub(crate) async fn check(
    db_url: &str,
    confirmed: &[(String, Vec<String>)],
) -> anyhow::Result<Report> {
    let db = rehearse_db::Db::connect(db_url).await?;
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = sqlx::query(sql).fetch_one(db.pool()).await?;
            anyhow::Ok(row.try_get::<i64, _>(0)?)
        }
    };
    let mut lost = 0;
    let mut duplicates = 0;
    for (interview, keys) in confirmed {
        for key in keys {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2",
            )
            .bind(interview)
            .bind(key)
            .fetch_one(db.pool())
            .await?;
            if row.try_get::<i64, _>(0)? == 0 {
                lost += 1;
            }
        }
        // Every stored candidate message carries one of the keys the candidate used, once.
        let row = sqlx::query(
            "SELECT COUNT(*) FROM interview_messages WHERE interview_id = $1 AND author = 'candidate'",
        )
        .bind(interview)
        .fetch_one(db.pool())
        .await?;
        duplicates += (row.try_get::<i64, _>(0)? - keys.len() as i64).max(0);
    }
    // A question asked twice: the same interviewer text for the same requirement.
    duplicates += count(
        "SELECT COUNT(*) FROM (SELECT interview_id, content, requirement_id FROM interview_messages \
         WHERE author = 'interviewer' AND requirement_id IS NOT NULL \
         GROUP BY interview_id, content, requirement_id HAVING COUNT(*) > 1) AS d",
    )
    .await?;
    let stuck = count(
        "SELECT COUNT(*) FROM interviews i WHERE i.status = 'active' AND \
         (SELECT MAX(seq) FROM interview_messages m WHERE m.interview_id = i.id AND m.author = 'candidate') > i.turn_seq \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'interview_turn' AND j.status IN ('queued', 'running') \
                         AND j.dedup_key = 'interview_turn:' || i.id)",
    )
    .await?;
    let completed = count(
        "SELECT COUNT(*) FROM interview_messages m JOIN interviews i ON i.id = m.interview_id \
         WHERE m.author = 'candidate' AND m.seq <= i.turn_seq",
    )
    .await?;
    let finished = count("SELECT COUNT(*) FROM interviews WHERE status = 'done'").await?;
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(db.pool())
        .await?
        .try_get(0)?;
    db.close().await;
    Ok(Report {
        completed,
        lost,
        duplicates,
        stuck,
        finished,
        integrity,
    })
}
