//! The categories a question names and the members a job description states for them: a
//! reviewed word list, kept apart from the matching so it can grow without touching it.

use super::Category;

pub(super) const CATEGORIES: &[Category] = &[
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
            "kiwisaver",
            "superannuation",
            "superannuation",
            "kiwisaver",
            "pension",
            "retirement",
        ],
    },
    Category {
        names: &[
            "remote", "remotely", "home", "hybrid", "onsite", "wfh", "come-in",
        ],
        members: &[
            "remote",
            "remotely",
            "office",
            "hybrid",
            "onsite",
            "commuting",
            "come-in",
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
        names: &[
            "broker",
            "brokers",
            "messaging",
            "queue",
            "queues",
            "bus",
            // "What streaming service carries the events?"
            "streaming",
        ],
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
        // Not "rotation" alone: keys and jobs rotate too.
        members: &["on-call", "rota"],
    },
    Category {
        // "How many salary payments a year?": instalments are payments.
        names: &["payment", "payments", "instalment", "instalments"],
        members: &[
            "instalment",
            "instalments",
            "installment",
            "installments",
            "payment",
        ],
    },
    Category {
        // "Which search engine?"
        names: &["engine", "engines"],
        members: &[
            "elasticsearch",
            "opensearch",
            "solr",
            "vespa",
            "lucene",
            "meilisearch",
            "typesense",
            "algolia",
            "tantivy",
            "quickwit",
        ],
    },
    Category {
        // "What container orchestrator do you run?"
        names: &[
            "container",
            "containers",
            "orchestrator",
            "orchestrators",
            "orchestration",
        ],
        members: &[
            "kubernetes",
            "k8s",
            "eks",
            "gke",
            "aks",
            "nomad",
            "ecs",
            "fargate",
            "openshift",
            "swarm",
        ],
    },
    Category {
        // "Which workflow orchestrator?": named before "orchestrator", so it is the one asked.
        names: &["workflow", "workflows"],
        members: &[
            "airflow", "prefect", "dagster", "temporal", "luigi", "kubeflow", "flyte",
        ],
    },
    Category {
        // "Is there on-call?": a rota or the pager answers ("rotation" alone is also a key's
        // or a job's).
        names: &["on-call"],
        members: &["rota", "pager"],
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
        // Not "dental": asked, it is a kind of insurance, not any insurance.
        names: &["insurance", "medical", "healthcare"],
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
