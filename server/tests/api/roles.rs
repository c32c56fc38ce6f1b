use crate::support::{json, listed_user_id, Backend, TestApp, ADMIN_EMAIL};
use rehearse_testkit::both_backends;

async fn admin_changes_roles_and_it_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let gina = app.signed_up("gina@example.com").await;

    let gina_id = listed_user_id(&admin, "gina@example.com").await;

    let changed = admin
        .server_fn(
            "change_role",
            &[("user_id", &gina_id), ("role", "reviewer")],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(json(changed).await["role"], "reviewer");
    let me = json(gina.server_fn("whoami", &[]).await).await;
    assert_eq!(
        me["role"], "reviewer",
        "the change applies to gina's live session"
    );
    assert_eq!(
        gina.get("/admin/users").await.status(),
        403,
        "reviewers are not admins"
    );

    let audit = json(
        admin
            .server_fn("list_audit", &[("kind", "role_changed"), ("page", "0")])
            .await,
    )
    .await;
    let event = &audit["events"][0];
    assert_eq!(event["actor_email"], ADMIN_EMAIL);
    assert_eq!(event["subject_email"], "gina@example.com");
    assert_eq!(event["detail"], "candidate -> reviewer");
    assert_eq!(event["ip"], "127.0.0.1");

    let bad_role = admin
        .server_fn("change_role", &[("user_id", &gina_id), ("role", "root")])
        .await;
    assert!(
        bad_role.status().is_client_error(),
        "unknown role refused, got {}",
        bad_role.status()
    );
    let ghost = admin
        .server_fn(
            "change_role",
            &[("user_id", "no-such-id"), ("role", "admin")],
        )
        .await;
    assert_eq!(ghost.status(), 404);
}
both_backends!(admin_changes_roles_and_it_is_audited);

async fn the_last_admin_cannot_step_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let me = json(admin.server_fn("whoami", &[]).await).await;
    let id = me["id"].as_str().expect("id").to_owned();
    let refused = admin
        .server_fn("change_role", &[("user_id", &id), ("role", "candidate")])
        .await;
    assert_eq!(refused.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1,
        "rolled back"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'role_changed'")
            .await,
        1,
        "only the promotion that made the admin"
    );
}
both_backends!(the_last_admin_cannot_step_down);

async fn candidates_and_visitors_are_refused_admin_pages_and_functions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.signed_up("hal@example.com").await;
    let page = candidate.get("/admin/users").await;
    assert_eq!(page.status(), 403);
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("You do not have access"));
    assert_eq!(candidate.get("/admin/audit").await.status(), 403);
    assert_eq!(candidate.server_fn("list_users", &[]).await.status(), 403);
    assert_eq!(
        candidate
            .server_fn("list_audit", &[("page", "0")])
            .await
            .status(),
        403
    );
    let me = json(candidate.server_fn("whoami", &[]).await).await;
    let id = me["id"].as_str().expect("id").to_owned();
    let escalate = candidate
        .server_fn("change_role", &[("user_id", &id), ("role", "admin")])
        .await;
    assert_eq!(escalate.status(), 403);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        0
    );

    let visitor = app.client();
    let page = visitor.get("/admin/users").await;
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=%2Fadmin%2Fusers");
    assert_eq!(visitor.server_fn("list_users", &[]).await.status(), 401);
}
both_backends!(candidates_and_visitors_are_refused_admin_pages_and_functions);

async fn audit_page_lists_security_events_for_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let _ = app
        .client()
        .sign_in("ivy@example.com", "not the password")
        .await;
    let page = admin.get("/admin/audit").await;
    assert_eq!(page.status(), 200);
    let html = crate::support::html(page).await;
    assert!(html.contains("sign_in_failed"));
    assert!(html.contains("ivy@example.com"));
    let filtered = json(
        admin
            .server_fn("list_audit", &[("kind", "sign_up"), ("page", "0")])
            .await,
    )
    .await;
    let events = filtered["events"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "sign_up");
    // The page's filter offers exactly the kinds the log records, from the server's own set.
    let kinds = json(admin.server_fn("audit_kinds", &[]).await).await;
    let expected = rehearse_db::AuditKind::spellings();
    assert_eq!(kinds, serde_json::json!(expected));
    for kind in &expected {
        assert!(
            html.contains(&format!("value=\"{kind}\"")),
            "{kind} offered"
        );
    }
    let candidate = app.signed_up("hal@example.com").await;
    assert_eq!(candidate.server_fn("audit_kinds", &[]).await.status(), 403);
    assert_eq!(
        app.client().server_fn("audit_kinds", &[]).await.status(),
        401
    );
    // Only the kinds the log records filter it: anything else is refused, not an empty page.
    for kind in ["DROP TABLE", "no_such_event"] {
        let bad = admin
            .server_fn("list_audit", &[("kind", kind), ("page", "0")])
            .await;
        assert_eq!(bad.status(), 422, "{kind}");
    }
}
both_backends!(audit_page_lists_security_events_for_admins);
