//! The knowledge base's background jobs and their typed payloads (see
//! [`rehearse_db::JobPayload`]).

use serde::{Deserialize, Serialize};

/// The background job that ingests one version.
pub const INGEST_JOB: &str = "ingest_jd";
/// The background job that removes a deleted job description's chunks.
pub const PURGE_JOB: &str = "purge_jd";

/// Ingest one version: queued in the same transaction that stores the version, so a version
/// is never left queued with no job to ingest it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestJob {
    pub version_id: String,
}

impl rehearse_db::JobPayload for IngestJob {
    const KIND: &'static str = INGEST_JOB;
    fn dedup_key(&self) -> Option<String> {
        Some(format!("{INGEST_JOB}:{}", self.version_id))
    }
}

/// Remove a deleted job description's chunks from the chunk store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeJob {
    pub jd_id: String,
}

impl rehearse_db::JobPayload for PurgeJob {
    const KIND: &'static str = PURGE_JOB;
    fn dedup_key(&self) -> Option<String> {
        Some(format!("{PURGE_JOB}:{}", self.jd_id))
    }
}
