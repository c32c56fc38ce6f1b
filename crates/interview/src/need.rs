//! What a requirement asks for, read from the shape it is written in, so that the questions
//! built around it read as English whatever that shape is. Job descriptions state requirements
//! as verb phrases ("Design PostgreSQL schemas"), noun phrases ("Strong Go or Rust; Python for
//! tooling"), years of experience ("5+ years operating distributed systems"), "nice to have"
//! extras and bare lists of technologies; a single frame such as "The role asks you to …" fits
//! only the first. [`Need::read`] sorts the line into a [`Shape`] and keeps its core, and the
//! renderers put that core where it fits.

/// How a requirement is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A verb phrase: "Design versioned, idempotent HTTP APIs".
    Action,
    /// Experience, with or without years: "5+ years building services in Rust or Go".
    Experience,
    /// A skill or quality as a noun phrase: "Deep knowledge of PostgreSQL indexes".
    Skill,
    /// A bare list of technologies: "Kafka, Redis, PostgreSQL".
    Technologies,
    /// A whole sentence about the candidate, as prose job descriptions write them: "You know
    /// PostgreSQL well and can design schemas". Kept as a clause after "that".
    Statement,
}

/// A requirement, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub shape: Shape,
    /// The words that carry the need, shaped for the frames below: a verb phrase in the base
    /// form for [`Shape::Action`], what the experience is in ("building services in Rust",
    /// "with Kafka") for [`Shape::Experience`], a noun phrase otherwise.
    pub core: String,
    /// "5+ years", when the requirement states a length of experience.
    pub years: Option<String>,
    /// Marked as a plus rather than required ("nice to have", "bonus", "preferred").
    pub optional: bool,
}

/// Verbs a requirement written as an action starts with.
const VERBS: &[&str] = &[
    "advocate",
    "analyse",
    "analyze",
    "apply",
    "architect",
    "automate",
    "balance",
    "benchmark",
    "build",
    "champion",
    "choose",
    "coach",
    "collaborate",
    "collect",
    "communicate",
    "configure",
    "contribute",
    "coordinate",
    "create",
    "debug",
    "define",
    "deliver",
    "deploy",
    "design",
    "develop",
    "diagnose",
    "document",
    "drive",
    "enable",
    "ensure",
    "establish",
    "evaluate",
    "evolve",
    "explain",
    "extend",
    "guide",
    "handle",
    "harden",
    "help",
    "identify",
    "implement",
    "improve",
    "influence",
    "instrument",
    "integrate",
    "investigate",
    "keep",
    "lead",
    "maintain",
    "make",
    "manage",
    "measure",
    "mentor",
    "migrate",
    "model",
    "monitor",
    "operate",
    "optimise",
    "optimize",
    "own",
    "partner",
    "plan",
    "prioritise",
    "prioritize",
    "profile",
    "prototype",
    "provide",
    "reduce",
    "refactor",
    "release",
    "research",
    "resolve",
    "respond",
    "review",
    "run",
    "scale",
    "secure",
    "set",
    "ship",
    "simplify",
    "solve",
    "support",
    "take",
    "test",
    "track",
    "translate",
    "triage",
    "troubleshoot",
    "tune",
    "understand",
    "upgrade",
    "use",
    "validate",
    "work",
    "write",
];

/// Words that open a noun phrase and may be lowercased inside a sentence; any other first word
/// (a product name such as "Kubernetes", an acronym) keeps its case.
const COMMON_OPENERS: &[&str] = &[
    "a",
    "an",
    "the",
    "strong",
    "solid",
    "deep",
    "excellent",
    "good",
    "great",
    "working",
    "practical",
    "proven",
    "demonstrated",
    "knowledge",
    "understanding",
    "familiarity",
    "fluency",
    "proficiency",
    "ability",
    "background",
    "degree",
    "comfort",
    "passion",
    "interest",
    "curiosity",
    "ownership",
    "attention",
    "clear",
    "written",
    "verbal",
    "effective",
    "sound",
    "broad",
    "expert",
    "expertise",
    "advanced",
    "basic",
    "some",
    "prior",
    "previous",
    "professional",
    "production",
    "commercial",
    "track",
    "bachelor's",
    "master's",
    "excellent",
    "exposure",
    "hands-on",
    "in-depth",
    "thorough",
    "experience",
    "skills",
    "skill",
    "comfortable",
    "familiar",
    "fluent",
    "proficient",
    "able",
    "english",
    "an",
    "outstanding",
    "exceptional",
];

/// Markers that make a requirement a plus rather than a must.
const OPTIONAL_PREFIXES: &[&str] = &[
    "nice to have:",
    "nice-to-have:",
    "nice to have",
    "bonus:",
    "bonus points for",
    "bonus points:",
    "plus:",
    "preferred:",
    "desirable:",
    "ideally,",
    "ideally",
    "optional:",
];
const OPTIONAL_SUFFIXES: &[&str] = &[
    "(nice to have)",
    "(nice-to-have)",
    "(a plus)",
    "(bonus)",
    "(preferred)",
    "(optional)",
    "is a plus",
    "is a bonus",
    "a plus",
    "a bonus",
    "is nice to have",
    "nice to have",
    "preferred",
    "is preferred",
    "is desirable",
    "desirable",
    "would be great",
    "would be a plus",
    "welcome",
    "is welcome",
    "are a plus",
    "are welcome",
];

/// Adjectives people put on a noun phrase that read as "how much", stripped where the phrase
/// is reused after "your" ("your knowledge of X", not "your deep knowledge of X").
const INTENSIFIERS: &[&str] = &[
    "strong",
    "solid",
    "deep",
    "excellent",
    "good",
    "great",
    "proven",
    "demonstrated",
    "sound",
    "thorough",
    "in-depth",
    "extensive",
    "exceptional",
    "outstanding",
    "working",
    "practical",
    "hands-on",
];

/// Adjectives that say which experience: dropped before "experience" like the intensifiers.
const EXPERIENCE_KINDS: &[&str] = &[
    "professional",
    "relevant",
    "prior",
    "previous",
    "commercial",
    "industry",
];

fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .to_lowercase()
}

fn rest_after_first(text: &str) -> &str {
    text.trim_start()
        .split_once(char::is_whitespace)
        .map(|(_, rest)| rest.trim_start())
        .unwrap_or("")
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &text[prefix.len()..];
    // Whole words only: "plus" must not take the start of "plush".
    if prefix.ends_with(|c: char| c.is_alphanumeric())
        && rest.starts_with(|c: char| c.is_alphanumeric())
    {
        return None;
    }
    Some(
        rest.trim_start_matches([' ', ':', ',', '-', '–'])
            .trim_start(),
    )
}

fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    if !tail.eq_ignore_ascii_case(suffix) {
        return None;
    }
    let rest = &text[..cut];
    if suffix.starts_with(|c: char| c.is_alphanumeric())
        && rest.ends_with(|c: char| c.is_alphanumeric())
    {
        return None;
    }
    Some(
        rest.trim_end_matches([' ', ',', ';', '-', '–', '('])
            .trim_end(),
    )
}

/// "has built payment systems" said to the candidate: "have built payment systems".
fn second_person(rest: &str) -> String {
    let first = first_word(rest);
    let tail = rest_after_first(rest);
    let verb = match first.as_str() {
        "has" => "have".to_owned(),
        "is" => "are".to_owned(),
        "was" => "were".to_owned(),
        "does" => "do".to_owned(),
        w if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") => w[..w.len() - 1].to_owned(),
        w => w.to_owned(),
    };
    if tail.is_empty() {
        verb
    } else {
        format!("{verb} {tail}")
    }
}

/// Whether `rest` opens like a noun phrase ("deep knowledge of …", "a background in …",
/// "Kubernetes experience") rather than a verb ("shipped payment systems").
fn reads_as_noun_phrase(rest: &str) -> bool {
    let first = first_word(rest);
    COMMON_OPENERS.contains(&first.as_str())
        || INTENSIFIERS.contains(&first.as_str())
        || EXPERIENCE_KINDS.contains(&first.as_str())
        || rest.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
}

/// A fragment of a requirement placed inside a sentence: lowercased at the start unless it
/// opens with a name ("indexes", but "PostgreSQL schemas").
pub fn lower_common(text: &str) -> String {
    sentence_case(text)
}

/// Lowercases the first letter when the first word is a common word, not a name.
fn sentence_case(text: &str) -> String {
    let first = first_word(text);
    if COMMON_OPENERS.contains(&first.as_str()) || VERBS.contains(&first.as_str()) {
        let mut chars = text.chars();
        match chars.next() {
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        text.to_owned()
    }
}

/// Joins a list the English way: "a", "a and b", "a, b and c".
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Tidies a bullet: no list marker or final stop, semicolons read as "and", "&" as "and".
fn tidy(text: &str) -> String {
    let t = text
        .trim()
        .trim_start_matches(['-', '*', '•', '·'])
        .trim()
        .trim_end_matches(['.', ';', ':', ','])
        .trim();
    let t = t.replace(" & ", " and ").replace(['’', '‘'], "'");
    let parts: Vec<&str> = t
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let joined = if parts.len() > 1 {
        let (init, last) = parts.split_at(parts.len() - 1);
        let last = last[0].strip_prefix("and ").unwrap_or(last[0]);
        format!("{}, and {last}", init.join(", "))
    } else {
        t.clone()
    };
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `item` looks like the name of a technology: a capital letter, digit or symbol inside
/// a short phrase ("Kafka", "CI/CD", "C++", "AWS Lambda").
fn looks_like_technology(item: &str) -> bool {
    let words: Vec<&str> = item.split_whitespace().collect();
    let short_lowercase_name =
        words.len() == 1 && item.len() <= 4 && item.chars().all(|c| c.is_alphanumeric());
    short_lowercase_name
        || !words.is_empty()
            && words.len() <= 3
            && words.iter().all(|w| {
                w.chars().any(|c| c.is_uppercase() || c.is_ascii_digit())
                    || w.contains(['+', '#', '/', '.'])
            })
}

fn technology_list(text: &str) -> Option<Vec<String>> {
    let text = text.trim_start_matches("e.g.").trim();
    let items: Vec<String> = text
        .split([',', '/'])
        .flat_map(|part| part.split(" and ").flat_map(|p| p.split(" or ")))
        .map(|s| {
            s.trim()
                .trim_start_matches("and ")
                .trim_start_matches("or ")
                .trim()
                .to_owned()
        })
        .filter(|s| !s.is_empty())
        .collect();
    (items.len() >= 2 && items.iter().all(|i| looks_like_technology(i))).then_some(items)
}

/// What follows "experience": a gerund or a preposition stays, anything else gets "with".
fn experience_core(rest: &str) -> String {
    let rest = rest.trim();
    let rest = strip_prefix_ci(rest, "of professional experience")
        .or_else(|| strip_prefix_ci(rest, "of hands-on experience"))
        .or_else(|| strip_prefix_ci(rest, "of experience"))
        .or_else(|| strip_prefix_ci(rest, "professional experience"))
        .or_else(|| strip_prefix_ci(rest, "experience"))
        .or_else(|| strip_prefix_ci(rest, "'s experience"))
        .or_else(|| strip_prefix_ci(rest, "' experience"))
        .or_else(|| strip_prefix_ci(rest, "of"))
        .unwrap_or(rest)
        .trim();
    // "of backend experience": the experience is in the backend.
    if let Some(field) = strip_suffix_ci(rest, "experience").filter(|f| !f.is_empty()) {
        return format!("in {}", sentence_case(field));
    }
    let first = first_word(rest);
    let keeps = first.ends_with("ing")
        || [
            "with", "in", "on", "of", "at", "across", "as", "building", "using",
        ]
        .contains(&first.as_str());
    if rest.is_empty() {
        String::new()
    } else if keeps {
        rest.to_owned()
    } else {
        format!("with {}", sentence_case(rest))
    }
}

/// "5+ years", "3-5 years", "at least 2 years", "five years": the years and what follows.
fn years(text: &str) -> Option<(String, String)> {
    let lower = text.to_lowercase();
    let lead = [
        "at least ",
        "minimum of ",
        "minimum ",
        "min. ",
        "over ",
        "more than ",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p).map(|_| p.len()))
    .unwrap_or(0);
    let after_lead = text.get(lead..)?;
    let mut words = after_lead.split_whitespace();
    let count = words.next()?;
    let unit = words.next()?;
    let unit_lower = unit.to_lowercase();
    let numbers = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    let is_count = count.chars().next().is_some_and(|c| c.is_ascii_digit())
        || numbers.contains(&count.to_lowercase().as_str());
    if !is_count
        || !["years", "years'", "year", "year's", "years’", "yrs", "yrs."]
            .contains(&unit_lower.as_str())
    {
        return None;
    }
    // "Minimum 4 years" reads "at least 4 years".
    let lead_words = match lower.get(..lead)?.trim_end() {
        "minimum" | "minimum of" | "min." => "at least",
        other => other,
    };
    let head = if lead_words.is_empty() {
        format!("{} years", count.to_lowercase())
    } else {
        format!("{lead_words} {} years", count.to_lowercase())
    };
    let rest_start = after_lead
        .find(unit)
        .map(|i| i + unit.len())
        .unwrap_or(after_lead.len());
    let rest = after_lead[rest_start..].trim();
    let rest = rest.trim_start_matches(['’', '\'']).trim();
    Some((head, rest.to_owned()))
}

impl Need {
    /// Reads a requirement line, whatever its shape.
    pub fn read(text: &str) -> Need {
        let mut t = tidy(text);
        let mut optional = false;
        for p in OPTIONAL_PREFIXES {
            if let Some(rest) = strip_prefix_ci(&t, p) {
                t = rest.to_owned();
                optional = true;
                break;
            }
        }
        for s in OPTIONAL_SUFFIXES {
            if let Some(rest) = strip_suffix_ci(&t, s) {
                if !rest.is_empty() {
                    t = rest.to_owned();
                    optional = true;
                    break;
                }
            }
        }
        let t = tidy(&t);
        // "You will …", "Able to …", "Ability to …": the verb phrase after them.
        let openers = [
            "you will be able to",
            "you should be able to",
            "you must be able to",
            "you will",
            "you'll",
            "you can",
            "be able to",
            "able to",
            "ability to",
            "the ability to",
            "proven ability to",
            "demonstrated ability to",
            "can",
        ];
        for o in openers {
            if let Some(rest) = strip_prefix_ci(&t, o) {
                if VERBS.contains(&first_word(rest).as_str()) && !rest.contains(" and you ") {
                    return Need {
                        shape: Shape::Action,
                        core: sentence_case(rest),
                        years: None,
                        optional,
                    };
                }
            }
        }
        // "We're looking for someone who has …", "The ideal candidate knows …": said of the
        // candidate, so said to them.
        for o in [
            "we're looking for someone who",
            "we are looking for someone who",
            "we're looking for someone that",
            "we are looking for someone that",
            "we're looking for an engineer who",
            "we are looking for an engineer who",
            "the ideal candidate",
            "the right candidate",
            "candidates should",
            "a candidate should",
        ] {
            if let Some(rest) = strip_prefix_ci(&t, o) {
                if !rest.is_empty() {
                    let mut inner = Need::read(&format!("You {}", second_person(rest)));
                    inner.optional |= optional;
                    return inner;
                }
            }
        }
        for o in [
            "we're looking for someone with",
            "we are looking for someone with",
            "we're looking for",
            "we are looking for",
        ] {
            if let Some(rest) = strip_prefix_ci(&t, o) {
                if !rest.is_empty() {
                    let mut inner = Need::read(rest);
                    inner.optional |= optional;
                    return inner;
                }
            }
        }
        // "You have …", "You are …", "We'd love …": what follows is the requirement, when it
        // reads as one on its own ("You have deep knowledge of Go"); otherwise the sentence is
        // kept whole ("You have shipped payment systems").
        for o in [
            "you should have",
            "you must have",
            "you will need",
            "you'll need",
            "you need",
            "you have",
            "you've got",
            "you bring",
            "you are",
            "you're",
            "we'd love",
            "we would love",
        ] {
            if let Some(rest) = strip_prefix_ci(&t, o) {
                if !rest.is_empty() {
                    let inner = Need::read(rest);
                    if inner.shape != Shape::Skill || reads_as_noun_phrase(rest) {
                        return Need {
                            optional: inner.optional || optional,
                            ..inner
                        };
                    }
                }
            }
        }
        // Any other sentence about "you": kept whole, as a clause.
        if ["you", "you're", "you've", "you'll", "you'd"].contains(&first_word(&t).as_str()) {
            return Need {
                shape: Shape::Statement,
                core: format!("you{}", &t[3..]),
                years: None,
                optional,
            };
        }
        if let Some((head, rest)) = years(&t) {
            return Need {
                shape: Shape::Experience,
                core: experience_core(&rest),
                years: Some(head),
                optional,
            };
        }
        let first = first_word(&t);
        if VERBS.contains(&first.as_str()) {
            return Need {
                shape: Shape::Action,
                core: sentence_case(&t),
                years: None,
                optional,
            };
        }
        // "Experience with …", "Hands-on experience operating …", "Professional experience in …".
        let without_intensifier = if INTENSIFIERS.contains(&first.as_str())
            || EXPERIENCE_KINDS.contains(&first.as_str())
        {
            rest_after_first(&t)
        } else {
            t.as_str()
        };
        if first_word(without_intensifier) == "experience" {
            let core = experience_core(rest_after_first(without_intensifier));
            if !core.is_empty() {
                return Need {
                    shape: Shape::Experience,
                    core,
                    years: None,
                    optional,
                };
            }
        }
        if let Some(items) = technology_list(&t) {
            return Need {
                shape: Shape::Technologies,
                core: join_list(&items),
                years: None,
                optional,
            };
        }
        // "Comfortable with X" and the like read as the noun that names the quality.
        let adjectives = [
            ("comfortable with", "comfort with"),
            ("comfortable", "comfort"),
            ("familiar with", "familiarity with"),
            ("fluent in", "fluency in"),
            ("proficient in", "proficiency in"),
            ("proficient with", "proficiency with"),
            ("passionate about", "a passion for"),
            ("curious about", "curiosity about"),
            ("skilled in", "skill in"),
            ("experienced in", "experience in"),
            ("experienced with", "experience with"),
        ];
        for (adjective, noun) in adjectives {
            if let Some(rest) = strip_prefix_ci(&t, adjective) {
                if noun.starts_with("experience") {
                    return Need {
                        shape: Shape::Experience,
                        core: experience_core(&format!("{} {rest}", &noun["experience ".len()..])),
                        years: None,
                        optional,
                    };
                }
                return Need {
                    shape: Shape::Skill,
                    core: format!("{noun} {rest}"),
                    years: None,
                    optional,
                };
            }
        }
        Need {
            shape: Shape::Skill,
            core: sentence_case(&t),
            years: None,
            optional,
        }
    }

    /// The need as a noun phrase that fits after "The role asks for …" or "calls for …".
    pub fn object(&self) -> String {
        match self.shape {
            Shape::Action => format!("the ability to {}", self.core),
            Shape::Experience => match (&self.years, self.core.is_empty()) {
                (Some(y), true) => format!("{y} of experience"),
                (Some(y), false) => format!("{y} of experience {}", self.core),
                (None, true) => "relevant experience".to_owned(),
                (None, false) => format!("experience {}", self.core),
            },
            Shape::Skill => self.core.clone(),
            Shape::Technologies => format!("experience with {}", self.core),
            Shape::Statement => format!("the expectation that {}", self.core),
        }
    }

    /// The need as something the candidate has or does, after "Could you go deeper on …".
    pub fn about(&self) -> String {
        match self.shape {
            Shape::Action => format!("how you {}", self.core),
            Shape::Experience if self.core.is_empty() => "your experience".to_owned(),
            Shape::Experience => format!("your experience {}", self.core),
            Shape::Technologies => format!("your experience with {}", self.core),
            Shape::Statement => format!("how you meet the expectation that {}", self.core),
            Shape::Skill => {
                let first = first_word(&self.core);
                let plain = if INTENSIFIERS.contains(&first.as_str()) {
                    rest_after_first(&self.core)
                } else {
                    self.core.as_str()
                };
                let plain = plain
                    .strip_prefix("a ")
                    .or_else(|| plain.strip_prefix("an "))
                    .unwrap_or(plain);
                let head = first_word(plain);
                let last = plain
                    .rsplit(char::is_whitespace)
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                let named = plain.starts_with(|c: char| c.is_uppercase());
                let quality = [
                    "knowledge",
                    "understanding",
                    "familiarity",
                    "fluency",
                    "proficiency",
                    "skill",
                    "skills",
                    "comfort",
                    "background",
                    "expertise",
                    "passion",
                    "curiosity",
                    "grasp",
                    "command",
                    "exposure",
                    "judgement",
                    "judgment",
                ]
                .contains(&head.as_str());
                if head.ends_with("ing") && !quality {
                    // "speaking at conferences"
                    format!("your experience {plain}")
                } else if named
                    && !["experience", "skills", "knowledge", "expertise"].contains(&last.as_str())
                {
                    // "Go or Rust, and Python for tooling"
                    format!("your work with {plain}")
                } else {
                    format!("your {plain}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Shape, String) {
        let n = Need::read(text);
        (n.shape, n.object())
    }

    #[test]
    fn each_shape_is_read() {
        assert_eq!(
            read("Design PostgreSQL schemas, indexes and transactions for high write volume"),
            (Shape::Action, "the ability to design PostgreSQL schemas, indexes and transactions for high write volume".into())
        );
        assert_eq!(
            read("5+ years operating distributed systems in production"),
            (
                Shape::Experience,
                "5+ years of experience operating distributed systems in production".into()
            )
        );
        assert_eq!(
            read("Strong Go or Rust; Python for tooling"),
            (
                Shape::Skill,
                "strong Go or Rust, and Python for tooling".into()
            )
        );
        assert_eq!(
            read("Kafka, Redis, PostgreSQL"),
            (
                Shape::Technologies,
                "experience with Kafka, Redis and PostgreSQL".into()
            )
        );
        assert_eq!(
            read("Experience with Terraform (nice to have)"),
            (Shape::Experience, "experience with Terraform".into())
        );
        assert!(Need::read("Experience with Terraform (nice to have)").optional);
        assert_eq!(
            read("3 years of backend development"),
            (
                Shape::Experience,
                "3 years of experience with backend development".into()
            )
        );
        assert_eq!(
            read("Comfortable with on-call rotations"),
            (Shape::Skill, "comfort with on-call rotations".into())
        );
        assert_eq!(read("You will own the billing service").0, Shape::Action);
        assert_eq!(
            Need::read("You know PostgreSQL well and can design schemas for high write volume."),
            Need {
                shape: Shape::Statement,
                core: "you know PostgreSQL well and can design schemas for high write volume"
                    .into(),
                years: None,
                optional: false
            }
        );
        assert_eq!(
            read("We're looking for someone who has shipped payment systems"),
            (
                Shape::Statement,
                "the expectation that you have shipped payment systems".into()
            )
        );
        assert_eq!(
            read("You have deep knowledge of Go"),
            (Shape::Skill, "deep knowledge of Go".into())
        );
        assert_eq!(
            read("The ideal candidate has 5+ years of backend experience"),
            (
                Shape::Experience,
                "5+ years of experience in backend".into()
            )
        );
        assert_eq!(
            Need::read("Deep knowledge of PostgreSQL indexes").about(),
            "your knowledge of PostgreSQL indexes"
        );
        assert_eq!(
            Need::read("Kubernetes experience").object(),
            "Kubernetes experience",
            "a product name keeps its capital"
        );
    }
}
