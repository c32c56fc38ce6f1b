//! Embedding calls through the gateway's ledger and traces, on both databases: a call is
//! charged and traced; a call that would pass a ceiling is refused before the model runs; a
//! failing model leaves an error trace and charges nothing; a trace never holds the texts.
//! The model here is a double that counts its calls (the real MiniLM and a real embeddings
//! server are tested in `rehearse-runtimes` and `tests/embed.rs`).

use rehearse_llm::budget::{BudgetStore, DefaultCeilings, Payer, Scope};
use rehearse_llm::embed::Embedder;
use rehearse_llm::gateway::{EmbedContext, EmbedderLoader, Embeddings, GatewayError};
use rehearse_llm::pricing::{usd_to_nanos, Pricing};
use rehearse_llm::trace::TraceStore;
use rehearse_llm::LlmError;
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Returns a fixed unit vector per text and reports 10 tokens a text; can be made to fail.
#[derive(Default)]
struct Counting {
    calls: AtomicUsize,
    fail: AtomicBool,
}

#[async_trait::async_trait]
impl Embedder for Counting {
    fn provider(&self) -> &str {
        "openai"
    }
    fn model(&self) -> &str {
        "embed-double"
    }
    fn dimensions(&self) -> usize {
        2
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        Ok(self.embed_counted(texts).await?.0)
    }
    async fn embed_counted(
        &self,
        texts: &[String],
    ) -> Result<(Vec<Vec<f32>>, Option<u64>), LlmError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(LlmError::Unavailable("embeddings endpoint down".into()));
        }
        Ok((
            texts.iter().map(|_| vec![1.0, 0.0]).collect(),
            Some(10 * texts.len() as u64),
        ))
    }
}

/// $1 per million tokens, so 10 tokens cost 10,000 nanos.
const PRICE: Pricing = Pricing {
    input_usd_per_mtok: 1.0,
    output_usd_per_mtok: 0.0,
};

fn embeddings(t: &TestDb, model: Arc<Counting>, global_day_usd: f64) -> Embeddings {
    let budget = Arc::new(BudgetStore::new(
        &t.db,
        DefaultCeilings {
            interview: usd_to_nanos(1.0),
            user_day: usd_to_nanos(1.0),
            global_day: usd_to_nanos(global_day_usd),
        },
    ));
    let loader: EmbedderLoader = Arc::new(move || Ok(model.clone() as Arc<dyn Embedder>));
    Embeddings::new(&t.db, budget, PRICE, loader)
}

fn texts(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

async fn only_trace(t: &TestDb) -> rehearse_llm::trace::Trace {
    let traces = TraceStore::new(&t.db).list(None, 10).await.expect("traces");
    assert_eq!(traces.len(), 1, "one call, one trace");
    traces.into_iter().next().expect("a trace")
}

async fn charged_today(t: &TestDb) -> i64 {
    let day = rehearse_llm::budget::utc_day(rehearse_db::now_ms());
    BudgetStore::new(
        &t.db,
        DefaultCeilings {
            interview: 0,
            user_day: 0,
            global_day: 0,
        },
    )
    .used(Scope::GlobalDay, &Payer::default(), &day)
    .await
    .expect("spend")
}

async fn a_call_is_charged_and_traced_without_its_texts(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = Arc::new(Counting::default());
    let e = embeddings(&t, model.clone(), 1.0);
    let ctx = EmbedContext {
        user_id: None,
        interview_id: Some("interview-1".into()),
        step: "embed_report".into(),
        ..EmbedContext::default()
    };
    let vectors = e
        .embed(ctx, &texts(&["secret salary question", "second"]))
        .await
        .expect("embedded");
    assert_eq!(vectors.len(), 2);
    let trace = only_trace(&t).await;
    assert_eq!(trace.call.step, "embed_report");
    assert_eq!(trace.call.interview_id.as_deref(), Some("interview-1"));
    assert_eq!(
        (trace.call.provider.as_str(), trace.call.model.as_str()),
        ("openai", "embed-double")
    );
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Ok);
    assert_eq!(trace.prompt_tokens, 20, "the tokens the provider reported");
    assert_eq!(trace.cost_nanos, 20_000);
    assert_eq!(
        charged_today(&t).await,
        20_000,
        "settled at the actual cost"
    );
    assert!(
        !trace.call.request_json.contains("salary")
            && trace.call.request_json.contains("\"texts\":2"),
        "the trace counts the texts and never stores them: {}",
        trace.call.request_json
    );
}
both_backends!(a_call_is_charged_and_traced_without_its_texts);

async fn a_call_past_a_ceiling_is_refused_before_the_model_runs(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = Arc::new(Counting::default());
    // A global ceiling of 1,000 nanos: the estimate of a long text passes it.
    let e = embeddings(&t, model.clone(), 0.000_001);
    let long = "word ".repeat(2_000);
    let refused = e
        .embed(EmbedContext::unattributed("embed_chunks"), &[long])
        .await;
    assert!(
        matches!(
            refused,
            Err(GatewayError::CeilingReached {
                scope: Scope::GlobalDay,
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(model.calls.load(Ordering::SeqCst), 0, "the model never ran");
    assert_eq!(
        only_trace(&t).await.status,
        rehearse_llm::trace::CallStatus::OverBudget
    );
    assert_eq!(charged_today(&t).await, 0);
}
both_backends!(a_call_past_a_ceiling_is_refused_before_the_model_runs);

async fn a_failing_model_leaves_an_error_trace_and_charges_nothing(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = Arc::new(Counting::default());
    model.fail.store(true, Ordering::SeqCst);
    let e = embeddings(&t, model.clone(), 1.0);
    let failed = e
        .embed(EmbedContext::unattributed("embed_question"), &texts(&["q"]))
        .await;
    assert!(matches!(failed, Err(GatewayError::Model(_))), "{failed:?}");
    let trace = only_trace(&t).await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Error);
    assert!(trace
        .error
        .as_deref()
        .is_some_and(|e| e.contains("embeddings endpoint down")));
    assert_eq!(charged_today(&t).await, 0, "the reservation is released");
}
both_backends!(a_failing_model_leaves_an_error_trace_and_charges_nothing);
