//! Sample roles shipped with the product until admins upload their own job descriptions.

use rehearse_knowledge::Competency;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// Stable within a role: `r1`, `r2`...
    pub id: String,
    /// The competency it belongs to, as scored in the report.
    pub competency: String,
    /// The requirement as the job description states it.
    pub text: String,
    /// Words whose presence in an answer is evidence about this requirement.
    pub keywords: Vec<String>,
    /// For an uploaded job description: the chunk that states it (`section, chunk N`).
    #[serde(default)]
    pub source: Option<String>,
    /// The points a strong answer covers, as an admin listed them on the job description's
    /// version; empty means they are read from `text` ([`crate::scoring::meaning::key_points`]).
    #[serde(default)]
    pub expected_points: Vec<String>,
}

impl Requirement {
    /// The points an answer is scored against: the admin's list, else the requirement's own.
    pub fn points(&self) -> Vec<String> {
        if self.expected_points.is_empty() {
            crate::scoring::meaning::key_points(&self.text)
        } else {
            self.expected_points.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub requirements: Vec<Requirement>,
}

fn req(id: &str, competency: Competency, text: &str, keywords: &[&str]) -> Requirement {
    Requirement {
        id: id.into(),
        competency: competency.label().into(),
        text: text.into(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        source: None,
        expected_points: Vec::new(),
    }
}

/// The roles offered before any job description is uploaded.
pub fn samples() -> Vec<Role> {
    vec![
        Role {
            slug: "backend-rust".into(),
            title: "Senior Backend Engineer (Rust)".into(),
            summary: "Build and operate the services behind a payments API in Rust on PostgreSQL.".into(),
            requirements: vec![
                req("r1", Competency::Languages, "Write safe, fast asynchronous services in Rust with tokio", &["rust", "tokio", "async", "ownership", "borrow", "lifetime", "future"]),
                req("r2", Competency::Databases, "Design PostgreSQL schemas, indexes and transactions for high write volume", &["postgres", "index", "transaction", "isolation", "schema", "query", "lock"]),
                req("r3", Competency::Reliability, "Operate services in production: observability, incidents, graceful degradation", &["metrics", "tracing", "logs", "alert", "incident", "timeout", "retry", "slo"]),
                req("r4", Competency::ApiDesign, "Design versioned, idempotent HTTP APIs", &["idempot", "version", "http", "rest", "status", "pagination", "contract"]),
            ],
        },
        Role {
            slug: "platform-go".into(),
            title: "Platform Engineer (Go, Kubernetes)".into(),
            summary: "Own the internal platform: deployment pipelines, Kubernetes clusters and service templates.".into(),
            requirements: vec![
                req("r1", Competency::Languages, "Build reliable tools and services in Go", &["go", "goroutine", "channel", "context", "interface"]),
                req("r2", Competency::Infrastructure, "Run and upgrade Kubernetes clusters and workloads", &["kubernetes", "pod", "deployment", "helm", "node", "ingress", "operator"]),
                req("r3", Competency::Infrastructure, "Design CI/CD pipelines with safe rollouts", &["pipeline", "canary", "rollback", "ci", "deploy", "feature flag", "blue"]),
                req("r4", Competency::Collaboration, "Support product teams and write clear documentation", &["document", "team", "support", "review", "mentor", "communicat"]),
            ],
        },
        Role {
            slug: "data-infra".into(),
            title: "Data Infrastructure Engineer".into(),
            summary: "Build the event pipeline and storage that analytics and machine learning depend on.".into(),
            requirements: vec![
                req("r1", Competency::DistributedSystems, "Build event pipelines with Kafka or similar logs", &["kafka", "stream", "partition", "offset", "consumer", "exactly", "ordering"]),
                req("r2", Competency::Databases, "Choose and tune storage for analytical workloads", &["column", "parquet", "warehouse", "partition", "compaction", "olap"]),
                req("r3", Competency::DataPipelines, "Make data correct and traceable end to end", &["schema", "validation", "lineage", "test", "contract", "quality"]),
                req("r4", Competency::Performance, "Keep pipelines fast and affordable as volume grows", &["throughput", "latency", "cost", "backpressure", "batch", "scale"]),
            ],
        },
    ]
}

pub fn find(slug: &str) -> Option<Role> {
    samples().into_iter().find(|r| r.slug == slug)
}

/// The slug of a role read from an uploaded job-description version: interviews pin it.
pub fn version_slug(version_id: &str) -> String {
    crate::role_source::RoleRef::Version(version_id.to_owned()).slug()
}

/// A sample role written out as a job description (title, summary, requirements, and how the
/// team works and what it offers), the text its built-in job description is stored and searched
/// with, so a candidate's practical questions about a sample have answers to find.
pub fn description(role: &Role) -> String {
    let mut out = format!(
        "# {}\n\n{}\n\n## Requirements\n\n",
        role.title, role.summary
    );
    for r in &role.requirements {
        out.push_str(&format!("- {}\n", r.text));
    }
    out.push_str(practicalities(&role.slug));
    out
}

/// Where and how each sample role works, and its benefits. No pay is stated: a sample role's
/// salary is "not stated", as it is in many real postings.
fn practicalities(slug: &str) -> &'static str {
    match slug {
        "backend-rust" => {
            "\n## How we work\n\n\
            - The team works in the Amsterdam office on Tuesdays and Thursdays and from home the rest of the week\n\
            - Everyone joins the on-call rotation, one week in six, with a day off after a night with a page\n\
            - We sponsor work visas for engineers moving to the Netherlands\n\
            \n## Benefits\n\n\
            - 28 days of paid holiday\n\
            - A pension with a 5% employer contribution\n\
            - A yearly learning budget for books, courses and conferences\n"
        }
        "platform-go" => {
            "\n## How we work\n\n\
            - The team is fully remote within Europe and meets in Berlin twice a year\n\
            - On call one week in five, during European working hours only\n\
            - We cannot sponsor work visas for this role\n\
            \n## Benefits\n\n\
            - 30 days of paid holiday\n\
            - A home-office budget and a laptop of your choice\n"
        }
        "data-infra" => {
            "\n## How we work\n\n\
            - The team works from the London office three days a week\n\
            - On call one week in eight, with pages rare outside office hours\n\
            \n## Benefits\n\n\
            - 25 days of paid holiday plus public holidays\n\
            - Private health insurance for you and your family\n"
        }
        _ => "",
    }
}

/// The role an uploaded job-description version describes: its title, its opening paragraph,
/// and the requirements read from its own bullets.
pub fn from_version(v: &rehearse_knowledge::Version) -> Role {
    let summary = v
        .body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with("- "))
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let sections = rehearse_knowledge::chunk::chunk(&v.body);
    Role {
        slug: version_slug(&v.id),
        title: v.title.clone(),
        summary,
        requirements: v
            .requirements
            .iter()
            .map(|r| Requirement {
                id: r.id.clone(),
                // Versions ingested before the closed list carry labels made from their own
                // words ("Call join"): those are mapped again from the requirement's text.
                competency: match Competency::from_label(&r.competency) {
                    Some(c) => c.label().to_owned(),
                    None => Competency::of(&r.text).label().to_owned(),
                },
                text: r.text.clone(),
                keywords: r.keywords.clone(),
                source: Some(match sections.get(r.chunk_position) {
                    Some(c) if !c.section.is_empty() => {
                        format!("{}, chunk {}", c.section, r.chunk_position + 1)
                    }
                    _ => format!("chunk {}", r.chunk_position + 1),
                }),
                expected_points: r.expected_points.clone(),
            })
            .collect(),
    }
}
