//! Generative answers about the role (`answers = "generative"`), on real parts except the
//! model: SQLite and PostgreSQL, embedded SurrealDB and MiniLM, with the scripted model as the
//! double for what a model might write (a fabricated salary, an invented benefit, a wrong
//! number, a correct cited answer) and for the ways an agent goes wrong (looping on its tool,
//! calling a tool it was not given, never stopping, spending). Then once end to end against
//! the real OpenAI-compatible server (llama.cpp) the other tests start.

use rehearse_knowledge::generative::{self, GaveUp, Generated, SEARCH_TOOL};
use rehearse_knowledge::{KnowledgeBase, KnowledgeConfig, NOT_STATED};
use rehearse_llm::agent::TurnLimits;
use rehearse_llm::budget::{Payer, Scope};
use rehearse_llm::embed::Embedder;
use rehearse_llm::gateway::{CallContext, EmbedderLoader, Gateway, Limits};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::usd_to_nanos;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{
    call_trace, ceilings_usd, stalled_reply, test_embeddings, test_limits, TestGateway,
};
use rehearse_llm::ChatModel;
use rehearse_testkit::{both_backends, fresh_db, Backend, LlamaServer, TestDb};
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::minilm;

const JD: &str = "# Search Platform Engineer\n\nYou will join the search team in Lisbon that runs our product search for 40 million shoppers.\n\n## Requirements\n- 4+ years building backend services in Rust or Go\n- Operating Elasticsearch or OpenSearch clusters in production\n\n## How we work\n- Everyone joins the on-call rotation, one week in six\n- We deploy to Kubernetes several times a day\n\n## Benefits\n- 28 days of holiday\n- A yearly learning budget for books and conferences\n- Private health insurance\n";

struct Fixture {
    kb: KnowledgeBase,
    version_id: String,
    db: TestDb,
    _dir: tempfile::TempDir,
}

async fn fixture(backend: Backend) -> Fixture {
    let db = fresh_db(backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let loader: EmbedderLoader = Arc::new(|| Ok(minilm() as Arc<dyn Embedder>));
    let kb = KnowledgeBase::new(
        &db.db,
        KnowledgeConfig::embedded(dir.path().join("kb")),
        test_embeddings(&db.db, loader),
    );
    let added = kb
        .add(None, "pasted", JD, "admin@example.com")
        .await
        .expect("accepted");
    while kb.run_next_job().await.expect("job runs") {}
    Fixture {
        kb,
        version_id: added.version.id,
        db,
        _dir: dir,
    }
}

/// The shared test gateway over `model`, with a minute to the first token (two for the call:
/// the real server answers here too), and an interview ceiling of `interview_usd` under the
/// user's day ($5) and the platform's ($100).
fn gateway(f: &Fixture, model: Arc<dyn ChatModel>, interview_usd: f64) -> Gateway {
    TestGateway::new(&f.db.db)
        .model(model)
        .limits(Limits {
            first_token_timeout: Duration::from_secs(60),
            call_timeout: Duration::from_secs(120),
            ..test_limits()
        })
        .ceilings(ceilings_usd(interview_usd, 5.0, 100.0))
        .build()
}

fn ctx() -> CallContext {
    CallContext {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
        step: "role_answer".into(),
        ..CallContext::default()
    }
}

const TURN: TurnLimits = TurnLimits {
    max_iterations: 3,
    deadline: Duration::from_secs(60),
};

async fn ask(f: &Fixture, gw: &Gateway, question: &str, limits: TurnLimits) -> Generated {
    generative::answer(&f.kb, gw, ctx(), &f.version_id, question, 128, limits).await
}

/// What the interview spent, settled calls at their cost and open reservations in full.
async fn spent(gw: &Gateway) -> i64 {
    let payer = Payer {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
    };
    gw.budget()
        .used(Scope::Interview, &payer, "")
        .await
        .expect("spend")
}

fn search(query: &str) -> Script {
    Script::tool(SEARCH_TOOL, &format!("{{\"query\": \"{query}\"}}")).with_usage(300, 20)
}

async fn what_the_model_writes_meets_the_grounding_check(backend: Backend) {
    let f = fixture(backend).await;
    for (written, held) in [
        ("The salary is 120,000 EUR a year [1].", true),
        (
            "You get 28 days of holiday and a free gym membership [1].",
            true,
        ),
        ("You get 35 days of holiday [1].", true),
        ("You get 28 days of holiday a year [1].", false),
    ] {
        let model = ScriptedModel::new(vec![
            search("holiday and benefits"),
            Script::text(written).with_usage(400, 30),
        ]);
        let gw = gateway(&f, Arc::new(model.clone()), 1.0);
        let generated = ask(&f, &gw, "How much holiday do I get?", TURN).await;
        let answer = generated.answer.clone().expect("an answer");
        assert_eq!(answer.held, held, "{written}: {:?}", answer.flags);
        assert_eq!(generated.calls.len(), 2, "searched, then answered");
        assert_eq!(answer.citations.len(), 1, "{written}");
        assert!(
            answer.citations[0].text.contains("28 days of holiday"),
            "the cited passage is the one searched: {:?}",
            answer.citations
        );
        // The passages the tool returned went back to the model, numbered.
        let second = &model.requests()[1];
        let tool_result = second
            .messages
            .iter()
            .find(|m| m.tool_call_id.is_some())
            .expect("a tool result");
        assert!(
            tool_result.content.contains("[1]"),
            "{}",
            tool_result.content
        );
        assert!(tool_result.content.contains("28 days of holiday"));
        // Every call is traced, the answer's call last.
        let trace = call_trace(&gw, generated.trace_id().expect("trace id")).await;
        assert_eq!(trace.call.step, "role_answer");
        assert!(trace.output.contains(written.trim_end_matches(" [1].")));
    }

    // An answer saying the description is silent is "not stated", never held.
    let model = ScriptedModel::new(vec![
        search("salary"),
        Script::text("The job description does not state that."),
    ]);
    let gw = gateway(&f, Arc::new(model), 1.0);
    let answer = ask(&f, &gw, "What does it pay?", TURN)
        .await
        .answer
        .expect("answer");
    assert_eq!(answer.text, NOT_STATED);
    assert!(!answer.held);
}
both_backends!(what_the_model_writes_meets_the_grounding_check);

async fn a_model_that_loops_on_its_tool_stops_at_the_iteration_limit(backend: Backend) {
    let f = fixture(backend).await;
    let model = ScriptedModel::new(vec![search("holiday")]);
    let gw = gateway(&f, Arc::new(model.clone()), 1.0);
    let generated = ask(&f, &gw, "How much holiday do I get?", TURN).await;
    assert_eq!(generated.answer.err(), Some(GaveUp::IterationLimit));
    assert_eq!(model.calls(), TURN.max_iterations as usize);
    assert_eq!(generated.calls.len(), TURN.max_iterations as usize);
    assert!(spent(&gw).await <= usd_to_nanos(1.0));
}
both_backends!(a_model_that_loops_on_its_tool_stops_at_the_iteration_limit);

async fn a_tool_outside_the_list_is_refused_and_recorded(backend: Backend) {
    let f = fixture(backend).await;
    let model = ScriptedModel::new(vec![
        Script::tool("send_email", "{\"to\": \"recruiter@example.com\"}"),
        search("holiday"),
        Script::text("You get 28 days of holiday [1]."),
    ]);
    let gw = gateway(&f, Arc::new(model.clone()), 1.0);
    let generated = ask(&f, &gw, "How much holiday do I get?", TURN).await;
    let answer = generated
        .answer
        .clone()
        .expect("answered after the refusal");
    assert!(!answer.held, "{:?}", answer.flags);
    let first = call_trace(&gw, &generated.calls[0].call_id).await;
    assert!(first.refused_tools_json.contains("send_email"), "{first:?}");
    // The model was told the tool does not exist; only the search tool was ever offered.
    for request in model.requests() {
        let offered: Vec<&str> = request.tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(offered, vec![SEARCH_TOOL]);
    }
    let told = &model.requests()[1];
    assert!(told
        .messages
        .iter()
        .any(|m| m.content.contains("send_email is not available")));
}
both_backends!(a_tool_outside_the_list_is_refused_and_recorded);

async fn a_model_that_never_stops_is_cut_at_the_deadline(backend: Backend) {
    let f = fixture(backend).await;
    let model = ScriptedModel::new(vec![stalled_reply("You get ", Duration::from_secs(600))]);
    let gw = gateway(&f, Arc::new(model), 1.0);
    let limits = TurnLimits {
        max_iterations: 3,
        deadline: Duration::from_millis(500),
    };
    let generated = ask(&f, &gw, "How much holiday do I get?", limits).await;
    assert_eq!(generated.answer.err(), Some(GaveUp::Deadline));
    assert!(spent(&gw).await <= usd_to_nanos(1.0));
}
both_backends!(a_model_that_never_stops_is_cut_at_the_deadline);

async fn spending_stops_at_the_interview_ceiling(backend: Backend) {
    let f = fixture(backend).await;
    // Each call reserves its worst case (the prompt and 128 reply tokens): a ceiling of a
    // thousandth of a dollar allows about two calls of a model that would search forever.
    let ceiling = 0.001;
    let model = ScriptedModel::new(vec![search("holiday")]);
    let gw = gateway(&f, Arc::new(model.clone()), ceiling);
    let generous = TurnLimits {
        max_iterations: 10,
        deadline: Duration::from_secs(60),
    };
    let generated = ask(&f, &gw, "How much holiday do I get?", generous).await;
    assert!(
        matches!(generated.answer, Err(GaveUp::Ceiling(_))),
        "{:?}",
        generated.answer
    );
    assert!(model.calls() < 10, "the ceiling stopped it first");
    assert!(spent(&gw).await <= usd_to_nanos(ceiling));
}
both_backends!(spending_stops_at_the_interview_ceiling);

/// The real OpenAI-compatible server (llama.cpp on SmolLM2-135M, a model far too small to be
/// declared capable): whatever it writes, what comes out is one of the checked outcomes, never
/// an unchecked claim, and every call it made is traced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_openai_compatible_server_goes_through_the_same_checks() {
    let f = fixture(Backend::Sqlite).await;
    let server = tokio::task::spawn_blocking(LlamaServer::start)
        .await
        .expect("server start");
    let model = OpenAiCompatible::new(&server.base, rehearse_testkit::LLAMA_MODEL_ID, None)
        .expect("client");
    let gw = gateway(&f, Arc::new(model), 1.0);
    // The server may still refuse its very first request on a loaded machine (it reports
    // healthy a moment before it serves): that is the server, not the path under test, so
    // the question is asked again, at most three times, and the refusals are printed.
    let mut generated = ask(&f, &gw, "How much holiday do I get?", TURN).await;
    for _ in 0..2 {
        if !generated.calls.is_empty() {
            break;
        }
        eprintln!("the server refused: {:?}", generated.answer);
        generated = ask(&f, &gw, "How much holiday do I get?", TURN).await;
    }
    assert!(
        !generated.calls.is_empty(),
        "the model was called: {:?}",
        generated.answer
    );
    for call in &generated.calls {
        let trace = call_trace(&gw, &call.call_id).await;
        assert_eq!(trace.call.provider, "openai");
        assert_eq!(trace.call.step, "role_answer");
    }
    match &generated.answer {
        Ok(a) if a.text == NOT_STATED => assert!(a.citations.is_empty()),
        Ok(a) if !a.held => {
            assert!(!a.citations.is_empty(), "a shown answer cites: {a:?}");
            assert!(a.grounding.passed(), "a shown answer is grounded: {a:?}");
        }
        Ok(a) => assert!(!a.flags.is_empty(), "a held answer says why: {a:?}"),
        Err(gave_up) => assert!(
            matches!(gave_up, GaveUp::IterationLimit | GaveUp::Model(_)),
            "{gave_up:?}"
        ),
    }
}
