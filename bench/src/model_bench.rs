//! `rehearse-bench bench`: the local model measured through the whole server path. It starts the
//! server in-process on a random port with a throwaway SQLite database, signs up over HTTP,
//! starts an interview and sends answers through the same server functions the browser uses,
//! reading the live event stream as the browser does. It prints, per interviewer reply, the
//! time from sending to the first drafted token and the drafting speed, then the prompt
//! tokens of every model call (from the traces), which stay flat as the interview grows.

use rehearse_settings::Settings;
use server::startup::{leptos_options, Application};
use std::time::{Duration, Instant};

const ANSWER: &str = "In my last job we built an async payments service in Rust on tokio with PostgreSQL, \
with an index per hot query, short transactions, metrics, tracing and a timeout on every outbound call.";

/// `compare`: then replay the interview's prompts on llama.cpp's own server beside the local
/// model ([`crate::llama_side_by_side`]).
pub async fn run(mut settings: Settings, turns: usize, compare: bool) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    settings.database_url = Some(secrecy::SecretString::from(format!(
        "sqlite://{}/bench.db",
        dir.display()
    )));
    settings.listen = Some("127.0.0.1:0".into());
    settings.limits.enabled = false;
    settings.budget.per_interview_usd = 1_000.0;
    settings.budget.per_user_day_usd = 1_000.0;
    settings.budget.global_day_usd = 1_000.0;
    let app = Application::build(settings, leptos_options()?).await?;
    let base = format!("http://{}", app.address());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    crate::sign_up_and_in(
        &http,
        &base,
        "bench@rehearse.local",
        "bench password 123",
        "Bench",
    )
    .await?;
    let started = crate::start_request(&http, &base).send().await?;
    let id: String = started.error_for_status()?.json().await?;
    println!(
        "model: {} / {}",
        state.gateway.provider_name(),
        state.gateway.model_name()
    );
    println!(
        "{:<6} {:>12} {:>10} {:>12}",
        "turn", "ttft_ms", "tokens", "tokens/s"
    );

    let messages = ["Ready.".to_owned()].into_iter().chain(std::iter::repeat_n(
        ANSWER.to_owned(),
        turns.saturating_sub(1),
    ));
    for (turn, text) in messages.enumerate() {
        let events = http
            .get(format!("{base}/interviews/{id}/events"))
            .send()
            .await?;
        let before = count_messages(&http, &base, &id).await?;
        let sent = Instant::now();
        http.post(format!("{base}/api/send_message"))
            .form(&[
                ("id", id.as_str()),
                ("text", text.as_str()),
                ("key", &format!("bench-{turn}")),
            ])
            .send()
            .await?
            .error_for_status()?;
        let (mut first, mut tokens, mut last) = (None, 0usize, sent);
        crate::live_events::read_until(events, Duration::from_secs(120), |(name, data)| match name
            .as_str()
        {
            "token" => {
                first.get_or_insert_with(|| sent.elapsed());
                tokens += 1;
                last = Instant::now();
                false
            }
            "message" => {
                data["author"] == "interviewer"
                    && data["seq"].as_i64().is_some_and(|s| s > before + 1)
            }
            "finished" | "paused" => true,
            _ => false,
        })
        .await?;
        let drafting = last
            .saturating_duration_since(sent + first.unwrap_or_default())
            .as_secs_f64();
        let rate = if drafting > 0.0 && tokens > 1 {
            (tokens - 1) as f64 / drafting
        } else {
            0.0
        };
        let ttft = first
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
            .unwrap_or_else(|| "-".into());
        println!("{:<6} {:>12} {:>10} {:>12.1}", turn + 1, ttft, tokens, rate);
        let status = state.interviews.store().get(&id).await?.map(|i| i.status);
        if status == Some(rehearse_interview::store::Status::Done) {
            break;
        }
    }
    let traces = state.gateway.traces().list(Some(&id), 1000).await?;
    let prompt_tokens: Vec<String> = traces
        .iter()
        .rev()
        .map(|t| t.prompt_tokens.to_string())
        .collect();
    println!(
        "prompt tokens per model call, in order: {}",
        prompt_tokens.join(" ")
    );
    let _ = std::fs::remove_dir_all(&dir);
    memory_table(&state);
    if compare && state.gateway.provider_name() == "local" {
        // The interview's model calls, oldest first, as they were sent.
        let requests: Vec<rehearse_llm::ChatRequest> = traces
            .iter()
            .rev()
            .filter(|t| t.status == rehearse_llm::trace::CallStatus::Ok)
            .filter_map(|t| serde_json::from_str(&t.call.request_json).ok())
            .collect();
        // In a process of its own: this one still hosts the server (its runtime, the job
        // runner, MiniLM's and llama.cpp's thread pools), which would share the two cores with
        // our side of the comparison and not with llama.cpp's.
        let file = std::env::temp_dir().join(format!(
            "rehearse-bench-requests-{}.json",
            std::process::id()
        ));
        std::fs::write(&file, serde_json::to_vec(&requests)?)?;
        let status = tokio::process::Command::new(std::env::current_exe()?)
            .arg("compare-llama")
            .arg("--requests")
            .arg(&file)
            .status()
            .await;
        let _ = std::fs::remove_file(&file);
        anyhow::ensure!(status?.success(), "the side-by-side run failed");
    }
    Ok(())
}

/// Prompt size as a conversation grows, through the same assembly and summary code the
/// interview uses (the summary job folds all but the recent turns).
fn memory_table(state: &app::server::state::AppState) {
    use rehearse_interview::memory::{assemble, summarise, TokenBudget};
    use rehearse_interview::service::KEEP_RECENT;
    use rehearse_interview::store::Message;
    let llm = &state.settings.llm;
    let budget =
        TokenBudget::for_window(llm.context_window, llm.max_reply_tokens, llm.history_tokens);
    println!(
        "\nprompt size as the conversation grows (history budget {} tokens)",
        budget.history_tokens
    );
    println!(
        "{:<8} {:>14} {:>16}",
        "turns", "prompt_tokens", "summary_chars"
    );
    for n in [10usize, 100, 500] {
        let turns: Vec<Message> = (0..n)
            .map(|i| Message {
                id: i.to_string(),
                seq: i as i64 + 1,
                author: if i % 2 == 0 {
                    rehearse_interview::store::Author::Interviewer
                } else {
                    rehearse_interview::store::Author::Candidate
                },
                content: if i % 2 == 0 {
                    "How would you design PostgreSQL indexes for a high write volume?".into()
                } else {
                    ANSWER.into()
                },
                requirement_id: None,
                citations: Vec::new(),
                held: false,
                flags: Vec::new(),
                created_at: 0,
            })
            .collect();
        let split = n.saturating_sub(KEEP_RECENT);
        let summary = summarise(None, &turns[..split]);
        let prompt = assemble(
            "Rewrite the question.",
            "bench-canary",
            "Senior Backend Engineer (Rust)",
            Some(&summary),
            &turns[split..],
            "Rewrite this question: ...",
            budget,
        );
        let request = rehearse_llm::ChatRequest {
            messages: prompt.messages,
            tools: vec![],
            max_tokens: 1,
            temperature: None,
        };
        println!(
            "{:<8} {:>14} {:>16}",
            n,
            rehearse_llm::pricing::estimate_prompt_tokens(&request),
            summary.len()
        );
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(rss) = status.lines().find(|l| l.starts_with("VmRSS")) {
            println!("server process {rss}");
        }
    }
}

/// How many messages interview `id` holds, as its owner reads them.
pub(crate) async fn count_messages(
    http: &reqwest::Client,
    base: &str,
    id: &str,
) -> anyhow::Result<i64> {
    let detail: serde_json::Value = http
        .post(format!("{base}/api/interview_detail"))
        .form(&[("id", id)])
        .send()
        .await?
        .json()
        .await?;
    Ok(detail["messages"]
        .as_array()
        .map(|m| m.len() as i64)
        .unwrap_or(0))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("rehearse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
