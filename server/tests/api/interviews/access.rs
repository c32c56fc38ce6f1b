//! Who may see or write in an interview: the owner writes, staff read, visitors sign in.

use super::{connect, send, start};
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn only_the_owner_writes_and_staff_may_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signed_up("olga@example.com").await;
    let id = start(&owner).await;
    let other = app.signed_up("pete@example.com").await;
    assert_eq!(
        other
            .server_fn("interview_detail", &[("id", &id)])
            .await
            .status(),
        403
    );
    assert_eq!(connect(&other, &id).await.status(), 403);
    assert_eq!(send(&other, &id, "hi", "k1").await.status(), 403);
    assert_eq!(
        other.server_fn("stop_reply", &[("id", &id)]).await.status(),
        403
    );

    let visitor = app.client();
    assert_eq!(
        visitor
            .server_fn("interview_detail", &[("id", &id)])
            .await
            .status(),
        401
    );
    assert_eq!(
        connect(&visitor, &id).await.status(),
        303,
        "the page guard sends visitors to sign in"
    );

    let admin = app.admin().await;
    let detail = admin.server_fn("interview_detail", &[("id", &id)]).await;
    assert_eq!(detail.status(), 200, "staff may read");
    assert_eq!(json(detail).await["can_write"], false);
    assert_eq!(
        send(&admin, &id, "hi", "k1").await.status(),
        403,
        "but not write"
    );
    assert_eq!(
        owner
            .server_fn("interview_detail", &[("id", "no-such-id")])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'")
            .await,
        0
    );
}
both_backends!(only_the_owner_writes_and_staff_may_read);
