//! The relational side of job descriptions: who added which version when, its text, its
//! derived requirements and its ingestion status. The knowledge store holds the chunks; this
//! catalog decides which version is searchable.

use crate::requirements::DerivedRequirement;
use rehearse_db::{now_ms, Db, DbError};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// How far a version's ingestion has got: one definition, shared with the browser
/// (`rehearse_types`).
pub use rehearse_types::VersionStatus;

/// A version's status read back by its stored name; any other text means the row is corrupt.
fn version_status(text: &str) -> Result<VersionStatus, DbError> {
    VersionStatus::parse(text).ok_or_else(|| DbError::Corrupt(format!("version status {text}")))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDescription {
    pub id: String,
    pub title: String,
    pub created_by: String,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub id: String,
    pub jd_id: String,
    pub version: i64,
    pub title: String,
    /// `pasted` or the uploaded file's name.
    pub source: String,
    pub body: String,
    pub requirements: Vec<DerivedRequirement>,
    pub status: VersionStatus,
    pub error: Option<String>,
    pub chunks_done: i64,
    pub chunks_total: i64,
    pub embedded: i64,
    pub cached: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone)]
pub struct Catalog {
    pub(crate) db: Db,
}

pub(crate) const VERSION_COLUMNS: &str = "id, jd_id, version, title, source, body, requirements_json, status, error, chunks_done, chunks_total, embedded, cached, created_by, created_at, updated_at";

pub(crate) fn version(row: &sqlx::any::AnyRow) -> Result<Version, DbError> {
    let reqs: String = row.try_get("requirements_json")?;
    Ok(Version {
        id: row.try_get("id")?,
        jd_id: row.try_get("jd_id")?,
        version: row.try_get("version")?,
        title: row.try_get("title")?,
        source: row.try_get("source")?,
        body: row.try_get("body")?,
        requirements: serde_json::from_str(&reqs).map_err(|e| DbError::Corrupt(e.to_string()))?,
        status: version_status(&row.try_get::<String, _>("status")?)?,
        error: row.try_get("error")?,
        chunks_done: row.try_get("chunks_done")?,
        chunks_total: row.try_get("chunks_total")?,
        embedded: row.try_get("embedded")?,
        cached: row.try_get("cached")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn jd(row: &sqlx::any::AnyRow) -> Result<JobDescription, DbError> {
    Ok(JobDescription {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

impl Catalog {
    pub fn new(db: &Db) -> Self {
        Catalog { db: db.clone() }
    }

    /// Creates a job description with its first version, and queues its ingestion in the same
    /// transaction.
    pub async fn create(
        &self,
        title: &str,
        source: &str,
        body: &str,
        requirements: &[DerivedRequirement],
        by: &str,
    ) -> Result<(JobDescription, Version), DbError> {
        let mut tx = self.db.begin_write().await?;
        let (jd, v) = create_in(&mut tx, title, source, body, requirements, by).await?;
        queue_ingest(&mut tx, &v.id).await?;
        tx.commit().await?;
        Ok((jd, v))
    }

    /// Adds the next version of a job description and queues its ingestion, in one write
    /// transaction (so two uploads at once cannot take the same version number on SQLite).
    pub async fn add_version(
        &self,
        jd_id: &str,
        title: &str,
        source: &str,
        body: &str,
        requirements: &[DerivedRequirement],
        by: &str,
    ) -> Result<Version, DbError> {
        let mut tx = self.db.begin_write().await?;
        let v = add_version_in(&mut tx, jd_id, title, source, body, requirements, by).await?;
        queue_ingest(&mut tx, &v.id).await?;
        tx.commit().await?;
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
        queue_ingest(&mut tx, version_id).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, jd_id: &str) -> Result<Option<JobDescription>, DbError> {
        let row = sqlx::query("SELECT id, title, created_by, created_at, deleted_at FROM job_descriptions WHERE id = $1")
            .bind(jd_id)
            .fetch_optional(self.db.pool())
            .await?;
        row.as_ref().map(jd).transpose()
    }

    /// Job descriptions not deleted, newest first; the built-in ones ([`crate::built_in`]) are
    /// the product's, not an admin's, so they are not listed.
    pub async fn list(&self) -> Result<Vec<JobDescription>, DbError> {
        let rows = sqlx::query("SELECT id, title, created_by, created_at, deleted_at FROM job_descriptions WHERE deleted_at IS NULL AND created_by <> $1 ORDER BY created_at DESC")
            .bind(crate::built_in::BUILT_IN)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter().map(jd).collect()
    }

    pub async fn versions(&self, jd_id: &str) -> Result<Vec<Version>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM jd_versions WHERE jd_id = $1 ORDER BY version DESC"
        ))
        .bind(jd_id)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(version).collect()
    }

    pub async fn version(&self, version_id: &str) -> Result<Option<Version>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM jd_versions WHERE id = $1"
        ))
        .bind(version_id)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(version).transpose()
    }

    /// The newest searchable version of every live job description an admin added: what
    /// candidates can pick beside the samples.
    pub async fn ready_latest(&self) -> Result<Vec<Version>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {cols} FROM jd_versions v WHERE v.status = 'ready' \
             AND EXISTS (SELECT 1 FROM job_descriptions j WHERE j.id = v.jd_id AND j.deleted_at IS NULL AND j.created_by <> $1) \
             AND v.version = (SELECT MAX(w.version) FROM jd_versions w WHERE w.jd_id = v.jd_id AND w.status = 'ready') \
             ORDER BY v.title",
            cols = VERSION_COLUMNS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(crate::built_in::BUILT_IN)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(version).collect()
    }

    pub async fn set_status(
        &self,
        version_id: &str,
        status: VersionStatus,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE jd_versions SET status = $1, error = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(error)
        .bind(now_ms())
        .bind(version_id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Records progress: chunks written of the total, and how many vectors were computed or
    /// came from the cache.
    pub async fn set_progress(
        &self,
        version_id: &str,
        done: usize,
        total: usize,
        embedded: usize,
        cached: usize,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE jd_versions SET chunks_done = $1, chunks_total = $2, embedded = $3, cached = $4, updated_at = $5 WHERE id = $6")
            .bind(done as i64)
            .bind(total as i64)
            .bind(embedded as i64)
            .bind(cached as i64)
            .bind(now_ms())
            .bind(version_id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Marks a job description and its versions deleted (interviews that pinned a version keep
    /// their transcript; its chunks are removed from the store by the caller).
    pub async fn mark_deleted(&self, jd_id: &str) -> Result<(), DbError> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE job_descriptions SET deleted_at = $1 WHERE id = $2")
            .bind(now)
            .bind(jd_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE jd_versions SET status = 'deleted', updated_at = $1 WHERE jd_id = $2")
            .bind(now)
            .bind(jd_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Writes a job description and its first version in `tx`; the caller queues (or runs) the
/// ingestion and commits.
pub(crate) async fn create_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    title: &str,
    source: &str,
    body: &str,
    requirements: &[DerivedRequirement],
    by: &str,
) -> Result<(JobDescription, Version), DbError> {
    let now = now_ms();
    let jd = JobDescription {
        id: uuid::Uuid::new_v4().to_string(),
        title: title.to_owned(),
        created_by: by.to_owned(),
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
    let v = insert_version(tx, &jd.id, 1, title, source, body, requirements, by).await?;
    Ok((jd, v))
}

/// Writes the next version of job description `jd_id` in `tx` (and its title); the caller
/// queues (or runs) the ingestion and commits.
pub(crate) async fn add_version_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    jd_id: &str,
    title: &str,
    source: &str,
    body: &str,
    requirements: &[DerivedRequirement],
    by: &str,
) -> Result<Version, DbError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM jd_versions WHERE jd_id = $1")
            .bind(jd_id)
            .fetch_one(&mut **tx)
            .await?;
    let next: i64 = row.try_get::<i64, _>("v")? + 1;
    sqlx::query("UPDATE job_descriptions SET title = $1 WHERE id = $2 AND deleted_at IS NULL")
        .bind(title)
        .bind(jd_id)
        .execute(&mut **tx)
        .await?;
    insert_version(tx, jd_id, next, title, source, body, requirements, by).await
}

async fn queue_ingest(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    version_id: &str,
) -> Result<(), DbError> {
    rehearse_db::JobQueue::push_in(
        tx,
        &crate::jobs::IngestJob {
            version_id: version_id.to_owned(),
        },
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    jd_id: &str,
    number: i64,
    title: &str,
    source: &str,
    body: &str,
    requirements: &[DerivedRequirement],
    by: &str,
) -> Result<Version, DbError> {
    let now = now_ms();
    let v = Version {
        id: uuid::Uuid::new_v4().to_string(),
        jd_id: jd_id.to_owned(),
        version: number,
        title: title.to_owned(),
        source: source.to_owned(),
        body: body.to_owned(),
        requirements: requirements.to_vec(),
        status: VersionStatus::Queued,
        error: None,
        chunks_done: 0,
        chunks_total: 0,
        embedded: 0,
        cached: 0,
        created_by: by.to_owned(),
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
