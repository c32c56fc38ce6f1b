//! Linking by email: an unverified local account taken over, never staff; unverified refused.

use super::assert_accounts;
use super::provider::{app_with_provider, sign_in_via_provider};
use crate::support::{json, Backend, ADMIN_EMAIL, PASSWORD};
use rehearse_testkit::both_backends;

/// Pre-account takeover: someone registers the victim's address locally (never verified) with a
/// password of their own and stays signed in. When the real owner signs in through a provider
/// that verified the address, the account becomes theirs: the squatter's password stops
/// working and the squatter's live session is ended.
async fn verified_email_takes_over_an_unverified_local_account(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let squatter = app.signed_up_unverified("mia@example.com").await;
    let local_id = json(squatter.server_fn("whoami", &[]).await).await["id"].clone();
    assert_eq!(squatter.get("/home").await.status(), 200);

    let owner = app.client();
    let done = sign_in_via_provider(&app, &provider, &owner, "mia@example.com").await;
    assert_eq!(done.status(), 200);
    let body = json(done).await;
    assert_eq!(
        body["id"], local_id,
        "linked into the account with that email"
    );
    assert_accounts(&app, 1, 1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NULL AND email_verified = 1")
            .await,
        1,
        "the password is gone and the email is verified"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_linked' \
             AND detail LIKE '%password was removed%' AND detail LIKE '%sessions were ended%'"
        )
        .await,
        1
    );

    // The squatter's session, signed in before the takeover, signs nobody in any more.
    let home = squatter.get("/home").await;
    assert_eq!(home.status(), 303, "the squatter is signed out");
    assert!(home.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .starts_with("/login"));
    let me = squatter.server_fn_text("whoami", &[]).await;
    assert_eq!(me, "null");
    assert_eq!(squatter.server_fn("list_users", &[]).await.status(), 401);

    // Nor does the squatter's password.
    assert_eq!(
        app.client()
            .sign_in("mia@example.com", PASSWORD)
            .await
            .status(),
        401
    );

    // The owner's new session is unaffected.
    let me = json(owner.server_fn("whoami", &[]).await).await;
    assert_eq!(me["id"], local_id);
    assert_eq!(owner.get("/home").await.status(), 200);
    // And signing in through the provider again reaches the same account, still signed in.
    let again = app.client();
    let signed_in = sign_in_via_provider(&app, &provider, &again, "mia@example.com").await;
    assert_eq!(json(signed_in).await["id"], local_id);
    assert_eq!(
        json(owner.server_fn("whoami", &[]).await).await["id"],
        local_id
    );
}
both_backends!(verified_email_takes_over_an_unverified_local_account);

/// A provider account with a staff member's address must not become a way into staff rights:
/// staff accounts (admins, reviewers) are never linked automatically.
async fn staff_accounts_are_not_linked_automatically(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let admin = app.admin().await;
    let reviewer = app.signed_up("rex@example.com").await;
    let pool = app.db().await;
    sqlx::query("UPDATE users SET role = 'reviewer' WHERE email = 'rex@example.com'")
        .execute(&pool)
        .await
        .expect("make rex a reviewer");

    for (email, staff) in [(ADMIN_EMAIL, &admin), ("rex@example.com", &reviewer)] {
        let client = app.client();
        let refused = sign_in_via_provider(&app, &provider, &client, email).await;
        assert_eq!(refused.status(), 403, "{email}");
        assert!(
            json(refused).await["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Sign in with your email and password"),
            "{email}: the refusal says how to sign in"
        );
        let me = client.server_fn_text("whoami", &[]).await;
        assert_eq!(me, "null", "{email}: not signed in through the provider");
        // The staff member's own session and password are untouched.
        assert_eq!(
            json(staff.server_fn("whoami", &[]).await).await["email"],
            email
        );
        assert_eq!(
            app.client().sign_in(email, PASSWORD).await.status(),
            200,
            "{email}"
        );
    }
    assert_accounts(&app, 2, 0).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_linked'")
            .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'oauth_failed' \
             AND detail LIKE '%staff account%'"
        )
        .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NULL")
            .await,
        0
    );
}
both_backends!(staff_accounts_are_not_linked_automatically);

async fn unverified_email_is_refused(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    app.signed_up("unverified@example.com").await;
    let client = app.client();
    let refused = sign_in_via_provider(&app, &provider, &client, "unverified@example.com").await;
    assert_eq!(refused.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_identities").await, 0);
    let me = client.server_fn_text("whoami", &[]).await;
    assert_eq!(me, "null");
}
both_backends!(unverified_email_is_refused);
