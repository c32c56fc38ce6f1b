//! Embedding work is bounded and a candidate's question never waits behind ingestion: the
//! gateway's embedding calls run in two lanes with their own slots (`gateway::embed_lanes`).
//! The model is a double that holds a call until the test releases it, so what runs and what
//! waits is read from the gateway's own counts, never from timing.

use rehearse_llm::embed::Embedder;
use rehearse_llm::gateway::{
    EmbedContext, EmbedderLoader, Embeddings, Lane, BACKGROUND_SLOTS, INTERACTIVE_SLOTS,
};
use rehearse_llm::testing::test_embeddings;
use rehearse_llm::LlmError;
use rehearse_testkit::{fresh_db, Backend};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Texts starting with "hold" stay in the model until [`Held::release`]; any other text is
/// embedded at once. Counts the held calls inside the model, now and at most.
struct Held {
    release: Semaphore,
    inside: AtomicUsize,
    most_inside: AtomicUsize,
}

impl Held {
    fn new() -> Arc<Self> {
        Arc::new(Held {
            release: Semaphore::new(0),
            inside: AtomicUsize::new(0),
            most_inside: AtomicUsize::new(0),
        })
    }

    fn release(&self, calls: usize) {
        self.release.add_permits(calls);
    }
}

#[async_trait::async_trait]
impl Embedder for Held {
    fn provider(&self) -> &str {
        "local"
    }
    fn model(&self) -> &str {
        "held-double"
    }
    fn dimensions(&self) -> usize {
        2
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        if texts.first().is_some_and(|t| t.starts_with("hold")) {
            let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_inside.fetch_max(now, Ordering::SeqCst);
            self.release
                .acquire()
                .await
                .map_err(|e| LlmError::Unavailable(e.to_string()))?
                .forget();
            self.inside.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(texts.iter().map(|_| vec![1.0, 0.0]).collect())
    }
}

async fn embeddings(model: Arc<Held>) -> (rehearse_testkit::TestDb, Embeddings) {
    let t = fresh_db(Backend::Sqlite).await;
    let loader: EmbedderLoader = Arc::new(move || Ok(model.clone() as Arc<dyn Embedder>));
    let e = test_embeddings(&t.db, loader);
    (t, e)
}

/// Waits until `done` holds, yielding to the calls under test; fails after a generous bound
/// instead of hanging when the gateway never reaches that state.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(60), async {
        while !done() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("never reached: {what}"));
}

fn held(lane: Lane, e: &Embeddings, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let e = e.clone();
            let ctx = match lane {
                Lane::Interactive => EmbedContext::unattributed("embed_question"),
                Lane::Background => EmbedContext::background("embed_chunks"),
            };
            tokio::spawn(async move {
                e.embed(ctx, &[format!("hold {i}")])
                    .await
                    .expect("embedded once released");
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingestion_runs_one_batch_at_a_time_and_a_question_does_not_wait_behind_it() {
    let model = Held::new();
    let (_t, e) = embeddings(model.clone()).await;
    let batches = held(Lane::Background, &e, 3);
    until("one batch in the model, two waiting", || {
        model.inside.load(Ordering::SeqCst) == BACKGROUND_SLOTS
            && e.waiting(Lane::Background) == 3 - BACKGROUND_SLOTS
    })
    .await;
    assert_eq!(e.running(Lane::Background), BACKGROUND_SLOTS);

    // Ingestion is busy and has batches queued: a candidate's question is embedded anyway.
    let question = tokio::time::timeout(
        Duration::from_secs(60),
        e.embed(
            EmbedContext::unattributed("embed_question"),
            &["What does the team own?".to_owned()],
        ),
    )
    .await
    .expect("the question did not wait for the ingestion batches")
    .expect("embedded");
    assert_eq!(question.len(), 1);
    assert_eq!(e.waiting(Lane::Background), 3 - BACKGROUND_SLOTS);

    model.release(3);
    for batch in batches {
        batch.await.expect("batch task");
    }
    assert_eq!(model.most_inside.load(Ordering::SeqCst), BACKGROUND_SLOTS);
    assert_eq!(e.running(Lane::Background), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_embedding_is_bounded_by_its_slots() {
    let model = Held::new();
    let (_t, e) = embeddings(model.clone()).await;
    let questions = held(Lane::Interactive, &e, INTERACTIVE_SLOTS + 2);
    until("every slot taken, the rest waiting", || {
        model.inside.load(Ordering::SeqCst) == INTERACTIVE_SLOTS
            && e.waiting(Lane::Interactive) == 2
    })
    .await;
    assert_eq!(e.running(Lane::Interactive), INTERACTIVE_SLOTS);
    model.release(INTERACTIVE_SLOTS + 2);
    for q in questions {
        q.await.expect("question task");
    }
    assert_eq!(
        model.most_inside.load(Ordering::SeqCst),
        INTERACTIVE_SLOTS,
        "never more calls in the model than the lane's slots"
    );
    assert_eq!(e.waiting(Lane::Interactive), 0);
}
