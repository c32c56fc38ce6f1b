//! The rules that find a passing chunk about the topic but not an answer to what was asked: a
//! fact the question names that no passage states (a place, a technology, a benefit, a number
//! with its unit), or a quantity asked where no passage puts a number next to what was asked.

use crate::grounding;

const QUANTITY: &[&str] = &[
    "how many",
    "how much",
    "how long",
    "how big",
    "how large",
    "how often",
    "what percentage",
    "what size",
    "number of",
];

/// Whether the question asks for a quantity ("how many", "how big", "how often").
pub(super) fn asks_quantity(question: &str) -> bool {
    let lower = question.to_lowercase();
    QUANTITY.iter().any(|q| lower.contains(q))
}

/// When the question names a checkable fact (a place, a technology, a benefit) that none of
/// the passing chunks mentions, or asks "how many" and no chunk puts a number next to what was
/// asked about, the chunks are about the topic but do not answer the question: say so.
pub(super) fn asked_fact_missing(
    question: &str,
    texts: &[String],
    counted_by_meaning: bool,
) -> Option<String> {
    let evidence = texts.join("\n");
    let places = places_asked(question);
    for claim in grounding::claims(question) {
        if claim.kind == grounding::ClaimKind::Location
            && !grounding::contains_phrase(&places, &claim.text)
        {
            continue;
        }
        if matches!(
            claim.kind,
            grounding::ClaimKind::Location
                | grounding::ClaimKind::Technology
                | grounding::ClaimKind::Benefit
        ) && !grounding::check(&claim.text, &[evidence.as_str()]).passed()
            && !named_by_member(&claim.text, &evidence)
            && !named_otherwise(&claim.text, &evidence)
            && !grounding::stated_by_its_city(&claim.text, &evidence)
            && !offered_for_which(question, &claim.text, &evidence)
        {
            return Some(format!(
                "the question asks about {}, which no passage mentions",
                claim.text
            ));
        }
    }
    if let Some(name) = named_but_missing(&places, &evidence) {
        return Some(format!(
            "the question names {name}, which no passage mentions"
        ));
    }
    if let Some(n) = counted_but_missing(question, &evidence) {
        return Some(format!(
            "the question asks about {n} of something, which no passage states"
        ));
    }
    if asks_quantity(question) {
        let asked = without_rates(crate::terms::content_stems(question));
        // A number within three words of what was asked, or in the same clause as the thing
        // counted.
        let near = texts.iter().any(|t| {
            let words = crate::terms::words(t);
            words.iter().enumerate().any(|(i, w)| {
                if grounding::numbers(w).is_empty() {
                    return false;
                }
                let around = &words[i.saturating_sub(3)..(i + 4).min(words.len())];
                let mut window = crate::terms::word_stems(&around.join(" "));
                // The members stated as phrases ("three parts": rounds) count here too.
                window.extend(crate::categories::phrase_members(&around.join(" ")));
                asked.iter().any(|a| crate::categories::covers(a, &window))
            })
        }) || counted_thing(question).is_some_and(|thing| {
            texts.iter().flat_map(|t| clauses(t)).any(|clause| {
                let words = crate::terms::words(clause);
                let mut stems = crate::terms::word_stems(clause);
                stems.extend(crate::categories::phrase_members(clause));
                words.iter().any(|w| !grounding::numbers(w).is_empty())
                    && crate::categories::covers(&thing, &stems)
            })
        });
        if !near && !counted_by_meaning {
            return Some(
                "the question asks for a quantity and no passage states one for it".into(),
            );
        }
    }
    None
}

/// A quantity question's content stems without its rate ("How much is the learning budget per
/// year?": the year is the rate, not what is counted), so "30 days of holiday per year" neither
/// puts a number next to what was asked nor is the line that answers. Kept whole when the rate
/// is all it asks.
pub(super) fn without_rates(asked: Vec<String>) -> Vec<String> {
    const RATES: &[&str] = &[
        "per", "year", "yearly", "annual", "month", "monthly", "week", "weekly",
    ];
    let rates: Vec<String> = RATES.iter().map(|r| crate::terms::stem(r)).collect();
    let counted: Vec<String> = asked
        .iter()
        .filter(|a| !rates.contains(a))
        .cloned()
        .collect();
    if counted.is_empty() {
        asked
    } else {
        counted
    }
}

/// `words` with a compound number word made one again: "twenty", "four" is "twenty-four"
/// (24 to [`grounding::numbers`], not 20 and 4).
fn joined_compounds(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for w in words {
        match out.last_mut() {
            Some(last) if grounding::compound_number(last, &w).is_some() => {
                last.push('-');
                last.push_str(&w);
            }
            _ => out.push(w),
        }
    }
    out
}

/// A question without the sentences in which the asker tells about themself: "I have two kids
/// and we're adopting a third. How long is parental leave?" asks only the last. Only a
/// sentence that does not ask ("?") and opens with "I", "we", "my" or "our" is left out; a
/// question with nothing else is kept whole, and "Tell me about the 4-day week. Is it every
/// week?" keeps its first sentence.
pub(super) fn asked_sentences(question: &str) -> String {
    let mut sentences = Vec::new();
    let mut start = 0;
    for (i, c) in question.char_indices() {
        let end = i + c.len_utf8();
        let next_is_space = question[end..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace);
        if matches!(c, '.' | '!' | '?') && next_is_space {
            sentences.push(question[start..end].trim());
            start = end;
        }
    }
    if !question[start..].trim().is_empty() {
        sentences.push(question[start..].trim());
    }
    const ABOUT_THEMSELF: &[&str] = &[
        "i", "i'm", "i’m", "i've", "i’ve", "i'd", "i'll", "we", "we're", "we’re", "we've", "my",
        "our",
    ];
    let about_themself = |s: &str| {
        !s.ends_with('?')
            && s.split_whitespace()
                .next()
                .is_some_and(|w| ABOUT_THEMSELF.contains(&w.to_lowercase().as_str()))
    };
    let asking: Vec<&str> = sentences
        .iter()
        .copied()
        .filter(|s| !about_themself(s))
        .collect();
    if asking.is_empty() || asking.len() == sentences.len() {
        question.to_owned()
    } else {
        asking.join(" ")
    }
}

/// The part of a question whose places are asked about: the asker's own sentences name where
/// they live ("I live in Valencia. Could I do this job entirely from home?" asks about working
/// from home, not about Valencia), unless what is asked refers back to it ("I live in Glasgow.
/// Is there an office near me?"), when the whole question is.
fn places_asked(question: &str) -> String {
    const BACK_TO_THE_ASKER: &[&str] = &[
        "near me",
        "close to me",
        "nearby",
        "near here",
        "near where i live",
        "where i live",
        "where i am",
        "my city",
        "my town",
        "my area",
        "my country",
        "from here",
        "local",
    ];
    let asked = asked_sentences(question);
    let lower = asked.to_lowercase();
    // "Do you have an office there?" points back; "Is there an office?" does not.
    let mut points_there = false;
    let words = crate::terms::words(&lower);
    for (i, w) in words.iter().enumerate() {
        let existential = (i > 0
            && ["is", "are", "was", "were", "will", "would"].contains(&words[i - 1].as_str()))
            || words
                .get(i + 1)
                .is_some_and(|n| ["is", "are", "will"].contains(&n.as_str()));
        if w == "there" && !existential {
            points_there = true;
        }
    }
    if points_there || BACK_TO_THE_ASKER.iter().any(|b| lower.contains(b)) {
        question.to_owned()
    } else {
        asked
    }
}

/// The thing a "how many", "how much" or "number of" question counts, as a stem: its first
/// content word after those words ("how much vacation time": vacation; "how many people are
/// on the security team": people, not security).
fn counted_thing(question: &str) -> Option<String> {
    let words = crate::terms::words(question);
    let at = words.windows(2).position(|w| {
        matches!(
            (w[0].as_str(), w[1].as_str()),
            ("how", "many") | ("how", "much") | ("number", "of")
        )
    })?;
    // Not a rate: "How many weeks of parental leave?" counts leave, not weeks.
    const RATES: &[&str] = &["week", "month", "year", "day"];
    let stems = crate::terms::word_stems(&words[at + 2..].join(" "));
    stems
        .iter()
        .find(|s| !RATES.contains(&s.as_str()))
        .or(stems.first())
        .cloned()
}

/// The clauses of a passage: its lines, cut at the end of a sentence and at a semicolon, comma
/// or colon followed by a space ("€2,000" stays whole). A number answers "how much" or "how
/// many" only in the same clause as what was asked ("28 days of paid holiday" for "how much
/// vacation"), not from a clause beside it; and only with the thing counted in that clause
/// ([`counted_thing`]), not just a word of the topic ("one week in eight" is not a headcount
/// because its clause says "security").
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .flat_map(|l| l.split(". ").flat_map(|s| s.split("; ")))
        .flat_map(|s| s.split(", ").flat_map(|c| c.split(": ")))
        .filter(|c| !c.trim().is_empty())
}

/// Whether every content word of a claim the question makes ("a pension") is in the evidence,
/// itself or as a member of the category it names ("a 401(k) plan").
fn named_by_member(claim: &str, evidence: &str) -> bool {
    let have = crate::terms::content_stems(evidence);
    let asked = crate::terms::content_stems(claim);
    !asked.is_empty() && asked.iter().all(|a| crate::categories::covers(a, &have))
}

/// Whether a claim is a candidate's guess at what a "which" question asks ("Which cloud do you
/// use, AWS or Azure?": a member of the category asked) and the evidence says there is none of
/// the category ("not in a public cloud"): that passage answers. Not when it names another
/// member: "Which queue do the product services use, RabbitMQ or SQS?" is not answered by
/// Kafka in the logging pipeline.
fn offered_for_which(question: &str, claim: &str, evidence: &str) -> bool {
    crate::categories::asked_for(question).is_some_and(|c| {
        crate::categories::names_member(&c, &crate::terms::content_stems(claim))
            && evidence
                .lines()
                .any(|l| crate::categories::states_absence(&c, l))
    })
}

/// Whether the evidence names the place or benefit a question names by its other name:
/// "outside Europe" asked, "outside the EU" stated; "health insurance" asked, "hospitalisation
/// insurance" stated. Only a region's names, not a country's adjective ("Finnish" says nothing
/// about an office in Finland), and only insurance's names for health insurance, not "private
/// medical records".
fn named_otherwise(claim: &str, evidence: &str) -> bool {
    const OTHER_NAMES: &[(&str, &[&str])] = &[
        ("europe", &["EU", "EEA", "European Union"]),
        (
            "health insurance",
            &[
                "hospitalisation insurance",
                "hospitalization insurance",
                "medical insurance",
                "medical cover",
            ],
        ),
    ];
    OTHER_NAMES.iter().any(|(place, others)| {
        claim.eq_ignore_ascii_case(place)
            && others
                .iter()
                .any(|o| grounding::contains_phrase(evidence, o))
    })
}

/// A place the question names ("an office in Glasgow", "based at Canary Wharf": a capitalised
/// word after "in", "at" or "near") that no passage mentions: the passages are about where the
/// team works, not about the place asked. Only such places: a name elsewhere in a question
/// ("I'm not an EU citizen") is context, not what is asked.
fn named_but_missing(question: &str, evidence: &str) -> Option<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    // "Could I work out of your Dundee office?": a capitalised word right before a place of
    // work names a place too.
    const WORKPLACES: &[&str] = &[
        "office", "offices", "studio", "hub", "site", "campus", "branch",
    ];
    for (i, pair) in words.windows(2).enumerate() {
        let before = pair[0].to_lowercase();
        let word = pair[1].trim_matches(|c: char| !c.is_alphanumeric());
        let before_a_workplace = words.get(i + 2).is_some_and(|w| {
            WORKPLACES.contains(
                &w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
                    .as_str(),
            )
        });
        if (["in", "at", "near"].contains(&before.as_str())
            || (before_a_workplace && ["your", "the", "a", "an", "our"].contains(&before.as_str())))
            && word.len() > 1
            && word.chars().next().is_some_and(char::is_uppercase)
            && !grounding::contains_phrase(evidence, word)
            && !grounding::stated_by_its_city(word, evidence)
        {
            return Some(word.to_owned());
        }
    }
    None
}

/// A number the question asks about with its unit ("a four-day week": 4 and "day") that no
/// passage states with that unit: a passage that says "4:00" or "four times" does not answer.
/// Only the numbers of what is asked: a candidate who first says "I have two kids" and then
/// asks how long parental leave is asks about no number.
fn counted_but_missing(question: &str, evidence: &str) -> Option<f64> {
    let asked = joined_compounds(crate::terms::words(&asked_sentences(question)));
    let stated = joined_compounds(crate::terms::words(evidence));
    let units_near = |words: &[String], i: usize| -> Vec<String> {
        words[i + 1..(i + 3).min(words.len())]
            .iter()
            .map(|w| crate::terms::stem(w))
            .collect()
    };
    let value_of = |w: &str| grounding::numbers(w).first().copied();
    let stated_values = grounding::numbers(evidence);
    for (i, w) in asked.iter().enumerate() {
        // `words` splits at hyphens: "a four-day week" is "four", "day", "week".
        let unit = units_near(&asked, i).into_iter().next();
        let Some(value) = value_of(w) else {
            continue;
        };
        // "Could I work part-time, say four days a week?" offers an example: a passage about
        // part-time work answers, whatever share it states.
        const OFFERED: &[&str] = &["say", "e.g", "eg", "example", "maybe", "perhaps"];
        if asked[i.saturating_sub(2)..i]
            .iter()
            .any(|b| OFFERED.contains(&b.as_str()))
        {
            continue;
        }
        // "twelve or thirteen payments" asks which: a passage that states one of them, with
        // whatever unit, answers; one that states neither does not ("a 4 or 5 day week").
        let other = if i >= 2 && asked[i - 1] == "or" {
            value_of(&asked[i - 2])
        } else if asked.get(i + 1).is_some_and(|w| w == "or") {
            asked.get(i + 2).and_then(|w| value_of(w))
        } else {
            None
        };
        if other.is_some_and(|o| stated_values.contains(&o) || stated_values.contains(&value)) {
            continue;
        }
        let Some(unit) = unit.filter(|u| !crate::terms::is_stop(u)) else {
            continue;
        };
        let found = stated.iter().enumerate().any(|(j, s)| {
            grounding::numbers(s).contains(&value) && units_near(&stated, j).contains(&unit)
        });
        if !found {
            return Some(value);
        }
    }
    None
}
