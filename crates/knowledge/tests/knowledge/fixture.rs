//! The knowledge base under test, on one deployment of the chunk store, with an embedder that
//! can be made to fail, or to hold batches (ingestion's) until released.

use crate::common::minilm;
use rehearse_knowledge::{KnowledgeBase, KnowledgeConfig, Location};
use rehearse_llm::embed::Embedder;
use rehearse_llm::gateway::EmbedderLoader;
use rehearse_llm::testing::test_embeddings;
use rehearse_llm::LlmError;
use rehearse_runtimes::LocalMiniLm;
use rehearse_testkit::{fresh_db, Backend, SurrealServer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// MiniLM that can be made to fail, for the failure and retry path, or to hold every batch of
/// more than one text (ingestion embeds batches; a question is one text) until released.
struct Switchable {
    inner: Arc<LocalMiniLm>,
    fail: Arc<AtomicBool>,
    hold: Arc<Hold>,
}

/// Holds batches while `on`, each until [`Hold::release`] lets one go.
pub(crate) struct Hold {
    pub(crate) on: AtomicBool,
    gate: tokio::sync::Semaphore,
}

impl Default for Hold {
    fn default() -> Self {
        Hold {
            on: AtomicBool::new(false),
            gate: tokio::sync::Semaphore::new(0),
        }
    }
}

impl Hold {
    pub(crate) fn release(&self, batches: usize) {
        self.gate.add_permits(batches);
    }
}

#[async_trait::async_trait]
impl Embedder for Switchable {
    fn provider(&self) -> &str {
        "local"
    }
    fn model(&self) -> &str {
        self.inner.model()
    }
    fn dimensions(&self) -> usize {
        self.inner.dimensions()
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(LlmError::Unavailable("embedding server down".into()));
        }
        if texts.len() > 1 && self.hold.on.load(Ordering::SeqCst) {
            self.hold
                .gate
                .acquire()
                .await
                .map_err(|e| LlmError::Unavailable(e.to_string()))?
                .forget();
        }
        self.inner.embed(texts).await
    }
}

/// A knowledge base on a fresh catalog and chunk store; `fail` makes its embedder fail.
pub(crate) struct Fixture {
    pub(crate) kb: KnowledgeBase,
    pub(crate) fail: Arc<AtomicBool>,
    pub(crate) hold: Arc<Hold>,
    _db: rehearse_testkit::TestDb,
    _dir: tempfile::TempDir,
    _server: Option<SurrealServer>,
}

/// Where a fixture keeps its chunks.
pub(crate) enum Store {
    /// SurrealKV in the fixture's temp dir (the default deployment).
    Embedded,
    /// A SurrealDB server process of its own, over WebSocket (`REHEARSE_KNOWLEDGE__URL`).
    Remote,
}

pub(crate) async fn fixture(backend: Backend, store: Store) -> Fixture {
    let db = fresh_db(backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let fail = Arc::new(AtomicBool::new(false));
    let hold = Arc::new(Hold::default());
    let (switch, held) = (fail.clone(), hold.clone());
    let loader: EmbedderLoader = Arc::new(move || {
        Ok(Arc::new(Switchable {
            inner: minilm(),
            fail: switch.clone(),
            hold: held.clone(),
        }) as Arc<dyn Embedder>)
    });
    let embeddings = test_embeddings(&db.db, loader);
    let mut config = KnowledgeConfig::embedded(dir.path().join("kb"));
    let server = match store {
        Store::Embedded => None,
        Store::Remote => {
            let server = tokio::task::spawn_blocking(SurrealServer::start)
                .await
                .expect("server start");
            config.location = Location::Remote {
                url: server.url.clone(),
                username: server.username.clone(),
                password: server.password.clone().into(),
            };
            Some(server)
        }
    };
    let kb = KnowledgeBase::new(&db.db, config, embeddings);
    Fixture {
        kb,
        fail,
        hold,
        _db: db,
        _dir: dir,
        _server: server,
    }
}
