//! The signed-in person's sessions: listed with browser, network and times; ended one at a
//! time or all but this one (the browser holding an ended session is signed out at its next
//! request); ended by themselves after their absolute lifetime, sooner for staff; and the
//! `__Host-` session cookie under https.
//!
//! Time is moved by rewriting a session's recorded sign-in time in the database, so no test
//! waits for a lifetime to pass.

use crate::support::{html, json, Backend, Client, TestApp, ADMIN_EMAIL, PASSWORD};
use rehearse_testkit::both_backends;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";

const HOUR_MS: i64 = 3_600_000;

/// Signs `email` in from a new client that presents `user_agent`.
async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str) -> Client {
    let client = app.client();
    let response = client
        .http
        .post(client.url("/auth/login"))
        .header(reqwest::header::USER_AGENT, user_agent)
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 200, "sign-in of {email}");
    client
}

async fn signed_in(client: &Client) -> bool {
    !json(client.server_fn("whoami", &[]).await).await.is_null()
}

async fn sessions_of(client: &Client) -> Vec<serde_json::Value> {
    let response = client.server_fn("list_my_sessions", &[]).await;
    assert_eq!(response.status(), 200);
    json(response).await.as_array().cloned().expect("a list")
}

/// Moves the recorded sign-in time of every session of `email` back by `ms`.
async fn age_sessions(app: &TestApp, email: &str, ms: i64) {
    let pool = app.db().await;
    sqlx::query(
        "UPDATE user_sessions SET created_at = created_at - $1 \
         WHERE user_id IN (SELECT id FROM users WHERE email = $2)",
    )
    .bind(ms)
    .bind(email)
    .execute(&pool)
    .await
    .expect("age sessions");
}

async fn sessions_are_listed_and_ending_one_signs_that_browser_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = app.signed_up("ann@example.com").await;
    let phone = sign_in_from(&app, "ann@example.com", FIREFOX).await;

    let seen_from_laptop = sessions_of(&laptop).await;
    assert_eq!(seen_from_laptop.len(), 2, "{seen_from_laptop:?}");
    let (mine, other): (Vec<_>, Vec<_>) = seen_from_laptop
        .iter()
        .partition(|s| s["this_device"] == true);
    assert_eq!(mine.len(), 1, "exactly one is this device");
    let phone_session = other[0].clone();
    assert_eq!(phone_session["device"], "Firefox on Linux");
    assert_eq!(phone_session["user_agent"], FIREFOX);
    assert_eq!(
        phone_session["network"], "127.0.0.0/24",
        "the network, not the address"
    );
    for field in ["created_at", "last_seen_at", "ends_at"] {
        assert!(
            phone_session[field]
                .as_str()
                .unwrap_or_default()
                .ends_with("UTC"),
            "{field}: {phone_session}"
        );
    }
    let seen_from_phone = sessions_of(&phone).await;
    let phone_self = seen_from_phone
        .iter()
        .find(|s| s["this_device"] == true)
        .expect("the phone sees itself");
    assert_eq!(phone_self["id"], phone_session["id"]);

    // The page shows the same, to its owner only.
    let page = html(laptop.get("/account/sessions").await).await;
    assert!(
        page.contains("Firefox on Linux"),
        "the page lists the phone"
    );
    assert!(page.contains("This device"));
    let visitor = app.client().get("/account/sessions").await;
    assert_eq!(visitor.status(), 303, "visitors are sent to sign in");

    // Someone else cannot end Ann's sessions, even knowing an id.
    let mallory = app.signed_up("mallory@example.com").await;
    let phone_id = phone_session["id"].as_str().expect("id").to_owned();
    let refused = mallory
        .server_fn("revoke_session", &[("id", phone_id.as_str())])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(
        signed_in(&phone).await,
        "untouched by someone else's request"
    );
    let unknown = laptop
        .server_fn("revoke_session", &[("id", "no-such-session")])
        .await;
    assert_eq!(unknown.status(), 404);

    // Ann ends the phone's session from the laptop: the phone is signed out at once.
    let ended = laptop
        .server_fn("revoke_session", &[("id", phone_id.as_str())])
        .await;
    assert_eq!(ended.status(), 200);
    assert!(
        !signed_in(&phone).await,
        "the ended session signs nobody in"
    );
    let home = phone.get("/home").await;
    assert_eq!(home.status(), 303);
    assert!(home.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .starts_with("/login"));
    assert_eq!(phone.server_fn("list_my_sessions", &[]).await.status(), 401);
    assert!(signed_in(&laptop).await, "the laptop stays signed in");
    assert_eq!(sessions_of(&laptop).await.len(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_out' AND detail LIKE 'ended a session%'")
            .await,
        1
    );
}
both_backends!(sessions_are_listed_and_ending_one_signs_that_browser_out);

async fn signing_out_everywhere_else_keeps_only_this_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let laptop = app.signed_up("bea@example.com").await;
    let phone = sign_in_from(&app, "bea@example.com", FIREFOX).await;
    let tablet = sign_in_from(&app, "bea@example.com", "curl/8.5.0").await;
    assert_eq!(sessions_of(&laptop).await.len(), 3);

    // Signing out ends that session's record too.
    let out = tablet.post_form("/auth/logout", &[]).await;
    assert_eq!(out.status(), 204);
    assert_eq!(sessions_of(&laptop).await.len(), 2);

    let ended = laptop.server_fn("revoke_other_sessions", &[]).await;
    assert_eq!(ended.status(), 200);
    assert_eq!(json(ended).await, serde_json::json!(1));
    assert!(!signed_in(&phone).await);
    assert!(signed_in(&laptop).await);
    let left = sessions_of(&laptop).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["this_device"], true);
}
both_backends!(signing_out_everywhere_else_keeps_only_this_browser);

async fn sessions_end_after_their_absolute_lifetime_sooner_for_staff(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.sessions.absolute_secs = 24 * 3600;
        s.sessions.staff_absolute_secs = 12 * 3600;
    })
    .await;
    let candidate = app.signed_up("cleo@example.com").await;
    // Signed up as a candidate, then promoted: the staff lifetime applies from now on.
    let admin = app.admin().await;
    assert!(signed_in(&candidate).await && signed_in(&admin).await);

    // 13 hours after signing in, used all along: past the staff lifetime, within the other.
    age_sessions(&app, "cleo@example.com", 13 * HOUR_MS).await;
    age_sessions(&app, ADMIN_EMAIL, 13 * HOUR_MS).await;
    assert!(signed_in(&candidate).await, "a candidate's day is not over");
    assert!(!signed_in(&admin).await, "an admin's 12 hours are");
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status(), 303, "back to the sign-in page");

    // 25 hours: the candidate's day is over too, and the record is gone.
    age_sessions(&app, "cleo@example.com", 12 * HOUR_MS).await;
    assert!(!signed_in(&candidate).await);
    assert_eq!(candidate.get("/home").await.status(), 303);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM user_sessions WHERE user_id IN \
             (SELECT id FROM users WHERE email = 'cleo@example.com')"
        )
        .await,
        0
    );

    // Signing in again starts a new lifetime.
    let again = sign_in_from(&app, "cleo@example.com", FIREFOX).await;
    assert!(signed_in(&again).await);
}
both_backends!(sessions_end_after_their_absolute_lifetime_sooner_for_staff);

async fn under_https_the_session_cookie_is_a_host_cookie(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.public_url = Some("https://rehearse.example".parse().expect("url"));
    })
    .await;
    let client = app.client();
    assert_eq!(
        client.sign_up("dan@example.com", PASSWORD).await.status(),
        202
    );
    let response = client.sign_in("dan@example.com", PASSWORD).await;
    assert!(response.status().is_success(), "{}", response.status());
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("rehearse_session="))
        .expect("session cookie set")
        .to_owned();
    assert!(
        cookie.starts_with(&format!("{}=", server::startup::SECURE_SESSION_COOKIE)),
        "{cookie}"
    );
    assert!(cookie.starts_with("__Host-"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Domain="),
        "a __Host- cookie has no Domain: {cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}
both_backends!(under_https_the_session_cookie_is_a_host_cookie);
