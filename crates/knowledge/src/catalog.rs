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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
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

mod upload;

pub use upload::VersionText;
pub(crate) use upload::{add_version_in, create_in};

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

impl Catalog {
    pub fn new(db: &Db) -> Self {
        Catalog { db: db.clone() }
    }

    /// Runs a `SELECT` with one parameter, `arg`, and reads every row with `read`: the one way
    /// the catalog's lookups (which keep the single row) and lists fetch.
    async fn select<T>(
        &self,
        sql: &str,
        arg: &str,
        read: fn(&sqlx::any::AnyRow) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let rows = sqlx::query(sql).bind(arg).fetch_all(self.db.pool()).await?;
        rows.iter().map(read).collect()
    }

    pub async fn get(&self, jd_id: &str) -> Result<Option<JobDescription>, DbError> {
        let sql = "SELECT id, title, created_by, created_at, deleted_at FROM job_descriptions WHERE id = $1";
        Ok(self.select(sql, jd_id, rehearse_db::read_row).await?.pop())
    }

    /// Job descriptions not deleted, newest first; the built-in ones ([`crate::built_in`]) are
    /// the product's, not an admin's, so they are not listed.
    pub async fn list(&self) -> Result<Vec<JobDescription>, DbError> {
        let sql = "SELECT id, title, created_by, created_at, deleted_at FROM job_descriptions WHERE deleted_at IS NULL AND created_by <> $1 ORDER BY created_at DESC";
        self.select(sql, crate::built_in::BUILT_IN, rehearse_db::read_row)
            .await
    }

    pub async fn versions(&self, jd_id: &str) -> Result<Vec<Version>, DbError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM jd_versions WHERE jd_id = $1 ORDER BY version DESC"
        );
        self.select(&sql, jd_id, version).await
    }

    pub async fn version(&self, version_id: &str) -> Result<Option<Version>, DbError> {
        let sql = format!("SELECT {VERSION_COLUMNS} FROM jd_versions WHERE id = $1");
        Ok(self.select(&sql, version_id, version).await?.pop())
    }

    /// The newest searchable version of every live job description an admin added: what
    /// candidates can pick beside the samples.
    pub async fn ready_latest(&self) -> Result<Vec<Version>, DbError> {
        let sql = format!(
            "SELECT {cols} FROM jd_versions v WHERE v.status = 'ready' \
             AND EXISTS (SELECT 1 FROM job_descriptions j WHERE j.id = v.jd_id AND j.deleted_at IS NULL AND j.created_by <> $1) \
             AND v.version = (SELECT MAX(w.version) FROM jd_versions w WHERE w.jd_id = v.jd_id AND w.status = 'ready') \
             ORDER BY v.title",
            cols = VERSION_COLUMNS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
        );
        self.select(&sql, crate::built_in::BUILT_IN, version).await
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
