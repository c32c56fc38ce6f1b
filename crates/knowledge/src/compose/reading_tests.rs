//! The readings of a candidate's words that help answer (a category by its member, a phrase, a
//! country by its city, a line just under the floor) and the cases they must never answer.

use super::tests::one_chunk;
use super::*;
use crate::rank::{self, Candidate, Thresholds};

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
            "Would I have to be on call at weekends?",
            "How we work",
            "- A short call with the hiring manager\n- In summer the team takes turns to be reachable, about one Sunday in five",
            "about one Sunday in five",
        ),
        (
            "Which cloud provider do you host on?",
            "Systems",
            "- Python services on our own servers\n- We do not use a public cloud: our contracts keep the data in Austria",
            "We do not use a public cloud",
        ),
        (
            "Is health insurance included?",
            "Benefits",
            "- Hospitalisation insurance for you and your partner\n- A laptop",
            "Hospitalisation insurance",
        ),
        (
            "Can I WFH full time?",
            "Where you work",
            "- You can work fully remotely from anywhere in Spain\n- A laptop",
            "fully remotely",
        ),
        (
            "I live in Valencia. Could I do this job entirely from home?",
            "Where you work",
            "- You can work fully remote from any EU country\n- A laptop",
            "fully remote from any EU country",
        ),
        (
            "I only speak English, is that a problem?",
            "About you",
            "- Fluent English. Portuguese is not required, as English is our working language\n- Go or Rust",
            "Portuguese is not required",
        ),
        (
            "Could I work part-time, say four days a week?",
            "Conditions",
            "- A permanent contract; part-time at 80% is possible after probation\n- A laptop",
            "part-time at 80% is possible",
        ),
        (
            "Would I have to carry a pager and get woken up at night?",
            "How we work",
            "- Core hours are 10:00 to 16:00. There is no on-call rota.\n- We ship daily",
            "There is no on-call rota",
        ),
        (
            "Which cloud do you use, AWS or Azure?",
            "Systems",
            "- We run on our own servers, not in a public cloud, by contract\n- Go services",
            "not in a public cloud",
        ),
        (
            "How many salary payments do I get in a year?",
            "Pay",
            "- The salary is paid in fourteen instalments\n- A laptop",
            "fourteen instalments",
        ),
        (
            "Which search engine is the product built on?",
            "Systems",
            "- Search runs on Vespa, which replaced Elasticsearch\n- Go services",
            "Search runs on Vespa",
        ),
        (
            "What container orchestrator do you run?",
            "Systems",
            "- Everything runs on AWS, in Amazon EKS clusters\n- Go services",
            "Amazon EKS clusters",
        ),
        (
            "What health cover do you provide?",
            "Benefits",
            "- Group health and dental benefits from your first day\n- A laptop",
            "Group health and dental benefits",
        ),
        (
            "Can I work from home full-time, or do I need to come in?",
            "Where you work",
            "- Based at our studio, with three days a week in the office\n- French is not required",
            "three days a week in the office",
        ),
        (
            "How much on-call pay is there?",
            "How we work",
            "- On call: €300 per week\n- A laptop",
            "€300 per week",
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
/// meaning too, or (within the margin) by a line that states what the question asks in its
/// words ([`speaks_by_its_words`]).
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
    // Far from the meaning, "just" passes by its shared word, and the text-only chunk because
    // its line states all the question asks ("line manager"); "far" shares one word only.
    let mut by_words = vouched(q, &near, &low, Thresholds::default());
    by_words.sort();
    assert_eq!(by_words, vec!["just", "text-only"]);
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

#[test]
fn a_yes_or_no_is_answered_by_every_line_that_says_yes_or_no() {
    let a = one_chunk(
        "Will you sponsor a visa?",
        "Visas",
        "- We can sponsor a Portuguese work visa if you move to Lisbon\n- We do not sponsor visas for the other countries",
    );
    assert!(
        a.text.contains("We can sponsor a Portuguese work visa"),
        "{a:#?}"
    );
    assert!(a.text.contains("We do not sponsor visas"), "{a:#?}");
}

#[test]
fn a_line_speaks_by_its_words_when_it_states_two_of_the_questions_words_or_all() {
    let q = |s: &str| crate::terms::content_stems(&crate::terms::plain_question(s));
    let pager = q("How often is the pager rotation?");
    assert!(speaks_by_its_words(
        &pager,
        "You would be on call one week in seven"
    ));
    assert!(!speaks_by_its_words(&pager, "Key rotation is automated"));
    let holiday = q("How much holiday do I get?");
    assert!(speaks_by_its_words(
        &holiday,
        "You get thirty days of annual leave a year"
    ));
    // One word of two is not enough under the cosine floor.
    let manager = q("Who would be my line manager?");
    assert!(!speaks_by_its_words(
        &manager,
        "The production line runs day and night"
    ));
    assert!(speaks_by_its_words(
        &manager,
        "Your line manager is Laura Niemi"
    ));
}

#[test]
fn a_rate_is_not_what_a_quantity_question_asks() {
    let a = one_chunk(
        "How much is the learning budget per year?",
        "Benefits",
        "- A learning budget of 1,000 euros\n- 30 days of paid holiday per year",
    );
    assert!(
        a.text.contains("A learning budget of 1,000 euros"),
        "{a:#?}"
    );
    assert!(!a.text.contains("30 days"), "{a:#?}");
}
