//! Cost ceilings: a call over a ceiling is refused before it is made, until an admin raises it;
//! a reservation needs only its own connection; calls opening together keep the ceilings.

use crate::fixture::{ctx, gateway, generous, request};
use rehearse_llm::budget::{BudgetStore, DefaultCeilings, Scope};
use rehearse_llm::gateway::GatewayError;
use rehearse_llm::pricing::usd_to_nanos;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::traces_of;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::sync::Arc;
use std::time::Duration;

async fn a_ceiling_refuses_the_call_before_it_is_made_until_an_admin_raises_it(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![
        Script::text("Tell me about a system you designed.").with_usage(1000, 100)
    ]);
    // One call costs 1000*1e3 + 100*2e3 = 1.2e6 nanos; a small request's worst case (64 reply
    // tokens plus its prompt estimate) is about 0.14e6, so a second call would pass 1.25e6.
    let ceilings = DefaultCeilings {
        interview: 1_250_000,
        user_day: usd_to_nanos(5.0),
        global_day: usd_to_nanos(5.0),
    };
    let gw = gateway(&t, &model).ceilings(ceilings).build();
    let first = gw
        .complete(ctx(&[]), request("Start"))
        .await
        .expect("first call fits");
    assert_eq!(first.cost, 1_200_000, "charged at actual usage");
    let second = gw.complete(ctx(&[]), request("Next")).await;
    match second {
        Err(GatewayError::CeilingReached {
            scope: Scope::Interview,
            used,
            limit,
        }) => {
            assert_eq!(used, 1_200_000);
            assert_eq!(limit, 1_250_000);
        }
        other => panic!("expected the interview ceiling, got {other:?}"),
    }
    assert_eq!(model.calls(), 1, "the refused call never reached the model");
    let traces = traces_of(&gw, "interview-1").await;
    assert!(traces
        .iter()
        .any(|t| t.status == rehearse_llm::trace::CallStatus::OverBudget));

    gw.budget()
        .set_ceiling(Scope::Interview, usd_to_nanos(1.0), "admin@x.io")
        .await
        .expect("raise");
    gw.complete(ctx(&[]), request("Next"))
        .await
        .expect("fits after the raise");
    assert_eq!(model.calls(), 2);

    // Another interview of the same user is limited by the user's daily ceiling.
    gw.budget()
        .set_ceiling(Scope::UserDay, 2_450_000, "admin@x.io")
        .await
        .expect("lower");
    let mut other = ctx(&[]);
    other.interview_id = Some("interview-2".into());
    let refused = gw.complete(other, request("Hello")).await;
    assert!(
        matches!(
            refused,
            Err(GatewayError::CeilingReached {
                scope: Scope::UserDay,
                ..
            })
        ),
        "{refused:?}"
    );
}
both_backends!(a_ceiling_refuses_the_call_before_it_is_made_until_an_admin_raises_it);

/// A reservation needs exactly one database connection, its own transaction's. Reading the
/// spend through the pool while holding SQLite's write lock made every writer wait for its busy
/// timeout once the pool ran dry under load (200 candidates: sends p99 20 s instead of 0.4 s).
/// With all but one connection taken, a reservation still goes through.
async fn a_reservation_needs_only_its_own_connection(backend: Backend) {
    let t = fresh_db(backend).await;
    let budget = BudgetStore::new(&t.db, generous());
    let max = t.db.pool().options().get_max_connections() as usize;
    let mut held = Vec::new();
    for _ in 1..max {
        held.push(t.db.pool().acquire().await.expect("a connection"));
    }
    let payer = rehearse_llm::budget::Payer {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
    };
    tokio::time::timeout(
        Duration::from_secs(20),
        budget.reserve("call-1", &payer, 1_000),
    )
    .await
    .expect("the reservation did not wait for a second connection")
    .expect("reserved");
    drop(held);
}
both_backends!(a_reservation_needs_only_its_own_connection);

/// Calls opening at the same moment share one write (their trace rows and reservations), and
/// the ceilings hold exactly as with one transaction each: forty calls of 1,000 against an
/// interview ceiling of 10,000 open ten, refuse thirty, and every one has its trace row.
async fn calls_opening_together_keep_the_ceilings(backend: Backend) {
    use rehearse_llm::budget::{BudgetError, Opening, Payer};
    use rehearse_llm::testing::test_trace;
    let t = fresh_db(backend).await;
    let ceilings = DefaultCeilings {
        interview: 10_000,
        user_day: 1_000_000,
        global_day: 1_000_000,
    };
    let budget = Arc::new(BudgetStore::new(&t.db, ceilings));
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let budget = budget.clone();
            tokio::spawn(async move {
                let id = format!("call-{i}");
                budget
                    .open(Opening {
                        call_id: id.clone(),
                        payer: Payer {
                            user_id: Some("user-1".into()),
                            interview_id: Some("interview-1".into()),
                        },
                        amount: 1_000,
                        trace: test_trace(id),
                    })
                    .await
            })
        })
        .collect();
    let mut opened = 0;
    for task in tasks {
        match task.await.expect("the task") {
            Ok(()) => opened += 1,
            Err(BudgetError::CeilingReached { scope, .. }) => assert_eq!(scope, Scope::Interview),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(opened, 10, "the ceiling admits exactly ten");
    let count = |sql: &'static str| {
        let pool = t.db.pool().clone();
        async move {
            let row = sqlx::query(sql).fetch_one(&pool).await.expect("count");
            sqlx::Row::try_get::<i64, _>(&row, "n").expect("n")
        }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM spend").await, 10);
    assert_eq!(count("SELECT COUNT(*) AS n FROM model_calls").await, 40);
}
both_backends!(calls_opening_together_keep_the_ceilings);
