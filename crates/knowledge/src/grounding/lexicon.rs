//! The word lists the grounding check matches claims against: locations, technologies,
//! benefits, and the values of numbers written as words.
//!
//! They live apart from the checking logic in the parent module so that the logic reads on its
//! own, and so that a list can grow (a new city, a new framework, a new perk) without touching
//! the code that finds and checks claims.

pub(super) const LOCATIONS: &[&str] = &[
    "amsterdam",
    "athens",
    "austin",
    "bangalore",
    "barcelona",
    "berlin",
    "boston",
    "brussels",
    "bucharest",
    "budapest",
    "cape town",
    "chicago",
    "copenhagen",
    "dublin",
    "edinburgh",
    "frankfurt",
    "hamburg",
    "helsinki",
    "hong kong",
    "krakow",
    "kraków",
    "lisbon",
    "london",
    "los angeles",
    "madrid",
    "manchester",
    "melbourne",
    "milan",
    "montreal",
    "munich",
    "nairobi",
    "new york",
    "oslo",
    "paris",
    "porto",
    "prague",
    "rome",
    "san francisco",
    "sao paulo",
    "são paulo",
    "seattle",
    "singapore",
    "stockholm",
    "sydney",
    "tallinn",
    "tokyo",
    "toronto",
    "vancouver",
    "vienna",
    "warsaw",
    "zurich",
    "zürich",
    "australia",
    "austria",
    "belgium",
    "brazil",
    "canada",
    "china",
    "denmark",
    "estonia",
    "europe",
    "finland",
    "france",
    "germany",
    "greece",
    "hungary",
    "india",
    "ireland",
    "italy",
    "japan",
    "netherlands",
    "norway",
    "poland",
    "portugal",
    "romania",
    "spain",
    "sweden",
    "switzerland",
    "united kingdom",
    "britain",
    "czechia",
    "czech republic",
    "holland",
    "kenya",
    "south africa",
    "united states",
    "usa",
    "uk",
    "emea",
    "apac",
    "latam",
    "north america",
    "cet",
    "cest",
    "utc",
    "gmt",
    "est",
    "pst",
];

/// The country of each city in [`LOCATIONS`], so that a country asked is stated by one of its
/// cities ("Is the role in Finland?": "our Helsinki office"). One direction only: a country
/// stated says nothing of the city. Countries are named as [`COUNTRY_NAMES`] lists them.
pub(crate) const CITY_COUNTRIES: &[(&str, &str)] = &[
    ("amsterdam", "netherlands"),
    ("athens", "greece"),
    ("austin", "united states"),
    ("bangalore", "india"),
    ("barcelona", "spain"),
    ("berlin", "germany"),
    ("boston", "united states"),
    ("brussels", "belgium"),
    ("bucharest", "romania"),
    ("budapest", "hungary"),
    ("cape town", "south africa"),
    ("chicago", "united states"),
    ("copenhagen", "denmark"),
    ("dublin", "ireland"),
    ("edinburgh", "united kingdom"),
    ("frankfurt", "germany"),
    ("hamburg", "germany"),
    ("helsinki", "finland"),
    ("krakow", "poland"),
    ("kraków", "poland"),
    ("lisbon", "portugal"),
    ("london", "united kingdom"),
    ("los angeles", "united states"),
    ("madrid", "spain"),
    ("manchester", "united kingdom"),
    ("melbourne", "australia"),
    ("milan", "italy"),
    ("montreal", "canada"),
    ("munich", "germany"),
    ("nairobi", "kenya"),
    ("new york", "united states"),
    ("oslo", "norway"),
    ("paris", "france"),
    ("porto", "portugal"),
    ("prague", "czechia"),
    ("rome", "italy"),
    ("san francisco", "united states"),
    ("sao paulo", "brazil"),
    ("são paulo", "brazil"),
    ("seattle", "united states"),
    ("stockholm", "sweden"),
    ("sydney", "australia"),
    ("tallinn", "estonia"),
    ("tokyo", "japan"),
    ("toronto", "canada"),
    ("vancouver", "canada"),
    ("vienna", "austria"),
    ("warsaw", "poland"),
    ("zurich", "switzerland"),
    ("zürich", "switzerland"),
];

/// The names a question may give a country of [`CITY_COUNTRIES`], besides the one listed there.
/// "US" is left out: as a word it is mostly "us".
pub(crate) const COUNTRY_NAMES: &[(&str, &[&str])] = &[
    (
        "united states",
        &["usa", "america", "united states of america"],
    ),
    ("united kingdom", &["uk", "britain", "great britain"]),
    ("netherlands", &["holland"]),
    ("czechia", &["czech republic"]),
];

pub(super) const TECHNOLOGIES: &[&str] = &[
    "rust",
    "go",
    "golang",
    "python",
    "java",
    "kotlin",
    "scala",
    "c++",
    "c#",
    "typescript",
    "javascript",
    "node.js",
    "ruby",
    "elixir",
    "erlang",
    "haskell",
    "php",
    "swift",
    "postgresql",
    "postgres",
    "mysql",
    "mariadb",
    "sqlite",
    "redis",
    "memcached",
    "mongodb",
    "cassandra",
    "dynamodb",
    "elasticsearch",
    "opensearch",
    "clickhouse",
    "snowflake",
    "bigquery",
    "redshift",
    "cockroachdb",
    "surrealdb",
    "kafka",
    "rabbitmq",
    "nats",
    "pulsar",
    "kinesis",
    "spark",
    "flink",
    "airflow",
    "dbt",
    "hadoop",
    "parquet",
    "iceberg",
    "delta lake",
    "kubernetes",
    "k8s",
    "docker",
    "terraform",
    "ansible",
    "helm",
    "argo",
    "argocd",
    "istio",
    "envoy",
    "nginx",
    "linux",
    "aws",
    "gcp",
    "azure",
    "grpc",
    "graphql",
    "openapi",
    "protobuf",
    "prometheus",
    "grafana",
    "opentelemetry",
    "jaeger",
    "datadog",
    "sentry",
    "pagerduty",
    "splunk",
    "loki",
    "pytorch",
    "tensorflow",
    "jax",
    "triton",
    "cuda",
    "onnx",
    "mlflow",
    "kubeflow",
    "tokio",
    "axum",
    "actix",
    "django",
    "rails",
    "oauth",
    "oidc",
    "saml",
    "tls",
    "wasm",
    "webassembly",
];

pub(super) const BENEFITS: &[&str] = &[
    "equity",
    "stock options",
    "stock",
    "sign-on bonus",
    "signing bonus",
    "joining bonus",
    "bonus",
    "pension",
    "401(k)",
    "401k",
    "health insurance",
    "private health",
    "dental",
    "vision",
    "life insurance",
    "parental leave",
    "maternity",
    "paternity",
    "gym",
    "learning budget",
    "training budget",
    "conference",
    "relocation",
    "visa sponsorship",
    "four-day week",
    "4-day week",
    "childcare",
    "meal",
    "lunch",
    "sabbatical",
    "commuter",
    "stipend",
    "home office",
    "laptop",
];

/// Number words below a hundred and their values: the one list the parent's number patterns
/// (`NUMBER_WORD`, `DURATION`), [`number_word`] and [`compound_number`] read.
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
];

/// Twenty, thirty, ... ninety: the words a unit joins with a hyphen ("twenty-four").
fn is_tens(v: f64) -> bool {
    v >= 20.0 && v % 10.0 == 0.0
}

fn is_unit(v: f64) -> bool {
    v < 10.0
}

/// The regex alternation of every number word below a hundred, compounds first so that
/// "twenty-four" is one match, not 20 and 4: `(?:twenty|…)-(?:one|…)|one|two|…|ninety`.
pub(super) fn number_word_alternation() -> String {
    let words = |keep: fn(f64) -> bool| {
        NUMBER_WORDS
            .iter()
            .filter(|(_, v)| keep(*v))
            .map(|(w, _)| *w)
            .collect::<Vec<_>>()
            .join("|")
    };
    format!(
        "(?:{})-(?:{})|{}",
        words(is_tens),
        words(is_unit),
        words(|_| true)
    )
}

/// The value of a number written as a word ("six" is 6, "twenty-four" 24), for the words the
/// parent's `NUMBER_WORD` pattern matches (and "hundred").
pub(super) fn number_word(w: &str) -> Option<f64> {
    if let Some((tens, unit)) = w.split_once('-') {
        return compound_number(tens, unit);
    }
    let w = w.to_lowercase();
    if w == "hundred" {
        return Some(100.0);
    }
    NUMBER_WORDS
        .iter()
        .find(|(word, _)| *word == w)
        .map(|(_, v)| *v)
}

/// The value of a compound number split at its hyphen ("twenty" and "four" is 24); `None` when
/// the two words are not tens and a unit.
pub(crate) fn compound_number(tens: &str, unit: &str) -> Option<f64> {
    let (t, u) = (number_word(tens)?, number_word(unit)?);
    (is_tens(t) && is_unit(u)).then_some(t + u)
}
