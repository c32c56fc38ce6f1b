//! The knowledge base end to end on real parts: SQLite and PostgreSQL for the catalog, the
//! embedded SurrealDB (SurrealKV in a temp dir) for chunks and indexes, and the real
//! all-MiniLM-L6-v2 model for embeddings. One test binary, its scenarios in modules by what they
//! cover; the job descriptions and the ingestion helpers here are shared by them.

use crate::fixture::Fixture;
use rehearse_knowledge::VersionStatus;

#[path = "../common/mod.rs"]
mod common;

mod fixture;

/// Runs a scenario on each deployment of the chunk store: embedded with the SQLite and with the
/// PostgreSQL catalog, and a remote SurrealDB server (with SQLite; the catalog backend does not
/// change how the remote store is spoken to).
macro_rules! every_store {
    ($scenario:ident) => {
        mod $scenario {
            use crate::fixture::{fixture, Store};
            use rehearse_testkit::Backend;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario(fixture(Backend::Sqlite, Store::Embedded).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario(fixture(Backend::Postgres, Store::Embedded).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn remote_surrealdb() {
                super::$scenario(fixture(Backend::Sqlite, Store::Remote).await).await
            }
        }
    };
}

mod answers;
mod eval_sets;
mod in_memory_search;
mod ingestion;

const NO_PAY: &str = "# Search Platform Engineer\n\nYou will join the search team in Lisbon that runs our product search for 40 million shoppers.\n\n## Requirements\n- 4+ years building backend services in Rust or Go\n- Operating Elasticsearch or OpenSearch clusters in production\n- Designing Kafka consumers that index data in near real time\n\n## How we work\n- Everyone joins the on-call rotation, one week in six\n- We deploy to Kubernetes several times a day\n\n## Benefits\n- 28 days of holiday\n- A yearly learning budget for books and conferences\n- Private health insurance\n";

const WITH_PAY: &str = "# Payments Backend Engineer\n\nWe move money for 4,000 shops across Europe.\n\n## Requirements\n- 5+ years building services in Rust\n- PostgreSQL schema design for high write volume\n\n## Compensation\nThe base salary range is €85,000–€105,000 plus equity.\n\n## Benefits\n- 30 days of holiday\n";

async fn ingest(f: &Fixture, text: &str) -> rehearse_knowledge::Version {
    let added =
        f.kb.add(None, "pasted", text, "admin@example.com")
            .await
            .expect("accepted");
    assert_eq!(added.version.status, VersionStatus::Queued);
    run_jobs(f, &added.version.id).await
}

/// Runs every queued job; returns the version as it then stands.
async fn run_jobs(f: &Fixture, version_id: &str) -> rehearse_knowledge::Version {
    while f.kb.run_next_job().await.expect("job runs") {}
    f.kb.catalog()
        .version(version_id)
        .await
        .expect("read")
        .expect("version")
}
