use crate::support::{json, Backend, TestApp, ADMIN_EMAIL, PASSWORD};
use rehearse_testkit::both_backends;

/// Sign-up creates an unconfirmed candidate and signs nobody in: it answers "check your email"
/// (202), exactly as for an address that already has an account (see `email/confirmation.rs`).
/// The account can sign in with its password and practise before confirming.
async fn sign_up_creates_a_candidate_who_can_sign_in_and_practise(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let response = client.sign_up("  Ann@Example.com ", PASSWORD).await;
    assert_eq!(response.status(), 202);
    let body = json(response).await;
    assert_eq!(body["status"], "check_email");
    assert!(
        body.get("id").is_none(),
        "nothing about the account: {body}"
    );
    assert_eq!(
        client.server_fn_text("whoami", &[]).await,
        "null",
        "sign-up signs nobody in"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE email = 'ann@example.com' AND email_verified = 0"
        )
        .await,
        1
    );

    let response = client.sign_in("ann@example.com", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookies: Vec<String> = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("rehearse_session="))
        .expect("session cookie set");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain HTTP must not mark the cookie Secure: {session}"
    );
    let body = json(response).await;
    assert_eq!(body["email"], "ann@example.com");
    assert_eq!(body["role"], "candidate");

    let me = json(client.server_fn("whoami", &[]).await).await;
    assert_eq!(me["email"], "ann@example.com");
    assert_eq!(me["role"], "candidate");
    assert_eq!(me["email_verified"], false);
    let home = client.get("/home").await;
    assert_eq!(home.status(), 200);
    let page = crate::support::html(home).await;
    assert!(page.contains("Welcome, ann"));
    assert!(
        page.contains("data-testid=\"confirm-banner\""),
        "an unconfirmed account is asked to confirm its address"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_up'")
            .await,
        1
    );
}
both_backends!(sign_up_creates_a_candidate_who_can_sign_in_and_practise);

async fn bad_sign_ups_are_refused_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();

    let malformed = client.sign_up("not-an-email", PASSWORD).await;
    assert_eq!(malformed.status(), 422);
    let body = json(malformed).await;
    assert_eq!(body["fields"][0]["field"], "email");

    let weak = client.sign_up("weak@example.com", "short").await;
    assert_eq!(weak.status(), 422);
    let body = json(weak).await;
    assert_eq!(body["fields"][0]["field"], "password");
    assert!(body["fields"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("at least 10"));

    let common = client.sign_up("weak@example.com", "password123").await;
    assert_eq!(common.status(), 422);
    // Guessable in ways a list of common passwords misses: a keyboard walk, the address, the
    // product's name.
    for guessable in ["qwertyuiop12345", "weak@example.com1", "Rehearse2026!!"] {
        let refused = client.sign_up("weak@example.com", guessable).await;
        assert_eq!(refused.status(), 422, "{guessable}");
        assert_eq!(json(refused).await["fields"][0]["field"], "password");
    }

    let long_name = "n".repeat(81);
    let bad_name = client
        .post_form(
            "/auth/signup",
            &[
                ("email", "n@example.com"),
                ("password", PASSWORD),
                ("name", &long_name),
            ],
        )
        .await;
    assert_eq!(bad_name.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        0,
        "nothing half-written"
    );

    let first = client.sign_up("dup@example.com", PASSWORD).await;
    assert_eq!(first.status(), 202);
    let first = json(first).await;
    // A taken address answers exactly like a new one (its owner is mailed instead, see
    // `email/confirmation.rs`), and nothing is written over the existing account.
    let other = app.client();
    let duplicate = other
        .sign_up("DUP@example.com", "quartz meadow lantern 4821")
        .await;
    assert_eq!(duplicate.status(), 202);
    assert_eq!(json(duplicate).await, first);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_up'")
            .await,
        1
    );

    let missing_fields = other.post_form("/auth/signup", &[]).await;
    assert_eq!(missing_fields.status(), 422);
}
both_backends!(bad_sign_ups_are_refused_and_write_nothing);

async fn sign_in_checks_the_password_and_says_nothing_about_which_part_was_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.signed_up("bob@example.com").await;
    let client = app.client();

    let wrong = client.sign_in("bob@example.com", "wrong password!").await;
    assert_eq!(wrong.status(), 401);
    let wrong_message = json(wrong).await["message"].clone();
    let unknown = client
        .sign_in("nobody@example.com", "wrong password!")
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        json(unknown).await["message"],
        wrong_message,
        "no account enumeration"
    );
    assert_eq!(client.sign_in("bob", PASSWORD).await.status(), 422);
    assert_eq!(client.sign_in("bob@example.com", "").await.status(), 422);

    let ok = client.sign_in("BOB@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(json(ok).await["email"], "bob@example.com");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_in_failed'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_in'")
            .await,
        1
    );
}
both_backends!(sign_in_checks_the_password_and_says_nothing_about_which_part_was_wrong);

async fn sign_in_is_throttled_per_account_and_per_ip(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.login_attempts_per_account = 3;
        s.login_attempts_per_ip = 6;
    })
    .await;
    app.signed_up("carol@example.com").await;
    let client = app.client();
    for _ in 0..3 {
        assert_eq!(
            client
                .sign_in("carol@example.com", "wrong password!")
                .await
                .status(),
            401
        );
    }
    let throttled = client.sign_in("carol@example.com", PASSWORD).await;
    assert_eq!(
        throttled.status(),
        429,
        "even the right password waits once the account is throttled"
    );
    let retry_after: u64 = throttled
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After header");
    assert!(retry_after > 0);
    // Other accounts from the same address still have the rest of the IP allowance...
    for i in 0..2 {
        let email = format!("spray{i}@example.com");
        assert_eq!(
            client.sign_in(&email, "wrong password!").await.status(),
            401
        );
    }
    // ...until the per-IP limit (6 here, 7 attempts made) is reached.
    assert_eq!(
        client
            .sign_in("spray9@example.com", "wrong password!")
            .await
            .status(),
        429
    );
    assert!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_in_throttled'")
            .await
            >= 2
    );
}
both_backends!(sign_in_is_throttled_per_account_and_per_ip);

/// A local sign-up proves nothing about owning the address, so a bootstrap email signed up
/// with a password must not be admin: otherwise whoever signs up first as it would be.
async fn bootstrap_email_signed_up_locally_stays_candidate(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.bootstrap_admins = vec![ADMIN_EMAIL.into()];
    })
    .await;
    // Even once its address is confirmed by its link.
    let client = app.signed_up(ADMIN_EMAIL).await;
    let me = json(client.server_fn("whoami", &[]).await).await;
    assert_eq!(me["role"], "candidate");
    assert_eq!(me["email_verified"], true);
    assert_eq!(client.get("/admin/users").await.status(), 403);
    assert_eq!(client.server_fn("list_users", &[]).await.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        0
    );
}
both_backends!(bootstrap_email_signed_up_locally_stays_candidate);

async fn promote_subcommand_makes_the_first_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dana = app.signed_up("dana@example.com").await;
    assert_eq!(dana.get("/admin/users").await.status(), 403);
    let mut settings = rehearse_settings::load_from(
        None,
        figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
    )
    .expect("settings");
    settings.database_url = Some(secrecy::SecretString::from(app.db_url.clone()));
    server::cli::promote(settings.clone(), "Dana@example.com")
        .await
        .expect("promote");
    assert_eq!(
        dana.get("/admin/users").await.status(),
        200,
        "the new role applies to the live session"
    );
    let missing = server::cli::promote(settings, "ghost@example.com").await;
    assert!(missing.is_err());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'role_changed'")
            .await,
        1
    );
}
both_backends!(promote_subcommand_makes_the_first_admin);
