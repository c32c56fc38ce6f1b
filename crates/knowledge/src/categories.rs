//! What a candidate names as a category that a job description states as an instance: "which
//! database" is answered by "PostgreSQL", "is there a pension" by "a 401(k)", "how often" by
//! "one week in six". Reranking's coverage and the choice of quoted lines count an instance as
//! the category asked, so the passage that names the instance is found and quoted rather than
//! declined. A closed, reviewed word list, not a model: cheap, deterministic, and explainable to
//! a reviewer. Lists of well-known members only; a member missing here is still found by
//! meaning (the vector half of retrieval), just with less help.

use crate::terms::stem;
use std::sync::LazyLock;

struct Category {
    /// Words a question uses for the category.
    names: &'static [&'static str],
    /// Words a job description uses for a member of it.
    members: &'static [&'static str],
}

const CATEGORIES: &[Category] = &[
    Category {
        names: &[
            "database",
            "databases",
            "db",
            "datastore",
            "datastores",
            "storage",
        ],
        members: &[
            "postgresql",
            "postgres",
            "mysql",
            "mariadb",
            "sqlite",
            "oracle",
            "redis",
            "memcached",
            "cassandra",
            "scylladb",
            "dynamodb",
            "mongodb",
            "couchdb",
            "cockroachdb",
            "spanner",
            "aurora",
            "clickhouse",
            "bigquery",
            "snowflake",
            "redshift",
            "timescaledb",
            "elasticsearch",
            "opensearch",
            "neo4j",
            "foundationdb",
            "tidb",
            "vitess",
            "druid",
            "pinot",
        ],
    },
    Category {
        names: &["cloud", "clouds", "provider", "providers"],
        members: &[
            "aws",
            "amazon",
            "gcp",
            "google",
            "azure",
            "microsoft",
            "ec2",
            "eks",
            "gke",
            "aks",
            "s3",
            "hetzner",
            "ovh",
            // Providers whose names end in the category's own word, and the smaller European
            // ones job descriptions name.
            "ovhcloud",
            "upcloud",
            "exoscale",
            "scaleway",
            "ionos",
            "linode",
            "vultr",
            "digitalocean",
            "cloudflare",
            "oracle",
        ],
    },
    Category {
        names: &["language", "languages"],
        members: &[
            "rust",
            "go",
            "golang",
            "java",
            "kotlin",
            "scala",
            "python",
            "ruby",
            "elixir",
            "erlang",
            "php",
            "typescript",
            "javascript",
            "c++",
            "c#",
            "swift",
            "haskell",
            "ocaml",
            "clojure",
            "english",
            "spanish",
            "german",
            "french",
            "portuguese",
            "dutch",
            "italian",
        ],
    },
    Category {
        names: &["pension", "pensions", "retirement", "401k"],
        members: &[
            "401",
            "rrsp",
            "superannuation",
            "kiwisaver",
            "pension",
            "retirement",
        ],
    },
    Category {
        names: &["remote", "remotely", "home", "hybrid", "onsite"],
        members: &[
            "remote",
            "remotely",
            "office",
            "hybrid",
            "onsite",
            "commuting",
        ],
    },
    Category {
        names: &["often", "frequently", "frequency", "regularly"],
        members: &[
            "every",
            "once",
            "twice",
            "daily",
            "weekly",
            "fortnightly",
            "monthly",
            "quarterly",
            "yearly",
            "annually",
            "times",
            "week",
            "month",
            "year",
        ],
    },
    Category {
        names: &["big", "size", "large", "headcount", "people"],
        members: &["engineers", "people", "person", "members", "strong"],
    },
    Category {
        names: &[
            "visa",
            "visas",
            "sponsor",
            "sponsorship",
            "permit",
            "immigration",
        ],
        members: &["visa", "visas", "sponsor", "sponsorship", "permit"],
    },
    Category {
        names: &["together", "meet", "meetup", "offsite", "gather", "travel"],
        members: &[
            "offsite", "meet", "meets", "meetup", "retreat", "summit", "travel",
        ],
    },
    Category {
        names: &["broker", "brokers", "messaging", "queue", "queues", "bus"],
        members: &[
            "rabbitmq",
            "kafka",
            "nats",
            "jetstream",
            "pulsar",
            "redpanda",
            "sqs",
            "sns",
            "pubsub",
            "kinesis",
            "activemq",
            "zeromq",
            "mqtt",
            "nsq",
        ],
    },
    Category {
        // "How often would I carry the pager?": the rota is what job descriptions state.
        names: &["pager", "paged", "paging"],
        members: &["call", "rota", "rotation"],
    },
    Category {
        // "Is there background vetting?": a security clearance or a background check answers.
        names: &["vetting", "vetted", "background"],
        members: &["clearance", "background", "screening", "vetting"],
    },
    Category {
        // A training budget is what a job description calls a learning or education budget.
        names: &["training", "courses", "course"],
        members: &["learning", "education", "training", "course", "courses"],
    },
    Category {
        names: &["ci", "cd"],
        members: &[
            "jenkins",
            "circleci",
            "buildkite",
            "teamcity",
            "travis",
            "drone",
            "tekton",
            "argo",
            "github",
            "gitlab",
        ],
    },
    Category {
        names: &["commute", "commuting", "transport"],
        members: &[
            "ticket",
            "transit",
            "bike",
            "train",
            "travelcard",
            "deutschlandticket",
            "mobility",
        ],
    },
    Category {
        names: &["insurance", "medical", "healthcare", "dental"],
        members: &["insurance", "medical", "health", "dental", "vision"],
    },
    Category {
        names: &["bonus", "bonuses", "incentive", "incentives"],
        members: &["bonus", "profit", "incentive", "commission"],
    },
    Category {
        names: &[
            "release",
            "releases",
            "ship",
            "deploy",
            "deploys",
            "deployment",
        ],
        members: &[
            "deploy", "release", "ship", "rollout", "releases", "deploys",
        ],
    },
    Category {
        names: &["vacation", "pto", "leave", "holiday", "holidays", "off"],
        members: &["holiday", "holidays", "vacation", "leave", "pto"],
    },
    Category {
        names: &[
            "pay",
            "pays",
            "salary",
            "compensation",
            // "Do you compensate candidates?": a line that says "we pay" answers. Not
            // "compensated" ("How are engineers compensated?" asks for a salary, and the pay
            // guard asks for one).
            "compensate",
            "earn",
            // "What is the base comp?"
            "comp",
        ],
        members: &["salary", "pay", "compensation", "base"],
    },
    Category {
        names: &["ownership", "shares", "stake"],
        members: &["equity", "stock", "shares", "options"],
    },
    Category {
        names: &["parent", "parents", "parental", "maternity", "paternity"],
        members: &["parental", "maternity", "paternity", "parent", "parents"],
    },
    Category {
        names: &["senior", "seniority", "experienced"],
        members: &["years", "experience", "senior", "staff", "lead"],
    },
    Category {
        names: &["moving", "move", "relocate", "relocation", "relocating"],
        // Not "moving": stemmed, it is "move" too, and "if you choose to move to Lisbon" is
        // no relocation package.
        members: &["relocation", "relocate", "relocating"],
    },
    Category {
        names: &["day", "days"],
        members: &[
            "monday",
            "mondays",
            "tuesday",
            "tuesdays",
            "wednesday",
            "wednesdays",
            "thursday",
            "thursdays",
            "friday",
            "fridays",
        ],
    },
];

/// Each category's names and members as stems, computed once: coverage asks for them for every
/// candidate chunk and every line of a quote.
static STEMMED: LazyLock<Vec<(Vec<String>, Vec<String>)>> = LazyLock::new(|| {
    let stems = |words: &[&str]| words.iter().map(|w| stem(w)).collect::<Vec<_>>();
    CATEGORIES
        .iter()
        .map(|c| (stems(c.names), stems(c.members)))
        .collect()
});

/// Whether a passage whose content stems are `have` covers the question's stem `asked`: it
/// states the word itself, or a member of the category the word names.
pub fn covers(asked: &str, have: &[String]) -> bool {
    have.iter().any(|h| h == asked) || names_member(asked, have)
}

/// What a passage (its heading and one text of it) states, for matching the question's stems
/// with [`covers`]: its content stems, with paying for a cost read as covering it ("we pay for
/// conference travel" states no pay), and the members it states as phrases. One reading for
/// ranking's coverage of a chunk and for the choice of its quoted lines.
pub fn passage_stems(section: &str, text: &str) -> Vec<String> {
    let text = crate::terms::paying_for_a_cost_as_cover(text);
    let mut have = crate::terms::content_stems(&format!("{section} {text}"));
    have.extend(phrase_members(&text));
    have
}

/// Members a text states as a phrase rather than a word: "time off" is leave ("off" alone is in
/// "off-site" and "sign-off", so it is no member by itself); "you will report to Claire" names
/// the manager ("reporting pipelines" does not).
pub fn phrase_members(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    [
        ("time off", "leave"),
        ("report to", "manager"),
        ("reports to", "manager"),
        ("reporting to", "manager"),
    ]
    .iter()
    .filter(|(phrase, _)| lower.contains(phrase))
    .map(|(_, member)| stem(member))
    .collect()
}

/// The category a "which ..." or "what ..." question asks for ("Which CI system do you use?":
/// the CI category; "What days are in the office?": days), as the stem of its name: the first
/// or second content word after "which" or "what", when it names a category.
pub fn asked_for(question: &str) -> Option<String> {
    let words = crate::terms::words(question);
    let at = words.iter().position(|w| w == "which" || w == "what")?;
    words[at + 1..]
        .iter()
        .filter(|w| !crate::terms::is_stop(w))
        .take(2)
        .map(|w| stem(w))
        .find(|s| STEMMED.iter().any(|(names, _)| names.contains(s)))
}

/// Whether a line whose content stems are `have` names a member of the category `asked`
/// names (an instance, not the category's own word): "Buildkite" for "which CI system".
pub fn names_member(asked: &str, have: &[String]) -> bool {
    STEMMED
        .iter()
        .filter(|(names, _)| names.iter().any(|n| n == asked))
        .flat_map(|(_, members)| members)
        .any(|m| have.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::content_stems;

    fn covered(question_word: &str, passage: &str) -> bool {
        covers(&stem(question_word), &content_stems(passage))
    }

    #[test]
    fn an_instance_answers_the_category_asked() {
        assert!(covered(
            "database",
            "The ledger service is backed by PostgreSQL"
        ));
        assert!(covered("databases", "Data lives in Redis and MySQL"));
        assert!(covered("pension", "A 401(k) plan with a 4% company match"));
        assert!(covered("often", "The rotation is one week in six"));
        assert!(covered("cloud", "Our pipelines run on AWS"));
        assert!(covered("language", "Our working language is English"));
        assert!(covered("cloud", "Kubernetes in UpCloud data centres"));
        assert!(covered(
            "cloud",
            "We burst to Exoscale when the queue gets long"
        ));
        assert!(covered(
            "broker",
            "Services talk to each other through RabbitMQ"
        ));
        assert!(covered("pager", "You would be on call one week in five"));
        assert!(covered("paged", "The rota is one week in eight"));
        assert!(covered("training", "No personal learning budget"));
        assert!(covered("401k", "We contribute to a company pension fund"));
        assert!(covered(
            "vetting",
            "Every offer depends on a security clearance"
        ));
        // The word itself still counts, and an unrelated passage does not.
        assert!(covered("salary", "The salary is stated here"));
        assert!(!covered(
            "database",
            "We deploy to Kubernetes several times a day"
        ));
        assert!(!covered(
            "pension",
            "Private health insurance in every country"
        ));
    }

    #[test]
    fn reporting_to_someone_names_the_manager() {
        let manager = stem("manager");
        assert!(phrase_members("You will report to Claire Dubreuil").contains(&manager));
        assert!(phrase_members("The team reports to the CTO").contains(&manager));
        assert!(!phrase_members("We build reporting pipelines").contains(&manager));
    }

    #[test]
    fn a_which_question_asks_for_an_instance() {
        let ci = asked_for("Which CI system do you use?").expect("a category asked");
        assert!(names_member(&ci, &content_stems("Run our CI on Buildkite")));
        assert!(!names_member(
            &ci,
            &content_stems("A talk about a CI system you ran")
        ));
        let days = asked_for("Which days would I need to be in the office?").expect("days");
        assert!(names_member(
            &days,
            &content_stems("Be there on Tuesdays and Thursdays")
        ));
        assert!(!names_member(
            &days,
            &content_stems("Two days together at the office")
        ));
        assert_eq!(asked_for("How often are releases?"), None);
        assert_eq!(asked_for("What is the weather like?"), None);
        // Read plainly, "policy" says nothing: asked about the policy for new parents, parental
        // leave answers.
        assert_eq!(
            asked_for(&crate::terms::plain_question(
                "What is the policy for new parents?"
            )),
            Some(stem("parents"))
        );
    }
}
