//! Versions: a new upload is a new version, the old one stays readable, candidates are offered
//! the newest; an admin edits the requirements into a new version; deletion removes the role.

use super::{until_ingested, upload, JD};
use crate::support::{assert_refused, json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn versions_pin_and_deletion_removes_the_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let created = json(upload(&admin, "search.md", JD.as_bytes().to_vec(), None).await).await;
    let jd_id = created["jd_id"].as_str().expect("id").to_owned();
    until_ingested(&admin, &jd_id).await;
    let edited = JD.replace("one week in six", "one week in eight");
    let v2 = json(upload(&admin, "search-v2.md", edited.into_bytes(), Some(&jd_id)).await).await;
    assert_eq!(v2["version"], 2);
    let d = until_ingested(&admin, &jd_id).await;
    assert_eq!(d["versions"].as_array().map(Vec::len), Some(2));
    // The old version stays readable.
    let v1_id = created["version_id"].as_str().expect("v1");
    let old = json(
        admin
            .server_fn("jd_detail", &[("id", &jd_id), ("version", v1_id)])
            .await,
    )
    .await;
    assert!(old["body"]
        .as_str()
        .unwrap_or_default()
        .contains("one week in six"));
    // Candidates are offered the newest version only.
    let candidate = app.signed_up("eve@example.com").await;
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    let offered: Vec<String> = roles
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["slug"].as_str().map(str::to_owned))
        .filter(|s| s.starts_with("jd:"))
        .collect();
    assert_eq!(
        offered,
        vec![format!("jd:{}", v2["version_id"].as_str().expect("v2"))]
    );

    // An admin merges two requirements and drops one: a new version with the same text.
    let v2_id = v2["version_id"].as_str().expect("v2");
    // The second carries the points a strong answer covers, indented under it.
    let edited = "4+ years building backend services in Rust or Go, operating Elasticsearch clusters\nDesigning Kafka consumers that index data in near real time\n  - consumer lag alerts\n  - replaying a partition after a bad deploy";
    let saved = admin
        .server_fn(
            "edit_requirements",
            &[("version_id", v2_id), ("requirements", edited)],
        )
        .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(json(saved).await, 3);
    let d = until_ingested(&admin, &jd_id).await;
    assert_eq!(
        d["versions"][0]["requirement_lines"],
        serde_json::json!([
            "4+ years building backend services in Rust or Go, operating Elasticsearch clusters",
            "Designing Kafka consumers that index data in near real time",
            "  - consumer lag alerts",
            "  - replaying a partition after a bad deploy"
        ])
    );
    assert!(d["versions"][0]["requirements"][1]
        .as_str()
        .unwrap_or_default()
        .ends_with(
            "a strong answer covers: consumer lag alerts; replaying a partition after a bad deploy"
        ));
    assert!(d["versions"][0]["source"]
        .as_str()
        .unwrap_or_default()
        .ends_with("(requirements edited)"));
    // One requirement is too few; a candidate may not edit at all.
    let refused = admin
        .server_fn(
            "edit_requirements",
            &[("version_id", v2_id), ("requirements", "Only Rust")],
        )
        .await;
    assert_refused(refused, 422, "at least two").await;
    assert_eq!(
        candidate
            .server_fn(
                "edit_requirements",
                &[("version_id", v2_id), ("requirements", edited)]
            )
            .await
            .status(),
        403
    );

    assert_eq!(
        admin
            .server_fn("delete_jd", &[("id", &jd_id)])
            .await
            .status(),
        200
    );
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    assert!(!roles
        .as_array()
        .expect("roles")
        .iter()
        .any(|r| r["slug"].as_str().is_some_and(|s| s.starts_with("jd:"))));
    assert!(json(admin.server_fn("list_jds", &[]).await)
        .await
        .as_array()
        .is_some_and(Vec::is_empty));
}
both_backends!(versions_pin_and_deletion_removes_the_role);
