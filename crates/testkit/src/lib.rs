//! Fixtures for tests. Every database test runs against both backends with [`both_backends!`];
//! each test gets its own database (a SQLite file in a temp dir, or a fresh PostgreSQL
//! database on the local server), so tests never see each other's rows.

use rehearse_db::Db;

pub mod fault_upstream;
pub mod llama;
pub mod surreal;
pub use fault_upstream::FaultUpstream;
pub use llama::{LlamaServer, LLAMA_MODEL_ID};
pub use surreal::SurrealServer;

/// Runs `scenario(Backend)` as two tests, one per relational backend.
#[macro_export]
macro_rules! both_backends {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$scenario($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$scenario($crate::Backend::Postgres).await
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on (trust auth on this machine kind).
pub fn pg_admin_url() -> String {
    std::env::var("REHEARSE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A URL for a new, empty database of `backend`. Keep `dir` alive as long as the database is used.
pub async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/rehearse.db", dir.path().display()),
        Backend::Postgres => create_pg_database().await,
    }
}

async fn create_pg_database() -> String {
    sqlx::any::install_default_drivers();
    let admin_url = pg_admin_url();
    let admin = sqlx::AnyPool::connect(&admin_url).await.expect(
        "PostgreSQL must be running for the postgres tests (bash scripts/test.sh starts it)",
    );
    let name = format!("rehearse_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    format!("{base}/{name}")
}

/// A migrated database of `backend`.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: tempfile::TempDir,
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = database_url(backend, &dir).await;
    let db = Db::connect(&url).await.expect("connect test database");
    db.migrate().await.expect("migrate test database");
    TestDb { db, url, _dir: dir }
}

/// A port nobody listens on right now (for child processes that need one up front).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// The workspace root, for tests that start the project's scripts.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where `scripts/fetch-models.sh` put the models: `REHEARSE_MODELS_DIR`, else `data/models`
/// in the workspace.
pub fn models_dir() -> std::path::PathBuf {
    std::env::var("REHEARSE_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("data/models"))
}

/// The SmolLM2 GGUF the embedded-model tests and benches run on.
pub fn smollm2_gguf() -> std::path::PathBuf {
    models_dir().join("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
}
