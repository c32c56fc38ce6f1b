//! The readings of a candidate's words that help answer (a category by its member, a phrase, a
//! country by its city, a line just under the floor) and the cases they must never answer.

use super::tests::one_chunk;
use super::*;
use crate::rank::{self, Candidate, Thresholds};

#[test]
fn the_readings_that_help_answer_never_answer_what_is_not_stated() {
    for (question, section, text) in [
        // The pay guard reads the whole question, the asker's own sentences included.
        (
            "I currently earn £60k. Would you match that?",
            "Benefits",
            "- A 401(k) with a 4% company match",
        ),
        // "Off" in "day off" or "off-site" is not leave.
        (
            "How much vacation do I get?",
            "How we work",
            "- On-call one week in six, with one day off after each week\n- A quarterly off-site",
        ),
        // A time of day is an hour, not "full-time".
        (
            "Is this full-time?",
            "How we work",
            "- Core hours 10:00-16:00",
        ),
        // Asked how engineers are compensated, a line about a code base is no answer.
        (
            "How are engineers compensated?",
            "Stack",
            "- Our code base is Rust and we pay for conference travel",
        ),
        // "Move" is no relocation package, though the stem now meets "moving".
        (
            "Is there a relocation package if I move to Lisbon?",
            "Visas",
            "- We can sponsor a Portuguese work visa if you choose to move to Lisbon",
        ),
        // The EU stated is Europe asked only where Europe is no place of work.
        (
            "Do you have an office in Europe?",
            "Visas",
            "- If you come from outside the EU, we sponsor your visa",
        ),
        // Being part of a team counts no interview rounds; a challenge is no test.
        (
            "How many interview rounds are there?",
            "Your team",
            "- You will be part of a team of five",
        ),
        (
            "Is there a coding test?",
            "About you",
            "- You love a challenge",
        ),
        // Outside a hiring process, an assessment is no test and parts or stages are no rounds.
        (
            "Is there a test?",
            "What you'll do",
            "- Lead security assessments for our partners",
        ),
        (
            "How many interview rounds are there?",
            "What you'll do",
            "- You will own two parts of our billing platform",
        ),
        (
            "How many interview rounds are there?",
            "How we ship",
            "- Our CI pipeline has five stages",
        ),
        // A city's name that is a person's is no place.
        (
            "Can I work from Italy?",
            "Your team",
            "- You would report to Milan Novák, our Head of Platform",
        ),
        // A city states its own country, not another one, and a country says nothing of a city.
        (
            "Is the job based in Sweden?",
            "Where you work",
            "- Our office is in central Helsinki",
        ),
        (
            "Is the office in Helsinki?",
            "Where you work",
            "- Remote within Finland",
        ),
        // The pager's words meet the rota, not a line that merely says "call".
        (
            "How often would I carry the pager?",
            "Hiring",
            "- A short call with a recruiter",
        ),
    ] {
        let a = one_chunk(question, section, text);
        assert_eq!(a.text, NOT_STATED, "{question}: {a:#?}");
    }
}

#[test]
fn time_off_is_leave() {
    let a = one_chunk(
        "How much PTO would I actually get?",
        "Benefits",
        "- Flexible time off with a minimum of 20 days per year\n- A yearly learning budget",
    );
    assert!(a.text.contains("Flexible time off"), "{a:#?}");
    assert!(!a.text.contains("learning budget"), "{a:#?}");
}

#[test]
fn the_candidates_words_meet_the_job_descriptions() {
    for (question, section, text, answer) in [
        (
            "Will I have to write code live during the interviews?",
            "Hiring steps",
            "- A call with a recruiter\n- A live coding session in Scala with two engineers",
            "A live coding session",
        ),
        (
            "Who would be my line manager?",
            "Your team",
            "- Our Head of Platform is Laura Niemi, and you would report to her\n- We sit in Helsinki",
            "you would report to her",
        ),
        (
            "What cloud provider is the platform hosted with?",
            "Our stack",
            "- Scala services\n- Kubernetes in UpCloud data centres in Helsinki",
            "UpCloud data centres",
        ),
        (
            "What messaging system carries data between the sites and the core?",
            "Tech we use",
            "- Go agents at each site\n- NATS JetStream between the stations and the core",
            "NATS JetStream",
        ),
        (
            "Is there a training budget I can spend on courses?",
            "What we offer",
            "- No personal learning budget, but one conference a year\n- A laptop",
            "No personal learning budget",
        ),
        (
            "Do you sponsor visas for people from outside Europe?",
            "Visas",
            "- If you come from outside the EU, we sponsor your visa\n- Our office is central",
            "outside the EU",
        ),
        (
            "Is there any kind of background or security vetting before I can be hired?",
            "Hiring steps",
            "- A call with a recruiter\n- Every offer depends on a security clearance",
            "security clearance",
        ),
        (
            "Do you offer anything towards a gym membership?",
            "What we offer",
            "- Sports and culture benefit, usable at gyms and swimming halls\n- A laptop",
            "usable at gyms",
        ),
        (
            "Is there a take-home test in the hiring process?",
            "Hiring",
            "- A call with a recruiter\n- A take-home exercise, about four hours, paid",
            "A take-home exercise",
        ),
        (
            "How many interview rounds are there?",
            "Hiring",
            "- Our hiring process has three parts and takes two weeks\n- A laptop",
            "three parts",
        ),
        (
            "Is the job based in Finland?",
            "Where you work",
            "- Our office is in central Helsinki\n- A laptop",
            "central Helsinki",
        ),
        (
            "Can I work from the UK?",
            "Where you work",
            "- Hybrid, two days a week at our London office\n- A laptop",
            "London office",
        ),
        (
            "What is the base comp for this role?",
            "Salary and benefits",
            "- Salary between CHF 125,000 and CHF 150,000 a year\n- A train pass",
            "Salary between",
        ),
    ] {
        let a = one_chunk(question, section, text);
        assert!(a.text.contains(answer), "{question}: {a:#?}");
        assert!(!a.held, "{question}: {a:#?}");
    }
}

#[test]
fn a_line_vouches_for_its_chunk_when_it_shares_a_word_and_is_close_or_just_under() {
    let q = &crate::terms::content_stems(&crate::terms::plain_question(
        "Who would be my line manager?",
    ));
    let line = "You will report to the head of platform.";
    let about = "We were founded in 2019.";
    // "report to" names the manager; close enough in meaning, the line vouches.
    assert!(vouches(q, line, LINE_VOUCHES + 0.01, false));
    assert!(!vouches(q, line, LINE_VOUCHES - 0.01, false));
    // Just under the floor, the shared word is enough.
    assert!(vouches(q, line, 0.1, true));
    // Sharing none of the question's words, never.
    assert!(!vouches(q, about, LINE_VOUCHES + 0.2, false));
    assert!(!vouches(q, about, LINE_VOUCHES + 0.2, true));
}

/// Which near misses are vouched for: just under the floor by a shared word; further down, or
/// under the cosine floor (a chunk only the full-text search found), only by a line close in
/// meaning too.
#[test]
fn only_a_chunk_just_under_the_floor_passes_by_a_word_alone() {
    let q = "Who would be my line manager?";
    let cand = |id: &str, text: &str, cosine: Option<f32>, bm25: Option<f32>| Candidate {
        chunk_id: id.into(),
        position: 0,
        section: "The team".into(),
        text: text.into(),
        cosine,
        bm25,
        flagged: false,
    };
    let just = "You will report to the head of platform.";
    let far = "You would report to Laura.";
    let text_only = "Your line manager is Laura Niemi.";
    let ranked = rank::rank(
        q,
        &[
            cand("just", just, Some(0.19), None),
            cand("far", far, Some(0.13), None),
        ],
        &[cand("text-only", text_only, None, Some(100.0))],
        Thresholds::default(),
        true,
    );
    let score = |id: &str| {
        ranked
            .iter()
            .find(|s| s.candidate.chunk_id == id)
            .expect("ranked")
            .rerank
    };
    // The premises: all under the floor of 0.2; "just" within 0.05 of it, "far" not; the
    // text-only chunk within the margin by its score, but under the cosine floor.
    assert!(ranked.iter().all(|s| !s.passed), "{ranked:#?}");
    assert!(score("just") >= 0.15 && score("far") < 0.15 && score("text-only") >= 0.15);
    let near = rank::near_misses(q, &ranked, 3);
    let low = LineMeaning::new(
        [just, far, text_only]
            .iter()
            .map(|l| (l.trim_end_matches('.').to_owned() + ".", 0.1))
            .collect(),
    );
    assert_eq!(vouched(q, &near, &low, Thresholds::default()), vec!["just"]);
    let close = LineMeaning::new(
        [just, far, text_only]
            .iter()
            .map(|l| ((*l).to_owned(), LINE_VOUCHES + 0.01))
            .collect(),
    );
    let mut all = vouched(q, &near, &close, Thresholds::default());
    all.sort();
    assert_eq!(all, vec!["far", "just", "text-only"]);
}
