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
mod tests;
