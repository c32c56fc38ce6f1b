//! Every question, follow-up and competency label built from the requirement lines in
//! `tests/data/requirement_lines.tsv` reads as English: rule tests on each, plus a reviewed
//! snapshot of them all (`tests/snapshots/questions.txt`; rewrite it with
//! `UPDATE_SNAPSHOTS=1` and review the diff before committing).

use rehearse_interview::flow::{Difficulty, FollowUpReason, Kind};
use rehearse_interview::need::{Need, Shape};
use rehearse_interview::questions::{follow_up, main_question};
use rehearse_interview::roles::Requirement;
use rehearse_knowledge::Competency;
use std::collections::HashSet;

struct Line {
    shape: Shape,
    optional: bool,
    text: String,
}

fn corpus() -> Vec<Line> {
    include_str!("data/requirement_lines.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let shape = match parts.next() {
                Some("action") => Shape::Action,
                Some("experience") => Shape::Experience,
                Some("skill") => Shape::Skill,
                Some("technologies") => Shape::Technologies,
                Some("statement") => Shape::Statement,
                other => panic!("unknown shape {other:?} in {l:?}"),
            };
            let optional = parts.next() == Some("optional");
            let text = parts.next().expect("a requirement").to_owned();
            Line {
                shape,
                optional,
                text,
            }
        })
        .collect()
}

fn requirement(text: &str) -> Requirement {
    Requirement {
        id: "r1".into(),
        competency: Competency::of(text).label().into(),
        text: text.into(),
        keywords: Vec::new(),
        source: None,
        expected_points: Vec::new(),
    }
}

/// Everything the interviewer can say about one requirement.
fn said(r: &Requirement) -> Vec<String> {
    let mut out = Vec::new();
    for kind in [Kind::Technical, Kind::SystemDesign, Kind::Behavioural] {
        for difficulty in [Difficulty::Junior, Difficulty::Mid, Difficulty::Senior] {
            out.push(main_question(r, kind, difficulty));
        }
    }
    out.push(follow_up(r, FollowUpReason::Short));
    out.push(follow_up(r, FollowUpReason::OffTopic));
    out
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-' || c == '+'))
        .map(|w| w.trim_matches(['\'', '-']).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The words the frames themselves bring: taken from what is said about a neutral requirement
/// of each shape, so the check below catches any word that is neither the job description's
/// nor the frame's (a stem such as "operat", an id such as "r3").
fn frame_words() -> HashSet<String> {
    let mut out = HashSet::new();
    for probe in [
        "Build the qux",
        "Nice to have: build qux",
        "5+ years building qux",
        "Two years' experience in qux",
        "Experience with Qux",
        "Strong qux",
        "Knowledge of qux",
        "Qux, Zork",
        "Nice to have: qux",
        "Comfortable with qux",
        "Familiar with qux",
        "Fluent in qux",
        "Proficient in qux",
        "Passionate about qux",
        "Bonus points for zorking qux",
        "Qux experience",
        "Strong Qux or Zork",
        "You know qux",
        "Minimum 2 years in qux",
        "Ideally, you know qux",
    ] {
        for line in said(&requirement(probe)) {
            out.extend(words(&line));
        }
    }
    for verb in ["zork", "qux", "zorking"] {
        out.remove(verb);
    }
    out
}

#[test]
fn the_corpus_is_large_and_varied() {
    let lines = corpus();
    assert!(lines.len() >= 60, "{} lines", lines.len());
    for shape in [
        Shape::Action,
        Shape::Experience,
        Shape::Skill,
        Shape::Technologies,
        Shape::Statement,
    ] {
        assert!(lines.iter().any(|l| l.shape == shape), "no {shape:?} line");
    }
    assert!(lines.iter().any(|l| l.optional));
}

#[test]
fn each_line_is_read_in_its_own_shape() {
    for line in corpus() {
        let need = Need::read(&line.text);
        assert_eq!(need.shape, line.shape, "{:?} read as {need:?}", line.text);
        assert_eq!(
            need.optional, line.optional,
            "{:?} read as {need:?}",
            line.text
        );
    }
}

#[test]
fn every_question_is_one_question_in_whole_words() {
    let frame = frame_words();
    for line in corpus() {
        let r = requirement(&line.text);
        let own: HashSet<String> = words(&line.text).into_iter().collect();
        for text in said(&r) {
            assert_eq!(
                text.matches('?').count(),
                1,
                "not a single question: {text}"
            );
            assert!(
                text.ends_with('?'),
                "does not end with its question: {text}"
            );
            assert!(
                !text.contains("  ") && !text.contains(" ,") && !text.contains(".."),
                "{text}"
            );
            assert!(!text.contains(';'), "a semicolon list left as is: {text}");
            for w in words(&text) {
                assert!(
                    own.contains(&w) || frame.contains(&w),
                    "{w:?} is neither the requirement's word nor the frame's: {text}"
                );
            }
            // A verb frame only around a verb phrase.
            if line.shape != Shape::Action || line.optional {
                for frame in [
                    "asks you to",
                    "had to",
                    "a team that must",
                    "how you would",
                    "asks for you",
                ] {
                    assert!(
                        !text.contains(frame),
                        "{frame:?} around a noun phrase: {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn competency_labels_come_from_the_closed_list() {
    for line in corpus() {
        let label = Competency::of(&line.text).label();
        assert!(Competency::from_label(label).is_some(), "{label}");
    }
}

#[test]
fn the_reviewed_snapshot_still_holds() {
    let mut out = String::new();
    for line in corpus() {
        let r = requirement(&line.text);
        out.push_str(&format!("## {}\n", line.text));
        out.push_str(&format!("competency: {}\n", r.competency));
        out.push_str(&format!(
            "technical: {}\n",
            main_question(&r, Kind::Technical, Difficulty::Mid)
        ));
        out.push_str(&format!(
            "behavioural: {}\n",
            main_question(&r, Kind::Behavioural, Difficulty::Mid)
        ));
        out.push_str(&format!(
            "design: {}\n",
            main_question(&r, Kind::SystemDesign, Difficulty::Mid)
        ));
        out.push_str(&format!(
            "short: {}\n",
            follow_up(&r, FollowUpReason::Short)
        ));
        out.push_str(&format!(
            "off topic: {}\n\n",
            follow_up(&r, FollowUpReason::OffTopic)
        ));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/questions.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &out).expect("write the snapshot");
        return;
    }
    let stored =
        std::fs::read_to_string(path).expect("the snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert!(
        stored == out,
        "the questions changed: rerun with UPDATE_SNAPSHOTS=1, review tests/snapshots/questions.txt and commit it"
    );
}
