//! What admins see of the AI: traces, the active model, ceilings and spend.

use super::errors::status;
use super::filters::filter_value;
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_llm::budget::{utc_day, Payer, Scope};
use rehearse_llm::pricing::{nanos_to_usd, usd_to_nanos};
use rehearse_llm::resilience::BreakerStatus;
use rehearse_llm::trace::{CallStatus, Trace};
use rehearse_types::{
    AiStatus, BreakerView, CacheView, CeilingView, FailedJobView, LiveView, TraceRow, TraceView,
};

fn row(t: &Trace) -> TraceRow {
    let call = &t.call;
    TraceRow {
        id: call.id.clone(),
        started_at: rehearse_db::format_ms(call.started_at),
        interview_id: call.interview_id.clone(),
        step: call.step.clone(),
        provider: call.provider.clone(),
        model: call.model.clone(),
        status: t.status.as_str().to_owned(),
        ttft_ms: t.ttft_ms,
        latency_ms: t.latency_ms,
        prompt_tokens: t.prompt_tokens,
        completion_tokens: t.completion_tokens,
        cost_usd: nanos_to_usd(t.cost_nanos),
    }
}

pub async fn traces(
    ctx: &Caller,
    interview_id: Option<String>,
    status_filter: Option<String>,
) -> Result<Vec<TraceRow>, ApiError> {
    let interview = filter_value(interview_id, 64);
    // Blank is "any"; anything else must be a status (a long or padded text is refused too,
    // not read as no filter).
    let state = match status_filter.filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(
            CallStatus::parse(&s)
                .ok_or_else(|| status(ApiError::Invalid("Unknown call status.".into())))?,
        ),
    };
    let list = ctx
        .state
        .gateway
        .traces()
        .search(interview.as_deref(), state, 200)
        .await?;
    Ok(list.iter().map(row).collect())
}

pub async fn trace(ctx: &Caller, id: &str) -> Result<TraceView, ApiError> {
    let t = ctx
        .state
        .gateway
        .traces()
        .get(id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))?;
    Ok(TraceView {
        row: row(&t),
        prompt_version: t.call.prompt_version,
        request_json: t.call.request_json,
        context_ids: t.call.context_ids_json,
        output: t.output,
        tool_calls_json: t.tool_calls_json,
        refused_tools_json: t.refused_tools_json,
        error: t.error,
        attempts_json: t.attempts_json,
    })
}

fn breaker(b: &BreakerStatus) -> BreakerView {
    BreakerView {
        role: match b.position {
            0 => "primary".to_owned(),
            n => format!("fallback {n}"),
        },
        provider: b.provider.clone(),
        model: b.model.clone(),
        state: b.state.as_str().to_owned(),
        consecutive_failures: b.consecutive_failures,
        // Rounded up: "0 s" would read as "now" while calls still fail fast.
        retry_in_secs: b
            .retry_in
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0)),
        opened_count: b.opened_count,
        last_error: b.last_error.clone(),
    }
}

pub async fn overview(ctx: &Caller) -> Result<AiStatus, ApiError> {
    let gateway = &ctx.state.gateway;
    let mut ceilings = Vec::new();
    for scope in Scope::ALL {
        let limit = gateway.budget().ceiling(scope).await?;
        ceilings.push(CeilingView {
            scope: scope.as_str().to_owned(),
            limit_usd: nanos_to_usd(limit),
        });
    }
    let today = utc_day(rehearse_db::now_ms());
    let spent = gateway
        .budget()
        .used(Scope::GlobalDay, &Payer::default(), &today)
        .await?;
    let pricing = gateway.pricing();
    Ok(AiStatus {
        provider: gateway.provider_name().to_owned(),
        model: gateway.model_name().to_owned(),
        context_window: ctx.state.settings.llm.context_window,
        input_usd_per_mtok: pricing.input_usd_per_mtok,
        output_usd_per_mtok: pricing.output_usd_per_mtok,
        ceilings,
        spent_today_usd: nanos_to_usd(spent),
        breakers: gateway.breakers().iter().map(breaker).collect(),
        caches: ctx
            .state
            .interviews
            .knowledge()
            .map(|kb| {
                kb.cache_stats()
                    .into_iter()
                    .map(|c| CacheView {
                        name: c.name.to_owned(),
                        entries: c.entries,
                        hits: c.hits,
                        misses: c.misses,
                        hit_rate: c.hit_rate(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        live: LiveView {
            open_streams: ctx.state.limits.all_open_streams(),
            interviews_held: ctx.state.interviews.live().len() as u64,
        },
    })
}

pub async fn set_ceiling(ctx: &Caller, scope: &str, usd: f64) -> Result<(), ApiError> {
    let scope = Scope::ALL
        .into_iter()
        .find(|s| s.as_str() == scope)
        .ok_or_else(|| status(ApiError::Invalid("Unknown budget scope.".into())))?;
    if !(usd.is_finite() && (0.0..=1_000_000.0).contains(&usd)) {
        return Err(status(ApiError::Invalid(
            "Give an amount between 0 and 1,000,000 USD.".into(),
        )));
    }
    let before = ctx.state.gateway.budget().ceiling(scope).await?;
    ctx.state
        .gateway
        .budget()
        .set_ceiling(scope, usd_to_nanos(usd), &ctx.actor.email)
        .await?;
    let detail = format!(
        "{}: {:.4} -> {usd:.4} USD",
        scope.as_str(),
        nanos_to_usd(before)
    );
    ctx.audit(rehearse_db::AuditKind::BudgetChanged, &detail)
        .await
}

/// What a job kind does, in words an admin reads.
fn job_label(kind: &str) -> String {
    match kind {
        rehearse_interview::store::TURN_JOB => "Interviewer turn".to_owned(),
        rehearse_interview::service::SUMMARISE_JOB => "Interview summary".to_owned(),
        rehearse_knowledge::kb::INGEST_JOB => "Job-description ingestion".to_owned(),
        rehearse_knowledge::kb::PURGE_JOB => "Job-description deletion".to_owned(),
        other => other.replace('_', " "),
    }
}

pub async fn failed_jobs(ctx: &Caller) -> Result<Vec<FailedJobView>, ApiError> {
    let jobs = rehearse_db::JobQueue::new(&ctx.state.db)
        .failed(200)
        .await?;
    Ok(jobs
        .into_iter()
        .map(|j| FailedJobView {
            what: job_label(&j.kind),
            dead: j.status == rehearse_db::JobStatus::Failed,
            id: j.id,
            attempts: j.attempts,
            last_error: j.last_error.unwrap_or_default(),
            updated_at: rehearse_db::format_ms(j.updated_at),
        })
        .collect())
}

pub async fn requeue_job(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let queue = rehearse_db::JobQueue::new(&ctx.state.db);
    let job = queue.requeue(id).await?.ok_or_else(|| {
        status(ApiError::Invalid(
            "That job is not a dead letter any more (it may already be queued again).".into(),
        ))
    })?;
    ctx.state.interviews.wake_worker();
    ctx.audit(
        rehearse_db::AuditKind::JobRequeued,
        &format!("{} {} (after {} attempts)", job.kind, job.id, job.attempts),
    )
    .await
}
