//! Writing versions: a new job description's first version, the next version of one, and a
//! failed version put back in the queue. A version written here is queued for ingestion in the
//! same transaction, unless the caller ingests it itself ([`crate::built_in`]).

use super::{Catalog, JobDescription, Version, VersionStatus, VERSION_COLUMNS};
use crate::requirements::DerivedRequirement;
use rehearse_db::{now_ms, DbError};
use sqlx::Row;

/// The content of a version as an upload or an edit gives it: the same five values make a new
/// job description's first version and any later one.
#[derive(Debug, Clone, Copy)]
pub struct VersionText<'a> {
    pub title: &'a str,
    /// `pasted` or the uploaded file's name.
    pub source: &'a str,
    pub body: &'a str,
    pub requirements: &'a [DerivedRequirement],
    pub by: &'a str,
}

impl Catalog {
    /// Creates a job description with its first version, and queues its ingestion in the same
    /// transaction.
    pub async fn create(
        &self,
        text: VersionText<'_>,
    ) -> Result<(JobDescription, Version), DbError> {
        let mut tx = self.db.begin_write().await?;
        let (jd, v) = create_in(&mut tx, text).await?;
        commit_queued(tx, &v.id).await?;
        Ok((jd, v))
    }

    /// Adds the next version of a job description and queues its ingestion, in one write
    /// transaction (so two uploads at once cannot take the same version number on SQLite).
    pub async fn add_version(
        &self,
        jd_id: &str,
        text: VersionText<'_>,
    ) -> Result<Version, DbError> {
        let mut tx = self.db.begin_write().await?;
        let v = add_version_in(&mut tx, jd_id, text).await?;
        commit_queued(tx, &v.id).await?;
        Ok(v)
    }

    /// Puts a failed version back in the queue: its status, progress and job in one
    /// transaction.
    pub async fn requeue(&self, version_id: &str) -> Result<(), DbError> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE jd_versions SET status = $1, error = NULL, chunks_done = 0, chunks_total = 0, embedded = 0, cached = 0, updated_at = $2 WHERE id = $3")
            .bind(VersionStatus::Queued.as_str())
            .bind(now_ms())
            .bind(version_id)
            .execute(&mut *tx)
            .await?;
        commit_queued(tx, version_id).await
    }
}

/// Writes a job description and its first version in `tx`; the caller queues (or runs) the
/// ingestion and commits.
pub(crate) async fn create_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    text: VersionText<'_>,
) -> Result<(JobDescription, Version), DbError> {
    let now = now_ms();
    let jd = JobDescription {
        id: uuid::Uuid::new_v4().to_string(),
        title: text.title.to_owned(),
        created_by: text.by.to_owned(),
        created_at: now,
        deleted_at: None,
    };
    sqlx::query(
        "INSERT INTO job_descriptions (id, title, created_by, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&jd.id)
    .bind(&jd.title)
    .bind(&jd.created_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let v = insert_version(tx, &jd.id, 1, text).await?;
    Ok((jd, v))
}

/// Writes the next version of job description `jd_id` in `tx` (and its title); the caller
/// queues (or runs) the ingestion and commits.
pub(crate) async fn add_version_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    jd_id: &str,
    text: VersionText<'_>,
) -> Result<Version, DbError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM jd_versions WHERE jd_id = $1")
            .bind(jd_id)
            .fetch_one(&mut **tx)
            .await?;
    let next: i64 = row.try_get::<i64, _>("v")? + 1;
    sqlx::query("UPDATE job_descriptions SET title = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(text.title)
        .bind(jd_id)
        .execute(&mut **tx)
        .await?;
    insert_version(tx, jd_id, next, text).await
}

/// Queues the ingestion of version `version_id` in `tx` and commits: how every write here that
/// leaves a version to the job runner ends.
async fn commit_queued(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    version_id: &str,
) -> Result<(), DbError> {
    rehearse_db::JobQueue::push_in(
        &mut tx,
        &crate::jobs::IngestJob {
            version_id: version_id.to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    jd_id: &str,
    number: i64,
    text: VersionText<'_>,
) -> Result<Version, DbError> {
    let now = now_ms();
    let v = Version {
        id: uuid::Uuid::new_v4().to_string(),
        jd_id: jd_id.to_owned(),
        version: number,
        title: text.title.to_owned(),
        source: text.source.to_owned(),
        body: text.body.to_owned(),
        requirements: text.requirements.to_vec(),
        status: VersionStatus::Queued,
        error: None,
        chunks_done: 0,
        chunks_total: 0,
        embedded: 0,
        cached: 0,
        created_by: text.by.to_owned(),
        created_at: now,
        updated_at: now,
    };
    sqlx::query(&format!("INSERT INTO jd_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
        .bind(&v.id)
        .bind(&v.jd_id)
        .bind(v.version)
        .bind(&v.title)
        .bind(&v.source)
        .bind(&v.body)
        .bind(serde_json::to_string(&v.requirements).map_err(|e| DbError::Corrupt(e.to_string()))?)
        .bind(v.status.as_str())
        .bind(None::<String>)
        .bind(0i64)
        .bind(0i64)
        .bind(0i64)
        .bind(0i64)
        .bind(&v.created_by)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(v)
}
