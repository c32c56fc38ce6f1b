//! Classification: which [`Shape`] a requirement line is written in, whether it is marked as a
//! plus rather than a must, and the core words kept for the renderers. Kept apart from the
//! phrasing in `phrase` because this is the part that decides; it reads the lead-ins, the years
//! and the experience core through `phrase` and its words through `words`.

use super::phrase::{
    after_lead_in, experience_core, reads_as_noun_phrase, second_person, years, ABILITY_LEAD_INS,
    LOOKING_FOR, SAID_OF_THE_CANDIDATE, SAID_TO_THE_CANDIDATE,
};
use super::words::{
    first_word, join_list, rest_after_first, sentence_case, strip_prefix_ci, strip_suffix_ci, tidy,
    EXPERIENCE_KINDS, INTENSIFIERS, VERBS,
};
use super::Need;

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
        if let Some(need) = after_lead_in(&t, ABILITY_LEAD_INS, |rest| {
            if VERBS.contains(&first_word(rest).as_str()) && !rest.contains(" and you ") {
                Some(Need {
                    shape: Shape::Action,
                    core: sentence_case(rest),
                    years: None,
                    optional,
                })
            } else {
                None
            }
        }) {
            return need;
        }
        // "We're looking for someone who has …", "The ideal candidate knows …": said of the
        // candidate, so said to them.
        if let Some(need) = after_lead_in(&t, SAID_OF_THE_CANDIDATE, |rest| {
            if rest.is_empty() {
                None
            } else {
                let mut inner = Need::read(&format!("You {}", second_person(rest)));
                inner.optional |= optional;
                Some(inner)
            }
        }) {
            return need;
        }
        // "We're looking for …": what follows is the requirement.
        if let Some(need) = after_lead_in(&t, LOOKING_FOR, |rest| {
            if rest.is_empty() {
                None
            } else {
                let mut inner = Need::read(rest);
                inner.optional |= optional;
                Some(inner)
            }
        }) {
            return need;
        }
        // "You have …", "You are …", "We'd love …": what follows is the requirement, when it
        // reads as one on its own ("You have deep knowledge of Go"); otherwise the sentence is
        // kept whole ("You have shipped payment systems").
        if let Some(need) = after_lead_in(&t, SAID_TO_THE_CANDIDATE, |rest| {
            if rest.is_empty() {
                return None;
            }
            let inner = Need::read(rest);
            if inner.shape != Shape::Skill || reads_as_noun_phrase(rest) {
                Some(Need {
                    optional: inner.optional || optional,
                    ..inner
                })
            } else {
                None
            }
        }) {
            return need;
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
            Need::read("Kubernetes experience").object(),
            "Kubernetes experience",
            "a product name keeps its capital"
        );
    }
}
