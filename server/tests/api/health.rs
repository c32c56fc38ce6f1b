use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body = json(ready).await;
    assert_eq!(body["migrations"], "applied");
    assert_eq!(body["database"], "ok");
}
both_backends!(health_and_readiness);

async fn pages_render_on_the_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.browser();
    for (path, text) in [
        ("/", "Practise the backend interview"),
        ("/login", "Sign in"),
        ("/signup", "Create your account"),
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = crate::support::html(response).await;
        assert!(html.contains(text), "{path} lacks {text:?}");
        assert!(
            html.contains("/pkg/rehearse.css"),
            "{path} lacks the stylesheet"
        );
    }
    let missing = client.get("/no-such-page").await;
    assert_eq!(missing.status(), 404);
}
both_backends!(pages_render_on_the_server);
