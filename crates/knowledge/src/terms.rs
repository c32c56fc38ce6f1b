//! Word-level helpers shared by chunking, reranking, requirement extraction and the grounding
//! check, so that "matches" means the same thing everywhere.

/// Words that carry no meaning for matching a question to a passage.
const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "anything", "are", "as", "at",
    "be", "been", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "for",
    "from", "get", "had", "has", "have", "here", "how", "i", "if", "in", "into", "is", "it", "its",
    "me", "more", "my", "need", "of", "on", "or", "our", "out", "over", "role", "position", "job",
    "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "toward", "towards", "up", "us", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
    "you", "your", "yours", "tell", "know", "like", "much", "many", "team", "company", "work",
    "working",
];

/// Words that carry no meaning in a question when another word does: "How much PTO would I
/// actually get?" asks about PTO, "What is the policy for new parents?" about parents. Alone
/// ("What's the policy?") such a word is all the question asks, so it stays.
const FILLERS: &[&str] = &[
    "actually", "kind", "sort", "policy", "ever", "only", "possible", "still", "basis",
];

/// Questions a candidate tags onto what they said ("I only speak English, is that a
/// problem?"): they ask whether what was said matters, which the passage about it answers, and
/// their own words ("problem") are in no job description.
const TAGS: &[&str] = &[
    "is that a problem",
    "is that an issue",
    "is that ok",
    "is that okay",
    "is that fine",
    "does that matter",
    "would that matter",
    "will that matter",
    "would that be a problem",
    "will that be a problem",
    "would that be an issue",
    "is that a dealbreaker",
    "is that a deal breaker",
    "is that a deal-breaker",
];

/// Words that open an example the candidate offers ("Could I work part-time, say four days a
/// week?"): what follows, to the end of its sentence, is one possible answer, not what is
/// asked.
const EXAMPLES: &[&str] = &[
    ", say ",
    ", e.g. ",
    ", for example ",
    ", for instance ",
    ", like ",
];

/// The question without the tags of [`TAGS`] and the examples of [`EXAMPLES`].
fn without_tags(question: &str) -> String {
    let mut out = question.to_owned();
    for tag in TAGS {
        while let Some(at) = out.to_ascii_lowercase().find(tag) {
            out.replace_range(at..at + tag.len(), "");
        }
    }
    for example in EXAMPLES {
        while let Some(at) = out.to_ascii_lowercase().find(example) {
            let from = at + example.len();
            let end = out[from..]
                .find(['?', '.', '!'])
                .map_or(out.len(), |e| from + e);
            out.replace_range(at..end, "");
        }
    }
    out
}

/// Lowercased alphanumeric words (keeping `+`, `#` and `.` inside words such as `c++`, `c#`,
/// `node.js`), in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#' || c == '.'))
        .map(|w| w.trim_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A crude English stem: enough to let "indexes" meet "index" and "deploying" meet "deploy",
/// not so much that "pay" meets "payments".
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    // Other spellings of one word: "a yearly bonus" is an annual one, "k8s" is Kubernetes.
    match w.as_str() {
        "yearly" | "annually" => return "annual".to_owned(),
        "k8s" => return "kubernet".to_owned(),
        _ => {}
    }
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                return match suffix {
                    "ies" => format!("{base}y"),
                    _ => without_silent_e(base),
                };
            }
        }
    }
    without_silent_e(&w)
}

/// A word's final "e" dropped, so that "code" meets "coding" and "leave" meets "leaves" (both
/// lose it, or never had it); kept on words of three letters ("use", "fee").
fn without_silent_e(word: &str) -> String {
    match word.strip_suffix('e') {
        Some(base) if base.chars().count() >= 3 => base.to_owned(),
        _ => word.to_owned(),
    }
}

/// What a question asks, for matching its words to a passage's: without the sentences in which
/// the candidate only describes themself ("I'm not an EU citizen. Can you help me get a work
/// permit?" asks about a permit, not citizenship), and with paying for a cost read as covering
/// it. Checks for facts the question names still read the whole question ("I live in Glasgow.
/// Is there an office near me?").
pub fn plain_question(question: &str) -> String {
    let about_the_asker = |s: &str| {
        let lower = s.to_lowercase().replace('\u{2019}', "'");
        !s.ends_with('?')
            && ["i ", "i'm ", "i'd ", "i've ", "my "]
                .iter()
                .any(|p| lower.starts_with(p))
    };
    let kept: Vec<String> = crate::chunk::sentences(question)
        .into_iter()
        .filter(|s| !about_the_asker(s))
        .collect();
    let asked = if kept.is_empty() {
        question.to_owned()
    } else {
        kept.join(" ")
    };
    let asked = paying_for_a_cost_as_cover(&without_tags(&asked));
    let without_fillers = asked
        .split_whitespace()
        .filter(|w| {
            let bare = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            !FILLERS.contains(&bare.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ");
    if content_stems(&without_fillers).is_empty() {
        asked
    } else {
        without_fillers
    }
}

/// Things a company pays for that are not pay: asked "Will you pay for a certification?", a
/// passage saying a budget covers the exam answers, and the question is not about salary.
const COSTS: &[&str] = &[
    "certification",
    "certificate",
    "certificates",
    "course",
    "courses",
    "training",
    "conference",
    "exam",
    "relocation",
    "flight",
    "travel",
    "equipment",
    "laptop",
    "book",
    "visa",
    "ticket",
    "gym",
    "membership",
    "lunch",
    "meal",
    "childcare",
    "internet",
    "phone",
    "phones",
    "tuition",
    "degree",
    "degrees",
    "commute",
    "commuting",
    "transport",
    "parking",
    "cost",
    "expense",
    "expenses",
    "license",
    "licenses",
];

/// "Pay for" a cost named right after it ("pay for a certification", "paid for my flights")
/// reads as "cover", when "pay" is a verb. Only a listed cost, and not "pay" as a noun: "What do
/// you pay for a senior engineer?", "the pay for the training period" and "extra pay for
/// conference talks" stay questions about pay. The topic guard reads the question through this
/// alone, never without the asker's own sentences.
pub fn paying_for_a_cost_as_cover(question: &str) -> String {
    let words: Vec<&str> = question.split_whitespace().collect();
    let is_cost = |w: &str| {
        let w = stem(w.trim_matches(|c: char| !c.is_alphanumeric()));
        COSTS.iter().any(|c| stem(c) == w)
    };
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let noun = i > 0
            && matches!(
                words[i - 1].to_lowercase().as_str(),
                "the"
                    | "a"
                    | "an"
                    | "any"
                    | "extra"
                    | "more"
                    | "your"
                    | "my"
                    | "our"
                    | "their"
                    | "base"
                    | "of"
                    | "is"
                    | "what's"
                    | "whats"
            );
        let paying = !noun && matches!(words[i].to_lowercase().as_str(), "pay" | "pays" | "paid");
        let object = words[(i + 2).min(words.len())..]
            .iter()
            .find(|w| !matches!(w.to_lowercase().as_str(), "a" | "an" | "the" | "my" | "any"));
        if paying
            && words
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("for"))
            && object.is_some_and(|o| is_cost(o))
        {
            out.push("cover");
            i += 2;
        } else {
            out.push(words[i]);
            i += 1;
        }
    }
    out.join(" ")
}

/// The question with the words job descriptions use beside a candidate's own, for the searches
/// (the question's vector and its full-text match): "Will I get paged at night?" is asked in a
/// word that no job description uses for its on-call rota, and MiniLM does not bring the two
/// close. Words are added, never replaced, so what was asked is still searched for.
pub fn with_job_description_words(question: &str) -> String {
    const ALSO: &[(&str, &str)] = &[
        ("pager", "on call"),
        ("paged", "on call"),
        ("paging", "on call"),
    ];
    let asked = words(question);
    let mut out = question.to_owned();
    for (word, also) in ALSO {
        if asked.iter().any(|w| w == word) {
            out.push_str(&format!(" ({also})"));
        }
    }
    out
}

pub fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

/// The stems of the words that carry meaning, deduplicated, in order of first appearance,
/// with two-word terms as one stem ([`COMPOUNDS`]).
pub fn content_stems(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in word_stems(text) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Two words that are one term, and the one stem they are read as: asked "Is there any
/// on-call?", a line about "a 30-minute screening call" shares no word with the question;
/// asked "Can I WFH full time?", "full" is not "full ownership"; "come in" is going to the
/// office.
const COMPOUNDS: &[(&str, &str, &str)] = &[
    ("on", "call", "on-call"),
    ("full", "time", "full-time"),
    // "Do I need to come in?" asks about the office (the remote category names it).
    ("come", "in", "come-in"),
    // "What health cover do you provide?" asks about health insurance.
    ("health", "cover", "insurance"),
    ("medical", "cover", "insurance"),
];

/// The stem of each word that carries meaning, in order and with repeats, two-word terms
/// ([`COMPOUNDS`]) joined: what [`content_stems`] deduplicates, and what a window of words
/// around a number is read as.
pub fn word_stems(text: &str) -> Vec<String> {
    let all = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let w = &all[i];
        i += 1;
        if let Some((_, _, joined)) = COMPOUNDS
            .iter()
            .find(|(a, b, _)| w == a && all.get(i).is_some_and(|n| n == b))
        {
            i += 1;
            out.push(stem(joined));
        } else if w.chars().count() >= 2 && !is_stop(w) {
            out.push(stem(w));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_word_terms_are_one_stem() {
        assert_eq!(
            content_stems("Is there any on-call or weekend work?"),
            vec!["on-call", "weekend"]
        );
        assert_eq!(
            content_stems("A 30-minute screening call"),
            vec!["30", "minut", "screen", "call"]
        );
        assert_eq!(
            content_stems("Is this full time?"),
            content_stems("It is full-time")
        );
        assert_ne!(
            content_stems("fully remote")[0],
            content_stems("full-time")[0]
        );
    }

    #[test]
    fn tags_and_offered_examples_are_not_asked() {
        assert_eq!(
            plain_question("Could I work part-time, say four days a week?"),
            "Could I work part-time?"
        );
        assert_eq!(
            plain_question("I only speak English, is that a problem?"),
            "I speak English, ?"
        );
        // "Offer" stays: without it, "Do you offer a car lease?" is half answered by a bike
        // lease.
        assert_eq!(
            plain_question("Do you offer a gym membership?"),
            "Do you offer a gym membership?"
        );
    }

    #[test]
    fn a_silent_e_is_no_difference() {
        assert_eq!(stem("coding"), stem("code"));
        assert_eq!(stem("leaves"), stem("leave"));
        assert_eq!(stem("compensated"), stem("compensate"));
        // Short words keep their e, and plurals still meet their singular.
        assert_eq!(stem("use"), "use");
        assert_eq!(stem("fee"), "fee");
        assert_eq!(stem("indexes"), stem("index"));
    }

    #[test]
    fn pager_words_are_searched_with_the_rota_words() {
        assert!(with_job_description_words("Will I get paged at night?").contains("on call"));
        assert!(with_job_description_words("Who carries the pager?").contains("on call"));
        // Only those words, and the question itself is kept.
        assert_eq!(
            with_job_description_words("How big is the team?"),
            "How big is the team?"
        );
        assert!(with_job_description_words("Is there a page on the wiki?").ends_with('?'));
    }

    #[test]
    fn stems_meet_their_plural_but_pay_does_not_meet_payments() {
        assert_eq!(stem("indexes"), stem("index"));
        assert_eq!(stem("deploying"), "deploy");
        assert_eq!(stem("policies"), "policy");
        assert_ne!(stem("pay"), stem("payments"));
    }

    #[test]
    fn a_question_is_read_without_what_the_asker_says_about_themself() {
        assert_eq!(
            plain_question("I'm not an EU citizen. Can you help me get a work permit?"),
            "Can you help me get a work permit?"
        );
        // A question that is only a statement keeps it.
        assert_eq!(
            plain_question("I'd like to know the salary."),
            "I'd like to know the salary."
        );
        // Context that is not about the asker stays.
        assert_eq!(
            plain_question("The ad mentions on-call. How often is it?"),
            "The ad mentions on-call. How often is it?"
        );
    }

    #[test]
    fn paying_for_a_cost_is_covering_it_but_pay_for_a_role_is_pay() {
        assert_eq!(
            plain_question("Will the company pay for a certification like OSCP?"),
            "Will the company cover a certification like OSCP?"
        );
        assert_eq!(
            plain_question("Do you pay for my flights?"),
            "Do you cover my flights?"
        );
        for pay in [
            "What do you pay for a senior engineer?",
            "What is the pay for this role?",
            "What is the pay for the training period?",
            "Is there extra pay for conference talks?",
            "How much would you pay for someone with five years?",
        ] {
            assert_eq!(plain_question(pay), pay);
        }
    }

    #[test]
    fn fillers_go_only_when_something_else_is_asked() {
        assert_eq!(
            plain_question("How much PTO would I actually get?"),
            "How much PTO would I get?"
        );
        assert_eq!(
            plain_question("What is the policy for new parents?"),
            "What is the for new parents?"
        );
        assert_eq!(plain_question("What's the policy?"), "What's the policy?");
    }

    #[test]
    fn content_words_drop_stop_words_and_keep_technologies() {
        assert_eq!(
            content_stems("What is the on-call rotation for the C++ and Node.js services?"),
            vec!["on-call", "rotation", "c++", "node.j", "servic"]
        );
    }
}
