//! Durable turns on SQLite and PostgreSQL: the candidate's message and its turn commit
//! together; sends are idempotent with Stripe's semantics; a turn interrupted anywhere is
//! played again without asking twice; jobs that keep failing become dead letters.

use rehearse_db::JobQueue;
use rehearse_interview::live::LiveEvent;
use rehearse_interview::service::ServiceError;
use rehearse_interview::store::{Submitted, TURN_JOB};
use rehearse_llm::scripted::ScriptedModel;
use rehearse_llm::testing::late_reply;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::time::Duration;

mod common;
use common::*;

async fn concurrent_sends_with_one_key_store_one_message_and_one_turn(backend: Backend) {
    let (t, service, id) = started(backend).await;
    let interview = current(&service, &id).await;
    let sends = (0..8).map(|_| {
        let service = service.clone();
        let interview = interview.clone();
        tokio::spawn(async move { service.submit(&interview, "Ready.", "same-key").await })
    });
    let mut ids = Vec::new();
    for send in sends {
        match send.await.expect("joined").expect("every send succeeds") {
            Submitted::New(m) | Submitted::Duplicate(m) => ids.push(m.id),
        }
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one stored message: {ids:?}");
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'interview_turn'"
        )
        .await,
        1,
        "one turn"
    );
    drain_turns(&service).await;
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM model_calls").await,
        1,
        "one model call"
    );
    // The same key again, after the turn: still the same message, no new turn.
    let again = submit(&service, &id, "Ready.", "same-key").await;
    assert!(matches!(again, Submitted::Duplicate(m) if m.id == ids[0]));
    assert!(!service.run_next_turn().await.expect("run"), "no new turn");
}
both_backends!(concurrent_sends_with_one_key_store_one_message_and_one_turn);

async fn one_key_with_another_text_is_refused_and_stores_nothing(backend: Backend) {
    let (t, service, id) = started(backend).await;
    say(&service, &id, "Ready.", "k1").await;
    let before = count(&t, "SELECT COUNT(*) FROM interview_messages").await;
    let refused = service
        .submit(&current(&service, &id).await, "Something else.", "k1")
        .await;
    assert!(
        matches!(refused, Err(ServiceError::KeyReused)),
        "{refused:?}"
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM interview_messages").await,
        before
    );
    assert!(
        !service.run_next_turn().await.expect("run"),
        "no turn queued"
    );
}
both_backends!(one_key_with_another_text_is_refused_and_stores_nothing);

async fn a_send_while_a_turn_is_pending_stores_nothing(backend: Backend) {
    let (t, service, id) = started(backend).await;
    let interview = current(&service, &id).await;
    service
        .submit(&interview, "Ready.", "k1")
        .await
        .expect("first");
    let busy = service.submit(&interview, "Hello again?", "k2").await;
    assert!(matches!(busy, Err(ServiceError::Busy)), "{busy:?}");
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'"
        )
        .await,
        1
    );
    drain_turns(&service).await;
    // Once the turn is done the next message goes through.
    submit(&service, &id, "Hello again?", "k2").await;
}
both_backends!(a_send_while_a_turn_is_pending_stores_nothing);

async fn a_turn_whose_process_died_is_played_again_once(backend: Backend) {
    let (t, service, id) = started(backend).await;
    submit(&service, &id, "Ready.", "k1").await;
    // A worker claims the turn and dies: its lease runs out at once.
    let jobs = JobQueue::new(&t.db);
    let taken = jobs
        .claim_leased(&[TURN_JOB], 0)
        .await
        .expect("claim")
        .expect("the turn");
    assert_eq!(taken.attempts, 1);
    assert!(service.run_next_turn().await.expect("replay"), "replayed");
    let messages = service.store().messages(&id).await.expect("messages");
    let authors: Vec<_> = messages.iter().map(|m| m.author.as_str()).collect();
    assert_eq!(authors, ["interviewer", "candidate", "interviewer"]);
    let interview = current(&service, &id).await;
    assert_eq!(interview.turn_seq, messages[1].seq);

    // The same turn queued again (a duplicate delivery) changes nothing.
    assert!(service
        .store()
        .enqueue_turn(&id, &messages[1].id)
        .await
        .expect("enqueue"));
    assert!(service.run_next_turn().await.expect("run"));
    assert_eq!(
        service.store().messages(&id).await.expect("messages").len(),
        3
    );
    assert_eq!(current(&service, &id).await.phase, interview.phase);
}
both_backends!(a_turn_whose_process_died_is_played_again_once);

async fn a_crash_between_the_reply_and_the_phase_update_asks_once(backend: Backend) {
    let (t, service, id) = started(backend).await;
    say(&service, &id, "Ready.", "k1").await;
    let before = current(&service, &id).await;
    say(&service, &id, ANSWER_RUST, "k2").await;
    let after = current(&service, &id).await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert_ne!(after.phase, before.phase);
    // Put the interview back as it was between the reply's commit and the phase update.
    sqlx::query("UPDATE interviews SET phase_json = $1, turn_seq = $2 WHERE id = $3")
        .bind(serde_json::to_string(&before.phase).expect("phase"))
        .bind(before.turn_seq)
        .bind(&id)
        .execute(t.db.pool())
        .await
        .expect("rewind");
    let answer = messages
        .iter()
        .rev()
        .find(|m| m.author == "candidate")
        .expect("answer");
    assert!(service
        .store()
        .enqueue_turn(&id, &answer.id)
        .await
        .expect("enqueue"));
    drain_turns(&service).await;
    let replayed = service.store().messages(&id).await.expect("messages");
    assert_eq!(replayed, messages, "no reply stored twice");
    let now = current(&service, &id).await;
    assert_eq!(now.phase, after.phase, "the phase moved once");
    assert_eq!(now.turn_seq, answer.seq);
    // The compare-and-set refuses a second completion of the same turn.
    assert!(!service
        .store()
        .finish_turn(&id, answer.seq, &before.phase, now.status)
        .await
        .expect("cas"));
    assert_eq!(current(&service, &id).await.phase, after.phase);
}
both_backends!(a_crash_between_the_reply_and_the_phase_update_asks_once);

async fn a_turn_interrupted_every_time_becomes_a_dead_letter_and_can_be_retried(backend: Backend) {
    let (t, service, id) = started(backend).await;
    submit(&service, &id, "Ready.", "k1").await;
    let jobs = JobQueue::new(&t.db);
    for _ in 0..rehearse_db::MAX_ATTEMPTS {
        jobs.claim_leased(&[TURN_JOB], 0)
            .await
            .expect("claim")
            .expect("claimed again after its lease ran out");
    }
    assert!(
        !service.run_next_turn().await.expect("run"),
        "not run a sixth time"
    );
    assert_eq!(
        jobs.count_kind(TURN_JOB, rehearse_db::JobStatus::Failed)
            .await
            .expect("n"),
        1
    );
    let dead = jobs.failed(10).await.expect("failed");
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("interrupted")),
        "{dead:?}"
    );
    let interview = current(&service, &id).await;
    assert!(service.turn_failed(&interview).await.expect("state"));
    // Nothing new is taken while the previous message has no complete turn: it would be
    // answered from a stale phase.
    let refused = service.submit(&interview, "Hello?", "k2").await;
    assert!(matches!(refused, Err(ServiceError::Busy)), "{refused:?}");
    service.retry_turn(&interview).await.expect("retry");
    drain_turns(&service).await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(messages.len(), 3, "answered after the retry");
    assert!(!service
        .turn_failed(&current(&service, &id).await)
        .await
        .expect("state"));
}
both_backends!(a_turn_interrupted_every_time_becomes_a_dead_letter_and_can_be_retried);

async fn a_failing_turn_tells_the_candidate_and_keeps_the_message(backend: Backend) {
    let (t, service, id) = started(backend).await;
    // The role disappears: the turn cannot be played.
    sqlx::query("UPDATE interviews SET role_slug = 'gone' WHERE id = $1")
        .bind(&id)
        .execute(t.db.pool())
        .await
        .expect("break the role");
    let (_, mut events) = service.live().subscribe(&id);
    submit(&service, &id, "Ready.", "k1").await;
    assert!(service.run_next_turn().await.expect("ran"));
    let failed = loop {
        match tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("an event")
            .expect("open")
        {
            LiveEvent::TurnFailed { retrying, message } => break (retrying, message),
            _ => continue,
        }
    };
    assert!(failed.0, "it will be retried");
    assert!(failed.1.contains("Your message is saved"), "{}", failed.1);
    let jobs = JobQueue::new(&t.db);
    assert_eq!(
        jobs.count_kind(TURN_JOB, rehearse_db::JobStatus::Queued)
            .await
            .expect("n"),
        1
    );
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(messages.last().map(|m| m.content.as_str()), Some("Ready."));
}
both_backends!(a_failing_turn_tells_the_candidate_and_keeps_the_message);

/// A candidate who answers the moment the reply appears must find the turn complete: the last
/// reply is announced only after the phase moved.
async fn the_last_reply_is_announced_after_the_phase_moved(backend: Backend) {
    let (_t, service, id) = started(backend).await;
    let (_, mut events) = service.live().subscribe(&id);
    let watcher = {
        let service = service.clone();
        let id = id.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(LiveEvent::Message { message }) if message.author == "interviewer" => {
                        // Read at the moment the reply is announced.
                        return current(&service, &id).await.turn_seq;
                    }
                    Ok(_) => continue,
                    Err(e) => panic!("the live stream ended: {e}"),
                }
            }
        })
    };
    let Submitted::New(ready) = say(&service, &id, "Ready.", "k1").await else {
        panic!("a new message");
    };
    let seen = watcher.await.expect("watcher");
    assert!(
        seen >= ready.seq,
        "the reply was announced before its turn completed ({seen} < {})",
        ready.seq
    );
}
both_backends!(the_last_reply_is_announced_after_the_phase_moved);

/// A turn stuck behind a dependency that never answers is cut at its deadline: the candidate is
/// told, and the job is retried instead of the interview staying busy.
async fn a_turn_past_its_deadline_is_cut_and_retried(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![late_reply(Duration::from_secs(5), "late")]);
    let service = service_with(&t, &model, generous_ceilings())
        .await
        .with_turn_deadline(Duration::from_millis(300));
    let id = start(&service).await;
    let (_, mut events) = service.live().subscribe(&id);
    submit(&service, &id, "Ready.", "k1").await;
    assert!(service.run_next_turn().await.expect("run"), "a turn ran");
    let mut told = false;
    while let Ok(event) = events.try_recv() {
        if let LiveEvent::TurnFailed { retrying, .. } = event {
            assert!(retrying);
            told = true;
        }
    }
    assert!(told, "the candidate was told");
    assert!(
        !service.live().is_busy(&id),
        "the interview is not left busy"
    );
    let row = sqlx::query("SELECT status, last_error FROM jobs WHERE kind = $1")
        .bind(TURN_JOB)
        .fetch_one(t.db.pool())
        .await
        .expect("job");
    let status: String = sqlx::Row::try_get(&row, "status").expect("status");
    let error: Option<String> = sqlx::Row::try_get(&row, "last_error").expect("error");
    assert_eq!(status, "queued", "to be retried");
    assert!(error.unwrap_or_default().contains("did not finish"));
}
both_backends!(a_turn_past_its_deadline_is_cut_and_retried);
