//! What the review scenarios start from: an interview with a held answer (`HELD`) stored the way
//! a turn stores one, its review opened with it.

use crate::common::started;
use rehearse_interview::review::Hold;
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::{Grounded, Submitted};
use rehearse_interview::verdict::{HoldReason, SensitiveTopic};
use rehearse_testkit::{Backend, TestDb};

pub(crate) async fn with_held(
    backend: Backend,
    deadline_at: Option<i64>,
) -> (TestDb, InterviewService, String, String) {
    let (t, service, id) = started(backend).await;
    let review = hold(
        &service,
        &id,
        "reply:x:0",
        vec![HoldReason::Sensitive {
            topic: SensitiveTopic::Compensation,
        }],
        deadline_at,
    )
    .await;
    (t, service, id, review)
}

pub(crate) const HELD: &str = "The salary is 95,000 EUR [1].";

/// Stores a held answer (`HELD`) the way a turn does, with its review; returns the review id.
pub(crate) async fn hold(
    service: &InterviewService,
    interview_id: &str,
    key: &str,
    reasons: Vec<HoldReason>,
    deadline_at: Option<i64>,
) -> String {
    let stored = service
        .store()
        .append_grounded(
            interview_id,
            rehearse_interview::store::Author::Interviewer,
            HELD,
            None,
            Some(key),
            None,
            Grounded {
                held: true,
                hold: Some(Hold {
                    question: "What does it pay?".into(),
                    reasons,
                    deadline_at,
                }),
                ..Grounded::default()
            },
        )
        .await
        .expect("held");
    let Submitted::New(message) = stored else {
        panic!("stored once")
    };
    service
        .reviews()
        .for_message(&message.id)
        .await
        .expect("lookup")
        .expect("the review opened with the message")
        .id
}
