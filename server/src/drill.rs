//! `server fault-drill`: scripted candidates against the real server, killed with SIGKILL at
//! named points of a turn and restarted, then checked for lost, duplicated or stuck work.
//!
//! The server is this binary (`serve`), started as a child process on a throwaway SQLite file
//! with the configured model. Each round arms one point ([`rehearse_interview::faults`]); when
//! the child announces it reached the point the drill kills it with SIGKILL and starts it again,
//! armed with the next point. Candidates keep going through it all: a send that fails is sent
//! again with the same idempotency key, as the browser does. After the kills the server runs
//! unarmed until every candidate has finished, and the drill prints per point how often it
//! killed there, then: messages sent, kills, replies completed, candidate messages lost,
//! duplicates stored, interviews left stuck, and SQLite's `PRAGMA integrity_check`.

use anyhow::Context;
use rehearse_interview::faults::POINTS;
use rehearse_settings::Settings;
use sqlx::Row;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ANSWER: &str = "In my last job we built an async payments service in Rust on tokio with PostgreSQL. \
We designed the schema with an index per hot query and short transactions, and we ran it with metrics, \
tracing and logs, with a timeout and retry budget on every outbound call.";

/// What each candidate says, in order: through the questions, one question about the role,
/// then the end.
/// The drill candidates' password (strong enough for the sign-up rules).
const DRILL_PASSWORD: &str = "harbour lantern drill 7319";

/// How long an armed server waits for a turn to reach its kill point.
const UNREACHED_SECS: u64 = 30;

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

pub async fn run(settings: Settings, kills: usize, candidates: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("rehearse-drill-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join("drill.db");
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let exe = std::env::current_exe()?;
    let server = ServerProcess {
        exe,
        dir: dir.clone(),
        db_url: format!("sqlite://{}", db_path.display()),
        port,
        models: settings.data_dir.join("models"),
        env: Vec::new(),
    };
    println!(
        "fault drill: {candidates} candidates, {kills} kills, SQLite at {}",
        db_path.display()
    );

    let mut child = server.start(None).await?;
    let sent = Arc::new(AtomicUsize::new(0));
    // Candidates start another interview when theirs ends until the kills are done, so there
    // is always a turn to interrupt.
    let killing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut tasks = Vec::new();
    for c in 0..candidates {
        let base = base.clone();
        let sent = sent.clone();
        let killing = killing.clone();
        tasks.push(tokio::spawn(async move {
            candidate(&base, c, &sent, &killing).await
        }));
    }

    let mut per_point: BTreeMap<&str, (usize, usize)> =
        POINTS.iter().map(|p| (*p, (0, 0))).collect();
    let mut done_kills = 0;
    let mut round = 0;
    while done_kills < kills && round < kills * 3 && !tasks.iter().all(|t| t.is_finished()) {
        let point = POINTS[round % POINTS.len()];
        round += 1;
        // The next armed server replaces the previous one at once (it serves normally until
        // it reaches its point).
        child.kill().await.ok();
        let (mut armed, mut lines) = server.start_armed(point).await?;
        // A point not reached in this time (no turn got there) counts as missed; the next
        // round arms the next point.
        let reached = tokio::time::timeout(Duration::from_secs(UNREACHED_SECS), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("FAULT-POINT") {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        let entry = per_point.entry(point).or_default();
        if reached {
            armed.kill().await.context("SIGKILL")?; // Child::kill sends SIGKILL on Unix
            entry.0 += 1;
            done_kills += 1;
        } else {
            entry.1 += 1;
        }
        child = armed;
    }
    killing.store(false, Ordering::SeqCst);
    child.kill().await.ok();
    child = server.start(None).await?;

    // Unarmed until every candidate is done.
    let (played, gave_up) = finish_candidates(tasks).await;
    let confirmed: Vec<_> = played.into_iter().flatten().collect();
    // Let the last turns finish, then stop the server the way an operator does.
    wait_for_idle(&server.db_url).await;
    child.kill().await.ok();

    let report = check(&server.db_url, &confirmed).await?;
    println!();
    println!("{:<26} {:>6} {:>12}", "kill point", "kills", "not reached");
    for (point, (k, missed)) in &per_point {
        println!("{point:<26} {k:>6} {missed:>12}");
    }
    println!();
    println!(
        "messages sent (confirmed)   {}",
        sent.load(Ordering::SeqCst)
    );
    println!("kills                       {done_kills}");
    println!("replies completed           {}", report.completed);
    println!("candidate messages lost     {}", report.lost);
    println!("duplicates stored           {}", report.duplicates);
    println!("interviews left stuck       {}", report.stuck);
    println!(
        "interviews finished         {} of {}",
        report.finished,
        confirmed.len()
    );
    println!("candidates that gave up     {gave_up}");
    println!("sqlite integrity_check      {}", report.integrity);
    if report.lost + report.duplicates + report.stuck > 0 || report.integrity != "ok" || gave_up > 0
    {
        anyhow::bail!(
            "the drill found lost, duplicated or stuck work; its database is kept at {}",
            db_path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub(crate) struct ServerProcess {
    pub(crate) exe: std::path::PathBuf,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) db_url: String,
    pub(crate) port: u16,
    pub(crate) models: std::path::PathBuf,
    /// Settings of this drill's own (the upstream drill's provider).
    pub(crate) env: Vec<(String, String)>,
}

impl ServerProcess {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .arg("serve")
            .env("REHEARSE_DATA_DIR", &self.dir)
            .env("REHEARSE_DATABASE_URL", &self.db_url)
            .env("REHEARSE_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("REHEARSE_LOGIN_ATTEMPTS_PER_IP", "100000")
            // The drill's candidates share one address and resend after every kill.
            .env("REHEARSE_LIMITS__ENABLED", "false")
            .env("REHEARSE_SIGNUP__ATTEMPTS_PER_IP", "100000")
            // Each candidate plays interviews round after round while the kills go on.
            .env("REHEARSE_QUOTAS__INTERVIEWS_PER_DAY", "100000")
            .env("REHEARSE_BUDGET__PER_INTERVIEW_USD", "1000")
            .env("REHEARSE_BUDGET__PER_USER_DAY_USD", "1000")
            .env("REHEARSE_BUDGET__GLOBAL_DAY_USD", "1000")
            .env("RUST_LOG", "error")
            .env_remove("FAULT_DRILL_POINT")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .kill_on_drop(true)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        if std::env::var_os("REHEARSE_LLM__MODEL_PATH").is_none() {
            command.env(
                "REHEARSE_LLM__MODEL_PATH",
                self.models.join("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
            );
        }
        if std::env::var_os("REHEARSE_KNOWLEDGE__MINILM_DIR").is_none() {
            command.env("REHEARSE_KNOWLEDGE__MINILM_DIR", self.models.join("minilm"));
        }
        command
    }

    pub(crate) async fn start(&self, point: Option<&str>) -> anyhow::Result<Child> {
        let mut command = self.command();
        command.stdout(Stdio::null());
        if let Some(p) = point {
            command.env("FAULT_DRILL_POINT", p);
        }
        let child = command.spawn().context("start the server")?;
        self.wait_ready().await?;
        Ok(child)
    }

    async fn start_armed(
        &self,
        point: &str,
    ) -> anyhow::Result<(
        Child,
        tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    )> {
        let mut command = self.command();
        command
            .env("FAULT_DRILL_POINT", point)
            .stdout(Stdio::piped());
        let mut child = command.spawn().context("start the server")?;
        let stdout = child.stdout.take().context("the server's output")?;
        self.wait_ready().await?;
        Ok((child, BufReader::new(stdout).lines()))
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not start")
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One scripted candidate: signs up, then plays interviews until the kills are done (at least
/// one). Returns each interview with the keys of the messages the server confirmed.
async fn candidate(
    base: &str,
    n: usize,
    sent: &AtomicUsize,
    killing: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let client = signed_in(base, &format!("drill{n}@rehearse.local")).await?;
    let mut played = Vec::new();
    for round in 0.. {
        played.push(interview(&client, base, &format!("{n}-{round}"), sent).await?);
        if !killing.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(played)
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
        let r = client
            .post(format!("{base}/api/start_interview"))
            .header("accept", "application/json")
            .form(&[
                ("role", "backend-rust"),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ])
            .send()
            .await?;
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

pub(crate) async fn wait_for_idle(db_url: &str) {
    let Ok(db) = rehearse_db::Db::connect(db_url).await else {
        return;
    };
    for _ in 0..600 {
        let pending = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'interview_turn' AND status IN ('queued', 'running')",
        )
        .fetch_one(db.pool())
        .await
        .ok()
        .and_then(|r| r.try_get::<i64, _>("n").ok())
        .unwrap_or(0);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await;
}

pub(crate) struct Report {
    pub(crate) completed: i64,
    pub(crate) lost: i64,
    pub(crate) duplicates: i64,
    pub(crate) stuck: i64,
    pub(crate) finished: i64,
    pub(crate) integrity: String,
}

pub(crate) async fn check(
    db_url: &str,
    confirmed: &[(String, Vec<String>)],
) -> anyhow::Result<Report> {
    let db = rehearse_db::Db::connect(db_url).await?;
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = sqlx::query(sql).fetch_one(db.pool()).await?;
            anyhow::Ok(row.try_get::<i64, _>(0)?)
        }
    };
    let mut lost = 0;
    let mut duplicates = 0;
    for (interview, keys) in confirmed {
        for key in keys {
            let row = sqlx::query(
                "SELECT COUNT(*) FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2",
            )
            .bind(interview)
            .bind(key)
            .fetch_one(db.pool())
            .await?;
            if row.try_get::<i64, _>(0)? == 0 {
                lost += 1;
            }
        }
        // Every stored candidate message carries one of the keys the candidate used, once.
        let row = sqlx::query(
            "SELECT COUNT(*) FROM interview_messages WHERE interview_id = $1 AND author = 'candidate'",
        )
        .bind(interview)
        .fetch_one(db.pool())
        .await?;
        duplicates += (row.try_get::<i64, _>(0)? - keys.len() as i64).max(0);
    }
    // A question asked twice: the same interviewer text for the same requirement.
    duplicates += count(
        "SELECT COUNT(*) FROM (SELECT interview_id, content, requirement_id FROM interview_messages \
         WHERE author = 'interviewer' AND requirement_id IS NOT NULL \
         GROUP BY interview_id, content, requirement_id HAVING COUNT(*) > 1) AS d",
    )
    .await?;
    let stuck = count(
        "SELECT COUNT(*) FROM interviews i WHERE i.status = 'active' AND \
         (SELECT MAX(seq) FROM interview_messages m WHERE m.interview_id = i.id AND m.author = 'candidate') > i.turn_seq \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'interview_turn' AND j.status IN ('queued', 'running') \
                         AND j.dedup_key = 'interview_turn:' || i.id)",
    )
    .await?;
    let completed = count(
        "SELECT COUNT(*) FROM interview_messages m JOIN interviews i ON i.id = m.interview_id \
         WHERE m.author = 'candidate' AND m.seq <= i.turn_seq",
    )
    .await?;
    let finished = count("SELECT COUNT(*) FROM interviews WHERE status = 'done'").await?;
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(db.pool())
        .await?
        .try_get(0)?;
    db.close().await;
    Ok(Report {
        completed,
        lost,
        duplicates,
        stuck,
        finished,
        integrity,
    })
}
