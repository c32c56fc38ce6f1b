//! Call openings written in batches: a crowd of calls from many interviews and users, each with
//! spend from before, opens together, and every ceiling holds exactly as if each call had its
//! own transaction, on SQLite and PostgreSQL.

use rehearse_llm::budget::{BudgetError, BudgetStore, DefaultCeilings, Opening, Payer, Scope};
use rehearse_llm::testing::test_trace;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::sync::Arc;

fn opening(id: &str, payer: Payer) -> Opening {
    Opening {
        call_id: id.to_owned(),
        payer,
        amount: 1_000,
        trace: test_trace(id),
    }
}

fn payer(user: Option<String>, interview: Option<String>) -> Payer {
    Payer {
        user_id: user,
        interview_id: interview,
    }
}

/// Interviews 0..20 have spent 0, 1,000, 2,000 or 3,000 of a 3,000 ceiling and ask for two calls
/// of 1,000 each (their users have room): 5 × (2 + 2 + 1 + 0) = 25 open. Users 0..10 have spent
/// 0, 1,000 or 2,000 of a 2,000 day and ask for two calls each (from fresh interviews): 4 × 2 +
/// 3 × 1 = 11 open. The spend before was written before the crowd, so only a batch that read it
/// right gets these numbers.
async fn a_crowd_of_payers_opening_together_keeps_every_ceiling(backend: Backend) {
    let t = fresh_db(backend).await;
    let budget = Arc::new(BudgetStore::new(
        &t.db,
        DefaultCeilings {
            interview: 3_000,
            user_day: 2_000,
            global_day: 1_000_000_000,
        },
    ));
    for i in 0..20 {
        for k in 0..(i % 4) {
            let id = format!("before-interview-{i}-{k}");
            let p = payer(None, Some(format!("interview-{i}")));
            budget.reserve(&id, &p, 1_000).await.expect("spend before");
            budget.settle(&id, 1_000).await.expect("settled");
        }
    }
    for j in 0..10 {
        for k in 0..(j % 3) {
            let id = format!("before-user-{j}-{k}");
            let p = payer(Some(format!("user-{j}")), None);
            budget.reserve(&id, &p, 1_000).await.expect("spend before");
        }
    }
    let mut crowd = Vec::new();
    for i in 0..20 {
        for k in 0..2 {
            let p = payer(
                Some(format!("a-user-{i}-{k}")),
                Some(format!("interview-{i}")),
            );
            crowd.push((Scope::Interview, opening(&format!("a-{i}-{k}"), p)));
        }
    }
    for j in 0..10 {
        for k in 0..2 {
            let p = payer(
                Some(format!("user-{j}")),
                Some(format!("b-interview-{j}-{k}")),
            );
            crowd.push((Scope::UserDay, opening(&format!("b-{j}-{k}"), p)));
        }
    }
    let tasks: Vec<_> = crowd
        .into_iter()
        .map(|(scope, o)| {
            let budget = budget.clone();
            tokio::spawn(async move { (scope, budget.open(o).await) })
        })
        .collect();
    let (mut by_interview, mut by_user) = (0, 0);
    for task in tasks {
        let (expected, outcome) = task.await.expect("the task");
        match outcome {
            Ok(()) if expected == Scope::Interview => by_interview += 1,
            Ok(()) => by_user += 1,
            Err(BudgetError::CeilingReached { scope, .. }) => assert_eq!(scope, expected),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(by_interview, 25, "interviews' ceilings");
    assert_eq!(by_user, 11, "users' daily ceilings");
    let row = sqlx::query("SELECT COUNT(*) AS n FROM model_calls")
        .fetch_one(t.db.pool())
        .await
        .expect("count");
    let traces: i64 = sqlx::Row::try_get(&row, "n").expect("n");
    assert_eq!(
        traces, 60,
        "every opening has its trace row, refused or not"
    );
}
both_backends!(a_crowd_of_payers_opening_together_keeps_every_ceiling);
