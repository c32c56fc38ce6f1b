//! The eval sets (default, held-out, the six blind ones and the adversarial one), each on a knowledge base of its
//! own, against their floors.

use crate::fixture::{fixture, Store};
use rehearse_testkit::Backend;
use std::path::Path;

/// Runs the eval set in `dir` on a knowledge base of its own (so no other set's chunks answer
/// its questions).
async fn eval(dir: &Path, which: &str) -> rehearse_knowledge::eval::Report {
    let f = fixture(Backend::Sqlite, Store::Embedded).await;
    rehearse_knowledge::eval::run(&f.kb, dir, "eval@example.com")
        .await
        .unwrap_or_else(|e| panic!("{which} eval runs: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eval_set_scores_and_never_answers_the_unanswerable() {
    let report = eval(&rehearse_knowledge::eval::default_dir(), "the").await;
    println!("{report}");
    assert!(
        report.reranked.unflagged_unanswerable.is_empty(),
        "{report}"
    );
    assert!(report.reranked.answerable >= 50 && report.reranked.unanswerable >= 25);
    assert!(report.reranked.recall_at_5 >= 0.8, "{report}");
    assert!(
        report.reranked.mrr > report.fused.mrr,
        "reranking must beat fusion alone: {report}"
    );
    // Today 0.964 (README); the floor is one question under it, above the target of
    // 0.9: a change that loses two answers fails here.
    assert!(report.reranked.answered_correctly >= 0.94, "{report}");
    assert_eq!(report.reranked.declined_or_held, 1.0, "{report}");

    // The held-out set, in a store of its own so the first set's chunks answer nothing here.
    let report = eval(
        &rehearse_knowledge::eval::held_out_dir(),
        "the held-out (a PDF among its job descriptions)",
    )
    .await;
    println!("{report}");
    assert!(report.reranked.answerable >= 30 && report.reranked.unanswerable >= 10);
    assert!(
        report.reranked.unflagged_unanswerable.is_empty(),
        "{report}"
    );
    // The target again: today 0.969, a question above it.
    assert!(report.reranked.answered_correctly >= 0.93, "{report}");

    // The other sets: only their figures are checked here (README). Each floor is about one
    // question under today's figure (0.886, 0.911, 0.957, 1.000, 0.804 and 0.689). The first
    // four decline every unanswerable question. The fifth (read) and the sixth (the honest
    // one: nobody who changes the answerer reads it) answer some of their sixteen
    // unanswerable questions (three and two): that is held here as a ceiling, so it cannot
    // grow unseen, and is the README's first open item.
    for (dir, which, floor, answered_unanswerable) in [
        (
            rehearse_knowledge::eval::blind_dir(),
            "the first blind",
            0.86,
            0,
        ),
        (
            rehearse_knowledge::eval::blind_2_dir(),
            "the second blind",
            0.88,
            0,
        ),
        (
            rehearse_knowledge::eval::blind_3_dir(),
            "the third blind",
            0.93,
            0,
        ),
        (
            rehearse_knowledge::eval::blind_4_dir(),
            "the fourth blind",
            0.97,
            0,
        ),
        (
            rehearse_knowledge::eval::blind_5_dir(),
            "the fifth blind",
            0.78,
            3,
        ),
        (
            rehearse_knowledge::eval::blind_6_dir(),
            "the sixth blind",
            0.66,
            2,
        ),
    ] {
        blind(&dir, which, floor, answered_unanswerable).await;
    }

    // The adversarial set: unanswerable questions written to trip the rules (README). Today
    // the rules decline 14 of its 38; the ceiling holds the 24 they answer from growing.
    let report = eval(
        &rehearse_knowledge::eval::adversarial_dir(),
        "the adversarial",
    )
    .await;
    assert!(report.reranked.unanswerable >= 35, "{report}");
    assert!(
        report.reranked.unflagged_unanswerable.len() <= 24,
        "{report}"
    );
}

/// Runs a blind set and checks its figures against its floor for "correct" and its ceiling of
/// unanswerable questions answered, printing nothing about its questions.
async fn blind(dir: &Path, which: &str, floor: f64, answered_unanswerable: usize) {
    let report = eval(dir, which).await;
    let r = &report.reranked;
    assert!(
        r.answerable >= 40 && r.unanswerable >= 15,
        "{which} set's size"
    );
    assert!(
        r.unflagged_unanswerable.len() <= answered_unanswerable,
        "{which} set answered {} unanswerable questions",
        r.unflagged_unanswerable.len()
    );
    assert!(
        r.answered_correctly >= floor,
        "{which} set: correct {:.3}",
        r.answered_correctly
    );
}
