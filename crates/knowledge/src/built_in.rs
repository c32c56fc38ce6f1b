//! Job descriptions the product ships (the sample roles), stored like an admin's upload so a
//! candidate's question about a sample role goes through the same retrieval, thresholds,
//! grounding check and verdict as any other. They are marked as the product's (`created_by`
//! is [`BUILT_IN`]): not listed for admins, and not offered to candidates a second time beside
//! the sample they describe. They are stored on first use, not at start-up, so a server that
//! is never asked about a sample never loads the embedding model for one.

use crate::catalog::{
    add_version_in, create_in, Version, VersionStatus, VersionText, VERSION_COLUMNS,
};
use crate::kb::{KbError, KnowledgeBase};

/// `created_by` of the product's own job descriptions.
pub const BUILT_IN: &str = "rehearse:built-in";

impl KnowledgeBase {
    /// The searchable version of the built-in job description `key` whose text is `body`:
    /// stored and ingested now if it is missing, changed or not searchable yet (a changed text
    /// becomes the job description's next version).
    pub async fn built_in(&self, key: &str, body: &str) -> Result<Version, KbError> {
        let _one_at_a_time = self.built_in_lock.lock().await;
        let source = format!("built-in:{key}");
        let latest = self.latest_built_in(&source).await?;
        let version = match latest {
            Some(v) if v.body == body && v.status == VersionStatus::Ready => return Ok(v),
            Some(v) if v.body == body => v,
            other => {
                self.store_built_in(other.map(|v| v.jd_id), &source, body)
                    .await?
            }
        };
        if let Err(e) = self.ingest(&version.id).await {
            self.catalog
                .set_status(&version.id, VersionStatus::Failed, Some(&e.to_string()))
                .await?;
            return Err(e);
        }
        self.known_version(&version.id).await
    }

    async fn latest_built_in(&self, source: &str) -> Result<Option<Version>, KbError> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLUMNS} FROM jd_versions WHERE source = $1 AND jd_id IN \
             (SELECT id FROM job_descriptions WHERE created_by = $2 AND deleted_at IS NULL) \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(source)
        .bind(BUILT_IN)
        .fetch_optional(self.catalog.db.pool())
        .await
        .map_err(rehearse_db::DbError::from)?;
        Ok(row.as_ref().map(crate::catalog::version).transpose()?)
    }

    /// Writes a new built-in job description (or the next version of `jd_id`) without queueing
    /// a job: [`built_in`](Self::built_in) ingests it itself, so it is searchable when it
    /// returns.
    async fn store_built_in(
        &self,
        jd_id: Option<String>,
        source: &str,
        body: &str,
    ) -> Result<Version, KbError> {
        let title = crate::requirements::title(body);
        // The samples' requirements are the interview's own; these are only for the record.
        let reqs = crate::requirements::derive_from_text(body).unwrap_or_default();
        let text = VersionText {
            title: &title,
            source,
            body,
            requirements: &reqs,
            by: BUILT_IN,
        };
        let mut tx = self.catalog.db.begin_write().await?;
        let v = match jd_id {
            Some(id) => add_version_in(&mut tx, &id, text).await?,
            None => create_in(&mut tx, text).await?.1,
        };
        tx.commit().await.map_err(rehearse_db::DbError::from)?;
        Ok(v)
    }
}
