//! One interview: the transcript, the reply being drafted (live), the message box with a stop
//! button, and the report once it is over.

use crate::api::{interview_detail, ResumeInterview, RetryTurn, SendMessage, StopReply};
use crate::components::api_error::ApiErrorNotice;
use crate::components::forms::IdSubmit;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use rehearse_types::{Author, InterviewStatus, InterviewView, ReportView};

#[component]
pub fn InterviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let refresh = RwSignal::new(0u32);
    let draft = RwSignal::new(String::new());
    let notice = RwSignal::new(Option::<String>::None);
    let send = ServerAction::<SendMessage>::new();
    let stop = ServerAction::<StopReply>::new();
    let resume = ServerAction::<ResumeInterview>::new();
    let retry = ServerAction::<RetryTurn>::new();
    // Sends the server confirmed. The text box and the idempotency key change only then: a
    // failed send keeps the text (with the error shown) and resending it reuses its key.
    let confirmed = RwSignal::new(0u32);
    // What the candidate is writing, outside the form: the form is drawn again whenever the
    // transcript reloads (after every send, failed or not), and must come back with the text.
    let writing = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(send.value().get(), Some(Ok(_))) {
            confirmed.update(|n| *n += 1);
            writing.set(String::new());
        }
    });
    let detail = Resource::new(
        move || {
            (
                id(),
                refresh.get(),
                send.version().get(),
                resume.version().get(),
                retry.version().get(),
            )
        },
        |(id, ..)| interview_detail(id),
    );

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::live::follow(&id(), draft, refresh, notice));

    // The clock held answers count their age by: set when the page renders, then every 30
    // seconds in the browser, so "held 3 minutes ago" grows without a reload.
    let now = RwSignal::new(clock_ms());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        now.set(clock_ms());
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(clock_ms()),
            std::time::Duration::from_secs(30),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    // Each message carries a fresh idempotency key: the page's base key plus the count of
    // confirmed sends, so a resent message (after an error or a dropped connection) reuses its
    // key and is stored once.
    let base_key = StoredValue::new(key_base());
    let key = move || format!("{}-{}", base_key.get_value(), confirmed.get());

    view! {
        <Title text="Interview · Rehearse"/>
        {loaded(detail, move |interview| view! { <Transcript interview=interview draft=draft now=now/> }.into_any())}
        {move || notice.get().map(|n| view! { <div role="status" class="mt-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-amber-800" data-testid="notice">{n}</div> })}
        {move || send.value().get().and_then(|r| r.err()).map(|e| view! { <div class="mt-4"><ApiErrorNotice error=e/></div> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(interview) = detail.await else { return ().into_any() };
                if interview.status == InterviewStatus::Paused {
                    return view! {
                        <ActionForm action=resume attr:class="mt-4">
                            <IdSubmit id=interview.id.clone() class="rounded-md bg-amber-600 px-4 py-2 text-white" testid="resume">"Resume"</IdSubmit>
                        </ActionForm>
                    }.into_any();
                }
                if !interview.can_write {
                    return ().into_any();
                }
                let retry_form = interview.turn_failed.then(|| {
                    let id_retry = interview.id.clone();
                    view! {
                        <div role="alert" class="mt-4 flex items-center gap-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-red-800" data-testid="turn-failed">
                            <span>"The interviewer could not answer. Your message is saved."</span>
                            <ActionForm action=retry>
                                <IdSubmit id=id_retry class="rounded-md bg-red-600 px-3 py-1 text-white" testid="retry">"Retry"</IdSubmit>
                            </ActionForm>
                        </div>
                    }
                });
                let (id_send, id_stop) = (interview.id.clone(), interview.id.clone());
                view! {
                    {retry_form}
                    <div class="mt-4 flex items-start gap-2">
                        <ActionForm action=send attr:class="flex flex-1 items-start gap-2">
                            <input type="hidden" name="id" value=id_send/>
                            <input type="hidden" name="key" prop:value=key/>
                            <textarea name="text" rows="3" maxlength="4000" required
                                class="flex-1 rounded-md border border-slate-300 px-3 py-2" placeholder="Your answer…"
                                data-testid="answer" prop:value=move || writing.get()
                                on:input=move |ev| writing.set(event_target_value(&ev))></textarea>
                            <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500" data-testid="send">"Send"</button>
                        </ActionForm>
                        <ActionForm action=stop>
                            <IdSubmit id=id_stop class="rounded-md border border-slate-300 px-3 py-2 text-slate-700 hover:border-red-400" testid="stop">"Stop"</IdSubmit>
                        </ActionForm>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

/// A per-page-load prefix for idempotency keys: it only has to differ between loads of the same
/// interview. (No `std::process::id()` here: it panics in the browser.)
fn key_base() -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("k{}", (web_sys::js_sys::Math::random() * 1e15) as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("k{nanos}")
    }
}

/// Now, in Unix milliseconds: the browser's clock once hydrated, the server's while rendering.
fn clock_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

#[component]
fn Transcript(
    interview: InterviewView,
    draft: RwSignal<String>,
    now: RwSignal<i64>,
) -> impl IntoView {
    let report = interview.report.clone();
    let pdf = format!("/interviews/{}/report.pdf", interview.id);
    view! {
        <header class="mb-4">
            <h1 class="text-2xl font-semibold">{interview.role_title.clone()}</h1>
            <p class="text-sm text-slate-500">{interview.kind.label()} " · " {interview.difficulty.label()} " · "
                <span data-testid="status" data-status=interview.status.as_str()>{interview.status.label()}</span></p>
            {interview.pause_reason.clone().map(|r| view! { <p class="mt-2 text-amber-700" data-testid="pause-reason">{r}</p> })}
        </header>
        <ol class="space-y-3" data-testid="transcript">
            {interview.messages.into_iter().map(|m| {
                let mine = m.author == Author::Candidate;
                let class = if mine { "ml-12 rounded-lg bg-indigo-50 px-4 py-3" } else { "mr-12 rounded-lg border border-slate-200 bg-white px-4 py-3" };
                let held_age = m.held_since_ms.map(|since| view! {
                    <p class="mt-1 text-xs font-medium text-amber-700" data-testid="held-age">
                        "Under review · " {move || rehearse_types::held_ago(since, now.get())}
                    </p>
                });
                view! {
                    <li class=class data-author=m.author.as_str() data-seq=m.seq>
                        <div class="prose prose-sm max-w-none" inner_html=m.html></div>
                        {held_age}
                    </li>
                }
            }).collect_view()}
            {move || {
                let text = draft.get();
                (!text.is_empty()).then(|| view! {
                    <li class="mr-12 rounded-lg border border-dashed border-slate-300 bg-white px-4 py-3 text-slate-600" data-testid="draft">{text}</li>
                })
            }}
        </ol>
        {report.map(|r| view! { <Report report=r pdf=pdf/> })}
    }
}

/// The signals behind one score, as bars: what the score was computed from.
#[component]
fn WhyThisScore(signals: rehearse_types::SignalsView, second_reading: Option<u8>) -> impl IntoView {
    let rows = [
        (
            "On the requirement",
            "How closely your sentences match the requirement and the question, by meaning.",
            signals.relevance,
        ),
        (
            "Its points covered",
            "How many of the requirement's key points your answer speaks to.",
            signals.substance,
        ),
        (
            "Reads as an answer",
            "Low for lists of terms, repeated text or the question copied back.",
            signals.coherence,
        ),
        (
            "Specific",
            "A measured result, an example from your own work, a trade-off named.",
            signals.specificity,
        ),
        (
            "Developed",
            "How developed the answer is, up to about a hundred words.",
            signals.depth,
        ),
    ];
    view! {
        <details class="mt-2" data-testid="why-score">
            <summary class="cursor-pointer text-indigo-700">"Why this score"</summary>
            <dl class="mt-2 space-y-1">
                {rows.into_iter().map(|(name, help, value)| view! {
                    <div class="flex items-center gap-2" title=help>
                        <dt class="w-40 text-slate-600">{name}</dt>
                        <dd class="flex-1"><meter class="w-full" min="0" max="100" low="40" high="75" optimum="100" value=value>{format!("{value}%")}</meter></dd>
                        <dd class="w-12 text-right tabular-nums" data-testid="signal">{format!("{value}%")}</dd>
                    </div>
                }).collect_view()}
            </dl>
            {second_reading.map(|n| view! { <p class="mt-2 text-slate-600" data-testid="second-reading">"A second reading by the model: " {n} " / 5 (it checks the signals; the score above is theirs)."</p> })}
        </details>
    }
}

#[component]
fn Report(report: ReportView, pdf: String) -> impl IntoView {
    view! {
        <section class="mt-8 rounded-lg border border-slate-200 bg-white p-5" data-testid="report">
            <div class="flex items-baseline justify-between">
                <h2 class="text-xl font-semibold">"Feedback"</h2>
                <a class="text-sm text-indigo-700 underline" href=pdf download data-testid="report-pdf">"Download as PDF"</a>
            </div>
            <p class="mt-1 text-slate-600">"Overall: " <strong data-testid="overall">{format!("{:.1}", report.overall)}</strong> " / 5"</p>
            {report.degraded.map(|d| view! { <p role="status" class="mt-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="report-degraded">{d}</p> })}
            {report.under_review.then(|| view! { <p role="status" class="mt-2 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-800" data-testid="report-under-review">"Under review: a reviewer is checking this report. The scores below come from the automatic signals; the reviewer's note will appear in the conversation above."</p> })}
            <table class="mt-4 w-full text-sm">
                <thead class="text-left text-slate-600"><tr>
                    <th class="py-2">"Requirement"</th><th class="py-2">"Score"</th><th class="py-2">"Evidence from your answers"</th>
                </tr></thead>
                <tbody>
                    {report.scores.into_iter().map(|s| view! {
                        <tr class="border-t border-slate-200 align-top">
                            <td class="py-2 pr-3"><strong>{s.competency}</strong><br/><span class="text-slate-500">{s.requirement}</span>
                                {s.source.map(|src| view! { <br/><span class="text-xs text-slate-400" data-testid="score-source">"Stated in the job description: " {src}</span> })}</td>
                            <td class="py-2 pr-3 font-semibold" data-testid="score">{s.score} " / 5"</td>
                            <td class="py-2">
                                {s.evidence.map(|e| view! { <blockquote class="border-l-4 border-indigo-200 pl-3 italic">{e}</blockquote> })}
                                <p class="mt-1 text-slate-500">{s.rationale}</p>
                                {s.strong_answer.map(|a| view! {
                                    <div class="mt-2 rounded-md bg-slate-50 px-3 py-2" data-testid="coaching">
                                        <p>{a}</p>
                                        {s.fell_short.map(|f| view! { <p class="mt-1 text-slate-600">"Your answer said: " <q class="italic">{f}</q></p> })}
                                    </div>
                                })}
                                {s.signals.map(|g| view! { <WhyThisScore signals=g second_reading=s.second_reading/> })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="mt-4 grid gap-4 sm:grid-cols-2">
                <div><h3 class="font-semibold">"Strengths"</h3><ul class="list-disc pl-5">{report.strengths.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul></div>
                <div><h3 class="font-semibold">"To improve"</h3><ul class="list-disc pl-5">{report.improvements.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul></div>
            </div>
        </section>
    }
}
