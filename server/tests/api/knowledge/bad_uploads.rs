//! Bad uploads get errors an admin can act on (empty, wrong type, binary, not UTF-8, broken PDF,
//! no requirements, not English, too large), and only admins manage job descriptions.

use super::{upload, JD};
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn bad_uploads_get_errors_admins_can_act_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", Vec::new(), "empty"),
        ("photo.png", vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2], "Only .txt, .md and .pdf"),
        ("binary.txt", [JD.as_bytes(), &[0u8, 1, 2, 3]].concat(), "binary"),
        ("latin1.txt", JD.replace("Lisbon", "Lisb\u{f3}a").chars().map(|c| c as u32 as u8).collect(), "UTF-8"),
        ("broken.pdf", b"%PDF-1.7 not really".to_vec(), "PDF"),
        ("notes.md", b"# Role\n\nWe need someone good at things and also other things, who will do the work that needs doing here every day of the week. Our customers rely on us and we rely on each other to keep the lights on.".to_vec(), "No requirements"),
        ("de.md", "# Backend-Entwicklerin\n\nWir suchen eine erfahrene Backend-Entwicklerin, die mit uns die Zahlungsplattform weiterentwickelt. Du arbeitest in einem kleinen Team und betreibst unsere Dienste.\n\n## Anforderungen\n- Mehrjährige Erfahrung mit Rust oder Go und verteilten Systemen\n- Sehr gute Kenntnisse in PostgreSQL und im Betrieb von Datenbanken\n".as_bytes().to_vec(), "German"),
    ];
    for (name, bytes, expected) in cases {
        let response = upload(&admin, name, bytes, None).await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, 422, "{name}: {body}");
        assert!(
            body.contains(expected),
            "{name}: expected {expected:?} in {body}"
        );
    }
    // The server answers 413 from the declared length; it may close the connection before the
    // client has finished writing the body, which the client sees as a failed send. The request
    // asks for its connection to be closed so that the pool never hands the half-written
    // connection to the next request (which then failed with a broken pipe on a loaded machine).
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![b'a'; 2 * 1024 * 1024]).file_name("big.txt"),
    );
    match admin
        .http
        .post(admin.url("/admin/jds/upload"))
        .header(reqwest::header::CONNECTION, "close")
        .multipart(form)
        .send()
        .await
    {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    assert!(json(admin.server_fn("list_jds", &[]).await)
        .await
        .as_array()
        .is_some_and(Vec::is_empty));

    // Only admins manage job descriptions, on every route and server function.
    let candidate = app.signed_up("dan@example.com").await;
    assert_eq!(
        upload(&candidate, "jd.md", JD.as_bytes().to_vec(), None)
            .await
            .status(),
        403
    );
    // A visitor is sent to sign in (the page guard covers everything under /admin).
    let visitor = upload(&app.client(), "jd.md", JD.as_bytes().to_vec(), None)
        .await
        .status();
    assert!(visitor == 401 || visitor == 303, "{visitor}");
    for f in [
        "list_jds",
        "jd_detail",
        "try_question",
        "retry_ingestion",
        "delete_jd",
    ] {
        let status = candidate
            .server_fn(f, &[("id", "x"), ("version_id", "x"), ("question", "x")])
            .await
            .status();
        assert_eq!(status, 403, "{f}");
    }
}
both_backends!(bad_uploads_get_errors_admins_can_act_on);
