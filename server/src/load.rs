//! `server load-turns`: many candidates at once on the embedded database. The server runs
//! in-process on a random port with a throwaway SQLite file and the scripted model (a test
//! double: this measures orchestration and the database, not a model). Candidates sign up
//! first (not measured); then every one starts an interview and answers at the same moment.
//! It prints, for starts and sends apart: succeeded, refused by admission control (429/503,
//! not errors), errors (anything else), and latency percentiles; then how many candidates got
//! the interviewer's first question. The API suite runs the same at 20 candidates.

use crate::startup::{leptos_options, Application};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_settings::Settings;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    ok: usize,
    refused: usize,
    errors: Vec<String>,
    millis: Vec<u128>,
}

impl Tally {
    fn record(&mut self, took: Duration, status: Option<reqwest::StatusCode>, detail: &str) {
        self.millis.push(took.as_millis());
        match status {
            Some(s) if s.is_success() => self.ok += 1,
            Some(s) if s.as_u16() == 429 || s.as_u16() == 503 => self.refused += 1,
            Some(s) => self.errors.push(format!("{s}: {detail}")),
            None => self.errors.push(detail.to_owned()),
        }
    }

    fn print(&mut self, what: &str) {
        self.millis.sort_unstable();
        let pct = |p: f64| {
            self.millis
                .get(((self.millis.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(0)
        };
        println!(
            "{what:<8} ok {:>4}  refused {:>4}  errors {:>4}  p50 {:>5} ms  p99 {:>5} ms  max {:>5} ms",
            self.ok,
            self.refused,
            self.errors.len(),
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
        for e in self.errors.iter().take(5) {
            println!("         error: {e}");
        }
    }
}

pub async fn run(mut settings: Settings, candidates: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("rehearse-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    settings.database_url = Some(secrecy::SecretString::from(format!(
        "sqlite://{}/load.db",
        dir.display()
    )));
    settings.data_dir = dir.clone();
    settings.listen = Some("127.0.0.1:0".into());
    settings.login_attempts_per_ip = u32::MAX;
    settings.login_attempts_per_account = u32::MAX;
    // Every simulated candidate comes from this machine's address, at once: not a crowd the
    // per-IP send and start limits should stop.
    settings.limits.enabled = false;
    settings.signup.attempts_per_ip = u32::MAX;
    settings.budget.per_interview_usd = 1_000.0;
    settings.budget.per_user_day_usd = 1_000.0;
    settings.budget.global_day_usd = 1_000.0;
    let model = ScriptedModel::new(vec![Script::text("Could you tell me about that?")]);
    let app =
        Application::build_with_model(settings, leptos_options()?, Some(Arc::new(model))).await?;
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until_stopped());

    println!("candidates: {candidates} (SQLite, scripted model)");
    let setup = Instant::now();
    let mut clients = Vec::with_capacity(candidates);
    for chunk in (0..candidates).collect::<Vec<_>>().chunks(8) {
        let made = futures::future::join_all(chunk.iter().map(|i| sign_up(&base, *i))).await;
        for client in made {
            clients.push(client?);
        }
    }
    println!(
        "signed up in {:.1} s (not measured)",
        setup.elapsed().as_secs_f64()
    );

    let mut starts = Tally::default();
    let mut sends = Tally::default();
    let begun = Instant::now();
    let results = futures::future::join_all(clients.iter().map(|c| candidate(&base, c))).await;
    let mut taken = Vec::new();
    for (client, (start, send, id)) in clients.iter().zip(results) {
        starts.record(start.0, start.1, &start.2);
        if let Some(send) = send {
            sends.record(send.0, send.1, &send.2);
        }
        if let Some(id) = id {
            taken.push((client, id));
        }
    }
    println!(
        "all requests answered in {:.1} s",
        begun.elapsed().as_secs_f64()
    );
    starts.print("starts");
    sends.print("sends");

    // Every candidate whose message was taken gets the first question.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut answered = 0;
    for (client, id) in taken {
        loop {
            let detail: serde_json::Value = client
                .post(format!("{base}/api/interview_detail"))
                .header("accept", "application/json")
                .form(&[("id", id.as_str())])
                .send()
                .await?
                .json()
                .await?;
            if detail["messages"].as_array().map(Vec::len).unwrap_or(0) >= 3 {
                answered += 1;
                break;
            }
            if Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    println!(
        "first questions received: {answered} of {} sent, {:.1} s after the sends",
        sends.ok,
        begun.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn sign_up(base: &str, i: usize) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    client
        .post(format!("{base}/auth/signup"))
        .header("accept", "application/json")
        .form(&[
            ("email", format!("load{i}@rehearse.local").as_str()),
            ("password", "quartz meadow loadtest 4821"),
            ("name", "Load"),
        ])
        .send()
        .await?
        .error_for_status()?;
    // Sign-up signs nobody in (it answers "check your email"); an unconfirmed account may
    // sign in and practise.
    client
        .post(format!("{base}/auth/login"))
        .header("accept", "application/json")
        .form(&[
            ("email", format!("load{i}@rehearse.local").as_str()),
            ("password", "quartz meadow loadtest 4821"),
        ])
        .send()
        .await?
        .error_for_status()?;
    Ok(client)
}

/// How long a request took, its status (None: no answer), and its body or error.
type Outcome = (Duration, Option<reqwest::StatusCode>, String);

async fn candidate(
    base: &str,
    client: &reqwest::Client,
) -> (Outcome, Option<Outcome>, Option<String>) {
    let t = Instant::now();
    let started = client
        .post(format!("{base}/api/start_interview"))
        .header("accept", "application/json")
        .form(&[
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
        ])
        .send()
        .await;
    let took = t.elapsed();
    let (status, body) = match started {
        Ok(r) => (Some(r.status()), r.text().await.unwrap_or_default()),
        Err(e) => (None, e.to_string()),
    };
    let id = status
        .filter(|s| s.is_success())
        .and_then(|_| serde_json::from_str::<String>(&body).ok());
    let start = (took, status, body);
    let Some(id) = id else {
        return (start, None, None);
    };
    let t = Instant::now();
    let sent = client
        .post(format!("{base}/api/send_message"))
        .header("accept", "application/json")
        .form(&[("id", id.as_str()), ("text", "Ready."), ("key", "load-1")])
        .send()
        .await;
    let took = t.elapsed();
    let send = match sent {
        Ok(r) => {
            let status = r.status();
            (took, Some(status), r.text().await.unwrap_or_default())
        }
        Err(e) => (took, None, e.to_string()),
    };
    let answered = send.1.filter(|s| s.is_success()).map(|_| id);
    (start, Some(send), answered)
}
