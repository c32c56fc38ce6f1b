//! The scripted candidate's side of the drills: signing up, starting an interview, saying each
//! line and waiting for the reply, all resent until the server confirms, since the server may be
//! down for a restart at any moment. Shared by the crash drill and the upstream drill.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ANSWER: &str = "In my last job we built an async payments service in Rust on tokio with PostgreSQL. \
We designed the schema with an index per hot query and short transactions, and we ran it with metrics, \
tracing and logs, with a timeout and retry budget on every outbound call.";

/// What each candidate says, in order: through the questions, one question about the role,
/// then the end.
/// The drill candidates' password (strong enough for the sign-up rules).
const DRILL_PASSWORD: &str = "harbour lantern drill 7319";

fn script() -> Vec<&'static str> {
    vec![
        "Ready.",
        ANSWER,
        ANSWER,
        ANSWER,
        "What does the team work on day to day?",
        "No more questions, thanks.",
    ]
}

/// A client signed up and signed in as `email`, resending through restarts.
pub(crate) async fn signed_in(base: &str, email: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    persist(|| async {
        let r = client
            .post(format!("{base}/auth/signup"))
            .header("accept", "application/json")
            .form(&[
                ("email", email),
                ("password", DRILL_PASSWORD),
                ("name", "Drill"),
            ])
            .send()
            .await?;
        if r.status().is_success() || r.status().as_u16() == 409 {
            return Ok(());
        }
        anyhow::bail!("sign-up: {}", r.status())
    })
    .await?;
    // A resent sign-up after a lost response finds the account: sign in instead.
    persist(|| async {
        let r = client
            .post(format!("{base}/auth/login"))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", DRILL_PASSWORD)])
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "sign-in: {}", r.status());
        Ok(())
    })
    .await?;
    Ok(client)
}

/// Starts an interview and says each line, resending on any failure with the same key until
/// the server confirms, then waits for the reply.
pub(crate) async fn interview(
    client: &reqwest::Client,
    base: &str,
    tag: &str,
    sent: &AtomicUsize,
) -> anyhow::Result<(String, Vec<String>)> {
    // Starting is not idempotent; a start whose answer was lost leaves an extra empty interview,
    // which the checks ignore (it has no candidate messages).
    let id = start_interview(client, base).await?;
    let mut confirmed = Vec::new();
    for (i, text) in script().into_iter().enumerate() {
        let key = format!("drill-{tag}-{i}");
        let before = persist(|| async { messages(client, base, &id).await }).await?;
        if before.last().is_some_and(|(author, _)| author == "done") {
            break;
        }
        persist(|| async {
            let r = client
                .post(format!("{base}/api/send_message"))
                .header("accept", "application/json")
                .form(&[("id", id.as_str()), ("text", text), ("key", key.as_str())])
                .send()
                .await?;
            if r.status().is_success() {
                return Ok(());
            }
            // Refused while the previous turn is unfinished: retry it if it failed for good,
            // as the candidate would with the Retry button.
            retry_if_failed(client, base, &id).await;
            anyhow::bail!("send: {}", r.status())
        })
        .await?;
        sent.fetch_add(1, Ordering::SeqCst);
        confirmed.push(key.clone());
        // Wait for the interviewer to answer this message (or for a failed turn to retry).
        persist(|| async {
            let now = messages(client, base, &id).await?;
            let answered = now.len() > before.len() + 1
                && now.last().is_some_and(|(author, _)| author != "candidate");
            let over = now.last().is_some_and(|(author, _)| author == "done");
            if answered || over {
                return Ok(());
            }
            retry_if_failed(client, base, &id).await;
            anyhow::bail!("no reply yet")
        })
        .await?;
    }
    Ok((id, confirmed))
}

/// Waits (at most 15 minutes) for the candidates' tasks: what each that finished returned, and
/// how many gave up (failed, or were still going when the time ran out and were stopped).
pub(crate) async fn finish_candidates<T>(
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<T>>>,
) -> (Vec<T>, usize) {
    let all = tasks.len();
    let aborts: Vec<_> = tasks.iter().map(|t| t.abort_handle()).collect();
    match tokio::time::timeout(Duration::from_secs(900), futures::future::join_all(tasks)).await {
        Ok(results) => {
            let mut done = Vec::new();
            let mut gave_up = 0;
            for r in results {
                match r {
                    Ok(Ok(value)) => done.push(value),
                    _ => gave_up += 1,
                }
            }
            (done, gave_up)
        }
        Err(_) => {
            aborts.iter().for_each(|a| a.abort());
            (Vec::new(), all)
        }
    }
}

/// Starts an interview on the Rust sample role, resending through restarts; its id.
pub(crate) async fn start_interview(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<String> {
    persist(|| async {
        let r = crate::start_request(client, base).send().await?;
        anyhow::ensure!(r.status().is_success(), "start: {}", r.status());
        Ok(r.json::<String>().await?)
    })
    .await
}

/// Presses Retry when the interviewer's turn failed for good.
async fn retry_if_failed(client: &reqwest::Client, base: &str, id: &str) {
    if detail(client, base, id)
        .await
        .is_ok_and(|d| d["turn_failed"] == true)
    {
        let _ = client
            .post(format!("{base}/api/retry_turn"))
            .header("accept", "application/json")
            .form(&[("id", id)])
            .send()
            .await;
    }
}

pub(crate) async fn detail(
    client: &reqwest::Client,
    base: &str,
    id: &str,
) -> anyhow::Result<serde_json::Value> {
    let r = client
        .post(format!("{base}/api/interview_detail"))
        .header("accept", "application/json")
        .form(&[("id", id)])
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "detail: {}", r.status());
    Ok(r.json().await?)
}

/// The transcript's authors and texts; a last entry `("done", ..)` once the interview is over.
pub(crate) async fn messages(
    client: &reqwest::Client,
    base: &str,
    id: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let d = detail(client, base, id).await?;
    let mut out: Vec<(String, String)> = d["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| {
                    (
                        m["author"].as_str().unwrap_or_default().to_owned(),
                        m["html"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if d["status"] == "done" {
        out.push(("done".into(), String::new()));
    }
    Ok(out)
}

/// Tries `op` until it succeeds, for at most ten minutes: the server may be down for a restart.
pub(crate) async fn persist<T, F, Fut>(mut op: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
