use crate::support::{Backend, TestApp, ADMIN_EMAIL, PASSWORD};
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

async fn oversized_bodies_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let huge = "x".repeat(200 * 1024);
    let response = client
        .post_form(
            "/auth/signup",
            &[
                ("email", "big@example.com"),
                ("password", PASSWORD),
                ("name", &huge),
            ],
        )
        .await;
    assert_eq!(response.status(), 413);
    let server_fn = client.post_form("/api/whoami", &[("padding", &huge)]).await;
    assert_eq!(server_fn.status(), 413);
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
