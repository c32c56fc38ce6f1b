//! The one closed list of competencies every requirement maps to, so a candidate's progress can
//! be compared across roles ("Databases and data modelling" means the same thing in a payments
//! role and in a search role). A requirement is mapped by the words it uses; one that matches no
//! list falls back to general software engineering, never to a label made from its own words.

use crate::terms;
use serde::{Deserialize, Serialize};

/// A competency, as scored in the report and charted over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Competency {
    Languages,
    Databases,
    DistributedSystems,
    Reliability,
    ApiDesign,
    Infrastructure,
    Security,
    DataPipelines,
    Testing,
    SystemDesign,
    Performance,
    Collaboration,
    Leadership,
    MachineLearning,
    Engineering,
}

impl Competency {
    /// Every competency, in the order the documentation lists them.
    pub const ALL: [Competency; 15] = [
        Competency::Languages,
        Competency::Databases,
        Competency::DistributedSystems,
        Competency::Reliability,
        Competency::ApiDesign,
        Competency::Infrastructure,
        Competency::Security,
        Competency::DataPipelines,
        Competency::Testing,
        Competency::SystemDesign,
        Competency::Performance,
        Competency::Collaboration,
        Competency::Leadership,
        Competency::MachineLearning,
        Competency::Engineering,
    ];

    /// The label a candidate reads.
    pub fn label(self) -> &'static str {
        match self {
            Competency::Languages => "Programming languages",
            Competency::Databases => "Databases and data modelling",
            Competency::DistributedSystems => "Distributed systems",
            Competency::Reliability => "Reliability and operations",
            Competency::ApiDesign => "API design",
            Competency::Infrastructure => "Cloud and infrastructure",
            Competency::Security => "Security",
            Competency::DataPipelines => "Data pipelines",
            Competency::Testing => "Testing and quality",
            Competency::SystemDesign => "System design",
            Competency::Performance => "Performance",
            Competency::Collaboration => "Communication and collaboration",
            Competency::Leadership => "Leadership and ownership",
            Competency::MachineLearning => "Machine learning",
            Competency::Engineering => "Software engineering",
        }
    }

    /// The competency whose label is `label`, for rows stored by label.
    pub fn from_label(label: &str) -> Option<Competency> {
        Competency::ALL.into_iter().find(|c| c.label() == label)
    }

    /// Stems whose presence in a requirement points at this competency.
    fn cues(self) -> &'static [&'static str] {
        match self {
            Competency::Languages => &[
                "rust",
                "go",
                "golang",
                "python",
                "java",
                "kotlin",
                "typescript",
                "javascript",
                "scala",
                "c++",
                "elixir",
                "ruby",
                "tokio",
                "async",
                "ownership",
                "borrow",
                "language",
            ],
            Competency::Databases => &[
                "postgresql",
                "postgr",
                "mysql",
                "sql",
                "databas",
                "schema",
                "index",
                "transaction",
                "redis",
                "dynamodb",
                "cassandra",
                "mongodb",
                "queri",
                "query",
                "storag",
            ],
            Competency::DistributedSystems => &[
                "distribut",
                "kafka",
                "consensu",
                "replic",
                "partit",
                "queue",
                "messag",
                "event",
                "concurr",
                "stream",
                "microservic",
                "grpc",
            ],
            Competency::Reliability => &[
                "product",
                "observ",
                "incid",
                "on-cal",
                "oncal",
                "monitor",
                "alert",
                "slo",
                "reliabl",
                "degrad",
                "prometheu",
                "opentelemetri",
                "tracing",
                "log",
                "outag",
                "resili",
                "uptim",
            ],
            Competency::ApiDesign => &[
                "api", "apis", "http", "rest", "idempot", "graphql", "endpoint", "contract",
                "pagin",
            ],
            Competency::Infrastructure => &[
                "kubernet",
                "terraform",
                "aw",
                "aws",
                "gcp",
                "azur",
                "cloud",
                "docker",
                "contain",
                "deploy",
                "ci",
                "pipelin",
                "helm",
                "infrastructur",
                "platform",
                "linux",
            ],
            Competency::Security => &[
                "secur",
                "auth",
                "oauth",
                "encrypt",
                "vulner",
                "complianc",
                "privaci",
                "threat",
            ],
            Competency::DataPipelines => &[
                "spark", "airflow", "etl", "warehous", "batch", "dbt", "analyt", "ingest",
            ],
            Competency::Testing => &[
                "test",
                "qualiti",
                "quality",
                "review",
                "tdd",
                "fuzz",
                "benchmark",
            ],
            Competency::SystemDesign => &[
                "architectur",
                "design",
                "scalabl",
                "scale",
                "system",
                "trade-off",
                "tradeoff",
            ],
            Competency::Performance => &[
                "perform",
                "latenc",
                "throughput",
                "optim",
                "profil",
                "memori",
                "fast",
                "effici",
            ],
            Competency::Collaboration => &[
                "commun",
                "collabor",
                "team",
                "stakehold",
                "written",
                "document",
                "partner",
                "cross-function",
            ],
            Competency::Leadership => &[
                "lead",
                "mentor",
                "own",
                "ownership",
                "hire",
                "drive",
                "coach",
                "roadmap",
            ],
            Competency::MachineLearning => &[
                "machin", "learn", "pytorch", "model", "ml", "llm", "train", "infer",
            ],
            Competency::Engineering => &[],
        }
    }

    /// Maps a requirement's text to the competency whose cues it uses most; ties go to the
    /// competency listed first, and a text that uses none is general software engineering.
    pub fn of(text: &str) -> Competency {
        let stems: Vec<String> = terms::words(text)
            .into_iter()
            .filter(|w| !terms::is_stop(w))
            .map(|w| terms::stem(&w))
            .collect();
        let mut best = (0usize, Competency::Engineering);
        for competency in Competency::ALL {
            let hits = competency
                .cues()
                .iter()
                .filter(|cue| {
                    let stemmed = terms::stem(cue);
                    stems
                        .iter()
                        .any(|s| *s == stemmed || s.starts_with(*cue) && cue.len() >= 4)
                })
                .count();
            if hits > best.0 {
                best = (hits, competency);
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_map_to_the_closed_list() {
        let cases = [
            (
                "5+ years building services in Rust or Go",
                Competency::Languages,
            ),
            (
                "Deep knowledge of PostgreSQL indexes",
                Competency::Databases,
            ),
            (
                "Experience operating Kafka consumers",
                Competency::DistributedSystems,
            ),
            (
                "Operate services in production: observability, incidents",
                Competency::Reliability,
            ),
            (
                "Design versioned, idempotent HTTP APIs",
                Competency::ApiDesign,
            ),
            (
                "Run Kubernetes clusters with Terraform",
                Competency::Infrastructure,
            ),
            (
                "Mentor engineers and lead design reviews",
                Competency::Leadership,
            ),
            (
                "Clear written communication with stakeholders",
                Competency::Collaboration,
            ),
            ("Enjoy a calm pace", Competency::Engineering),
        ];
        for (text, expected) in cases {
            assert_eq!(Competency::of(text), expected, "{text}");
        }
    }

    #[test]
    fn labels_are_unique_and_read_back() {
        for c in Competency::ALL {
            assert_eq!(Competency::from_label(c.label()), Some(c));
        }
    }
}
