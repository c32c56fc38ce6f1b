use crate::interviews::{connect, read_some, send};
use crate::support::{json, Backend, TestApp, ADMIN_EMAIL, PASSWORD};
use rehearse_testkit::both_backends;

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let cross = admin
        .http
        .post(app.url("/api/list_users"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("POST");
    assert_eq!(cross.status(), 403);
    let fetch_meta = admin
        .http
        .post(app.url("/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("POST");
    assert_eq!(fetch_meta.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_out'")
            .await,
        0
    );
    let same = admin
        .http
        .post(app.url("/api/list_users"))
        .header("origin", app.base.clone())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("POST");
    assert_eq!(same.status(), 200);
    let login = app
        .client()
        .http
        .post(app.url("/auth/login"))
        .header("origin", "null")
        .form(&[("email", ADMIN_EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");
    assert_eq!(login.status(), 403);
}
both_backends!(cross_site_posts_are_refused);

/// A body over the limit is refused with 413. The server may answer from the declared length
/// and close the connection while the client is still writing: a broken pipe, a reset, or a
/// connection closed before the client could read the answer (hyper's `IncompleteMessage`) is
/// the same refusal seen from the client.
fn refused_as_too_large(result: Result<reqwest::Response, reqwest::Error>) {
    match result {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => {
            let text = format!("{e:?}");
            assert!(
                text.contains("BrokenPipe")
                    || text.contains("ConnectionReset")
                    || text.contains("IncompleteMessage"),
                "not a refusal: {text}"
            );
        }
    }
}

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let huge = "x".repeat(200 * 1024);
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        client
            .http
            .post(app.url(path))
            .header("accept", "application/json")
            .form(&form)
            .send()
    };
    refused_as_too_large(
        post(
            "/auth/signup",
            vec![
                ("email", "big@example.com".into()),
                ("password", PASSWORD.into()),
                ("name", huge.clone()),
            ],
        )
        .await,
    );
    refused_as_too_large(post("/api/whoami", vec![("padding", huge.clone())]).await);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}
both_backends!(oversized_bodies_are_refused);

async fn malformed_bodies_get_client_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let garbage = client
        .http
        .post(app.url("/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, 0x00, 0x26, 0x3d])
        .send()
        .await
        .expect("POST");
    assert!(
        garbage.status().is_client_error(),
        "got {}",
        garbage.status()
    );
    let wrong_type = client
        .http
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": 1}")
        .send()
        .await
        .expect("POST");
    assert!(
        wrong_type.status().is_client_error(),
        "got {}",
        wrong_type.status()
    );
    assert_eq!(client.get("/healthz").await.status(), 200, "still serving");
}
both_backends!(malformed_bodies_get_client_errors);

async fn audit_log_is_append_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up("jo@example.com").await;
    let written = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(written >= 1, "signing up is audited");
    let pool = app.db().await;
    let update = sqlx::query("UPDATE audit_events SET detail = 'rewritten'")
        .execute(&pool)
        .await;
    assert!(update.is_err(), "updates must be refused by the database");
    let delete = sqlx::query("DELETE FROM audit_events").execute(&pool).await;
    assert!(delete.is_err(), "deletes must be refused by the database");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        written
    );
}
both_backends!(audit_log_is_append_only);

/// The system prompt's canary stays on the server: it is in the prompt the model saw (an
/// admin's trace shows it), and in nothing a candidate or a reviewer can read: the page, the
/// interview's JSON, the live stream, or the trace endpoints.
async fn the_system_prompt_canary_never_reaches_a_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let candidate = app.signed_up("cara@example.com").await;
    let id = crate::interviews::start(&candidate).await;
    let sent = send(&candidate, &id, "Ready.", "k1").await;
    assert_eq!(sent.status(), 200);
    let detail = crate::interviews::wait_for(&candidate, &id, |d| {
        d["messages"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    let traces = json(admin.server_fn("list_traces", &[]).await).await;
    let trace_id = traces
        .as_array()
        .and_then(|rows| rows.first())
        .and_then(|t| t["id"].as_str())
        .expect("a trace")
        .to_owned();
    let full = json(admin.server_fn("trace_detail", &[("id", &trace_id)]).await).await;
    let request = full["request_json"].as_str().unwrap_or_default();
    let at = request.find("RH-").expect("the canary is in the prompt");
    let canary = &request[at..at + 19];
    assert!(
        canary[3..].chars().all(|c| c.is_ascii_uppercase()),
        "{canary}"
    );

    let page = candidate
        .get(&format!("/interviews/{id}"))
        .await
        .text()
        .await
        .unwrap_or_default();
    // The replay of stored messages comes at once; read until the last one.
    let events = read_some(connect(&candidate, &id).await).await;
    assert!(events.contains("event: message"), "{events}");
    for (what, text) in [
        ("page", page),
        ("interview JSON", detail.to_string()),
        ("live stream", events),
    ] {
        assert!(
            !text.contains(canary),
            "the canary reached the candidate's {what}"
        );
    }
    let staff = crate::review::reviewer(&app, &admin, "rex@example.com").await;
    for client in [&candidate, &staff] {
        for (name, args) in [
            ("trace_detail", vec![("id", trace_id.as_str())]),
            ("list_traces", vec![]),
        ] {
            let r = client.server_fn(name, &args).await;
            assert_eq!(r.status(), 403, "{name}");
            assert!(!r.text().await.unwrap_or_default().contains(canary));
        }
    }
}
both_backends!(the_system_prompt_canary_never_reaches_a_client);

/// A hosted model with no prices would make every cost ceiling inert: the real server binary
/// refuses to start, naming the setting. (Declared free, the check passes: unit-tested in
/// `server::models`, since such a server then goes on to serve.)
#[tokio::test]
async fn an_unpriced_hosted_model_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = || {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .arg("serve")
            .env("REHEARSE_DATA_DIR", dir.path())
            .env("REHEARSE_LISTEN", "127.0.0.1:0")
            .env("REHEARSE_LLM__PROVIDER", "openai")
            .env("REHEARSE_LLM__MODEL", "some-hosted-model")
            .env("REHEARSE_LLM__BASE_URL", "http://127.0.0.1:9/v1")
            .env("RUST_LOG", "error")
            .kill_on_drop(true);
        command
    };
    let refused = tokio::time::timeout(std::time::Duration::from_secs(120), run().output())
        .await
        .expect("the server exits at once")
        .expect("the server ran");
    assert!(!refused.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stderr),
        String::from_utf8_lossy(&refused.stdout)
    );
    assert!(
        said.to_lowercase().contains("usd_per_mtok") || said.to_lowercase().contains("free"),
        "the refusal names the setting: {said}"
    );
}

/// A message's Markdown is rendered through the allow-list: no image from anywhere (a fetched
/// image URL could carry data out), only web and mail links, marked external.
async fn rendered_messages_fetch_nothing_and_links_are_marked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.signed_up("mara@example.com").await;
    let id = crate::interviews::start(&candidate).await;
    let text =
        "Ready. ![x](https://evil.example/p.png?secret=1) <img src=https://evil.example/i.png> \
                [docs](https://docs.rs) [bad](javascript:alert(1))";
    let sent = send(&candidate, &id, text, "k1").await;
    assert_eq!(sent.status(), 200);
    let detail = json(
        candidate
            .server_fn("interview_detail", &[("id", &id)])
            .await,
    )
    .await;
    let html = detail["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["author"] == "candidate"))
        .and_then(|m| m["html"].as_str())
        .expect("the candidate's message")
        .to_owned();
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("evil.example"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("href=\"https://docs.rs\""), "{html}");
    assert!(html.contains("noopener noreferrer nofollow"), "{html}");
    assert!(html.contains("class=\"external\""), "{html}");
}
both_backends!(rendered_messages_fetch_nothing_and_links_are_marked);
