//! The job-description knowledge base: admins' documents become chunks with vectors in
//! SurrealDB; a candidate's question about the role is answered only from the chunks that
//! pass hybrid retrieval, reranking and thresholds, and the answer's claims are checked
//! against the chunks it cites.

pub mod built_in;
pub mod caches;
pub mod catalog;
pub mod categories;
pub mod chunk;
pub mod competency;
pub mod compose;
pub mod eval;
pub mod extract;
pub mod generative;
pub mod grounding;
mod ingest;
pub mod instructions;
pub mod jobs;
pub mod kb;
pub mod rank;
pub mod requirement_lines;
pub mod requirements;
mod search;
pub mod store;
pub mod terms;
pub mod version_index;

pub use catalog::{Catalog, JobDescription, Version, VersionStatus};
pub use competency::Competency;
pub use jobs::{IngestJob, PurgeJob, INGEST_JOB, PURGE_JOB};
pub use kb::{Answer, Citation, KbError, KnowledgeBase, KnowledgeConfig, Retrieval, NOT_STATED};
pub use rank::{Scored, Thresholds};
pub use store::{ChunkStore, Location};
