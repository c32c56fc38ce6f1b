use crate::support::{Backend, TestApp, PASSWORD};
use rehearse_testkit::both_backends;

async fn session_id_rotates_at_sign_in_and_dies_at_sign_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up("erin@example.com").await;
    let browser = app.browser();
    // A failed sign-in from a browser stores its errors in a (signed-out) session.
    let failed = browser.sign_in("erin@example.com", "wrong password!").await;
    assert_eq!(failed.status(), 303);
    let before = browser
        .session_cookie()
        .expect("a session exists before sign-in");

    let ok = browser.sign_in("erin@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/home");
    let after = browser.session_cookie().expect("signed-in session");
    assert_ne!(before, after, "the session id must change at sign-in");

    // The pre-sign-in id is not a way in.
    let fixation = app.client();
    let old = fixation
        .http
        .get(app.url("/home"))
        .header("cookie", format!("rehearse_session={before}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(old.status(), 303);

    assert_eq!(browser.get("/home").await.status(), 200);
    let out = browser.post_form("/auth/logout", &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_out'")
            .await,
        1
    );

    // Replaying the signed-in cookie after sign-out gets nothing.
    let replay = app
        .client()
        .http
        .get(app.url("/home"))
        .header("cookie", format!("rehearse_session={after}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(replay.status(), 303);
    assert!(replay.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .starts_with("/login"));
}
both_backends!(session_id_rotates_at_sign_in_and_dies_at_sign_out);

async fn missing_or_tampered_cookies_are_visitors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    for cookie in [
        "rehearse_session=",
        "rehearse_session=AAAA",
        "rehearse_session=%00%ff;;",
        "rehearse_session=dGFtcGVyZWQtc2Vzc2lvbi1pZC12YWx1ZQ",
    ] {
        let response = client
            .http
            .get(app.url("/home"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 303, "{cookie}");
        let me = client
            .http
            .post(app.url("/api/whoami"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("POST");
        assert_eq!(me.status(), 200, "{cookie}");
        assert_eq!(me.text().await.expect("body"), "null");
    }
    let anonymous = client.get("/home").await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(anonymous.headers()["location"], "/login?next=%2Fhome");
}
both_backends!(missing_or_tampered_cookies_are_visitors);

async fn forms_work_without_javascript_and_show_server_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let bad = browser
        .post_form(
            "/auth/signup",
            &[
                ("email", "fran.example.com"),
                ("password", "short"),
                ("name", "Fran"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 303);
    assert_eq!(bad.headers()["location"], "/signup");
    let page = crate::support::html(browser.get("/signup").await).await;
    assert!(
        page.contains("Enter a valid email address"),
        "email error shown: {page}"
    );
    assert!(
        page.contains("Use at least 10 characters"),
        "password error shown"
    );
    assert!(
        page.contains("value=\"fran.example.com\""),
        "email refilled"
    );
    let again = crate::support::html(browser.get("/signup").await).await;
    assert!(
        !again.contains("Enter a valid email address"),
        "errors are shown once"
    );

    let ok = browser
        .post_form(
            "/auth/signup",
            &[
                ("email", "fran@example.com"),
                ("password", PASSWORD),
                ("name", "Fran"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/check-email");
    let sent = crate::support::html(browser.get("/check-email").await).await;
    assert!(sent.contains("Check your email"));
    // Sign-up signs nobody in; the new account signs in with its password.
    let signed_in = browser
        .post_form(
            "/auth/login",
            &[("email", "fran@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/home");
    let home = crate::support::html(browser.get("/home").await).await;
    assert!(home.contains("Welcome, Fran"));

    let _ = browser.post_form("/auth/logout", &[]).await;
    let wrong = browser
        .post_form(
            "/auth/login",
            &[
                ("email", "fran@example.com"),
                ("password", "nope nope nope"),
                ("next", "/home"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 303);
    assert_eq!(wrong.headers()["location"], "/login?next=%2Fhome");
    let page = crate::support::html(browser.get("/login?next=%2Fhome").await).await;
    assert!(page.contains("Wrong email or password."));
    let open_redirect = browser
        .post_form(
            "/auth/login",
            &[
                ("email", "fran@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(open_redirect.headers()["location"], "/home");
}
both_backends!(forms_work_without_javascript_and_show_server_errors);
