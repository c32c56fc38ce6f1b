//! Job descriptions: the list with an add form (paste or upload), and one job description's
//! versions, ingestion progress, chunks and a "try a question" box that shows every score.

use crate::api::{
    jd_detail, list_jds, take_form_flash, DeleteJd, EditRequirements, RetryIngestion, TryQuestion,
};
use crate::components::forms::{ErrorNotice, IdSubmit};
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use rehearse_types::VersionStatus;

const UPLOAD: &str = "/admin/jds/upload";

/// The add form: a file or pasted text, posted as multipart so it works without JavaScript.
#[component]
fn AddForm(#[prop(optional)] jd_id: Option<String>) -> impl IntoView {
    let label = if jd_id.is_some() {
        "Upload a new version"
    } else {
        "Add a job description"
    };
    view! {
        <form method="post" action=UPLOAD enctype="multipart/form-data" class="mb-6 space-y-2 rounded-lg border border-slate-200 bg-white p-4" data-testid="jd-form">
            <h2 class="font-semibold">{label}</h2>
            <input type="hidden" name="jd_id" value=jd_id.unwrap_or_default()/>
            <label class="block text-sm">
                <span class="text-slate-600">"A .txt, .md or .pdf file"</span>
                <input type="file" name="file" accept=".txt,.md,.markdown,.pdf,text/plain,text/markdown,application/pdf" class="mt-1 block text-sm"/>
            </label>
            <label class="block text-sm">
                <span class="text-slate-600">"…or paste the text (Markdown headings and bullet lists help)"</span>
                <textarea name="text" rows="8" class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm"></textarea>
            </label>
            <button type="submit" class="rounded-md bg-slate-800 px-3 py-1 text-white">"Upload"</button>
        </form>
    }
}

#[component]
fn Flash() -> impl IntoView {
    let flash = Resource::new(|| (), |_| take_form_flash("jd_upload".into()));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                flash.await.ok().flatten().and_then(|f| f.errors.form).map(|m| view! { <ErrorNotice message=m/> })
            })}
        </Suspense>
    }
}

/// A version's status as a coloured badge: its label for people, its stored name in
/// `data-status` for scripts and tests.
fn status_badge(status: VersionStatus) -> impl IntoView {
    let class = match status {
        VersionStatus::Ready => "rounded bg-green-100 px-2 text-green-800",
        VersionStatus::Failed => "rounded bg-red-100 px-2 text-red-800",
        VersionStatus::Deleted => "rounded bg-slate-200 px-2 text-slate-700",
        VersionStatus::Queued | VersionStatus::Ingesting => {
            "rounded bg-amber-100 px-2 text-amber-800"
        }
    };
    view! { <span class=class data-testid="status" data-status=status.as_str()>{status.label()}</span> }
}

#[component]
pub fn AdminJds() -> impl IntoView {
    let jds = Resource::new(|| (), |_| list_jds());
    view! {
        <Title text="Job descriptions · Rehearse"/>
        <h1 class="mb-4 text-2xl font-semibold">"Job descriptions"</h1>
        <Flash/>
        <AddForm/>
        {loaded(jds, move |list| {
            if list.is_empty() {
                return view! { <p class="text-slate-600">"No job descriptions yet. Candidates see the sample roles until you add one."</p> }.into_any();
            }
            view! {
                <table class="w-full text-sm" data-testid="jd-list">
                    <thead><tr class="text-left text-slate-500"><th>"Title"</th><th>"Versions"</th><th>"Latest"</th><th>"Chunks"</th><th>"Added"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|j| view! {
                            <tr class="border-t border-slate-200">
                                <td><a class="text-blue-700 underline" href=format!("/admin/jds/{}", j.id)>{j.title}</a></td>
                                <td>{j.versions}</td>
                                <td>{j.latest_status.map(status_badge)}</td>
                                <td>{j.latest_chunks}</td>
                                <td class="text-slate-500">{j.created_at} " " {j.created_by}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
    }
}

#[component]
pub fn AdminJd() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let retry = ServerAction::<RetryIngestion>::new();
    let delete = ServerAction::<DeleteJd>::new();
    let edit = ServerAction::<EditRequirements>::new();
    let detail = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("v"),
                retry.version().get(),
                delete.version().get(),
                edit.version().get(),
            )
        },
        |(id, v, ..)| jd_detail(id, v),
    );
    view! {
        <Title text="Job description · Rehearse"/>
        <Flash/>
        {move || retry.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {move || edit.value().get().map(|r| match r {
            Err(e) => view! { <ErrorNotice message=e.to_string()/> }.into_any(),
            Ok(n) => view! { <p role="status" class="mb-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-emerald-800" data-testid="requirements-saved">{format!("Saved as version {n}; it is being prepared for interviews.")}</p> }.into_any(),
        })}
        {loaded(detail, move |d| {
            let busy = d.versions.iter().any(|v| matches!(v.status, VersionStatus::Queued | VersionStatus::Ingesting));
            let selected = d.selected.clone().unwrap_or_default();
            let ready = d.versions.iter().any(|v| v.id == selected && v.status == VersionStatus::Ready);
            let jd_id = d.id.clone();
            view! {
                // Ingestion runs in the background: the page refreshes itself until it ends.
                {busy.then(|| view! { <Meta http_equiv="refresh" content="2"/> })}
                <h1 class="mb-1 text-2xl font-semibold" data-testid="jd-title">{d.title.clone()}</h1>
                {d.deleted.then(|| view! { <p class="mb-4 text-red-700">"Deleted: its chunks are gone; interviews that used it keep their transcripts."</p> })}
                <h2 class="mt-4 font-semibold">"Versions"</h2>
                <table class="mb-4 w-full text-sm" data-testid="versions">
                    <thead><tr class="text-left text-slate-500"><th>"Version"</th><th>"Status"</th><th>"Progress"</th><th>"Source"</th><th>"Added"</th><th></th></tr></thead>
                    <tbody>
                        {d.versions.clone().into_iter().map(|v| {
                            let href = format!("/admin/jds/{}?v={}", jd_id, v.id);
                            let failed = v.status == VersionStatus::Failed;
                            let vid = v.id.clone();
                            view! {
                                <tr class="border-t border-slate-200" data-version=v.version>
                                    <td><a class="text-blue-700 underline" href=href>"v" {v.version}</a></td>
                                    <td>{status_badge(v.status)}</td>
                                    <td data-testid="progress">{format!("{}/{} chunks, {} embedded, {} from cache", v.chunks_done, v.chunks_total, v.embedded, v.cached)}</td>
                                    <td>{v.source.clone()}</td>
                                    <td class="text-slate-500">{v.created_at.clone()} " " {v.created_by.clone()}</td>
                                    <td>
                                        {v.error.clone().map(|e| view! { <p class="text-red-700" data-testid="version-error">{e}</p> })}
                                        {failed.then(|| view! {
                                            <ActionForm action=retry>
                                                <input type="hidden" name="version_id" value=vid.clone()/>
                                                <button type="submit" class="rounded-md border border-slate-300 px-2">"Retry"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {d.versions.iter().find(|v| v.id == selected).cloned().map(|v| view! {
                    <Requirements version=v editable=!d.deleted edit=edit/>
                })}
                {(!d.deleted).then(|| view! { <AddForm jd_id=d.id.clone()/> })}
                {ready.then(|| view! { <TryBox version_id=selected.clone()/> })}
                <h2 class="mt-4 font-semibold">"Chunks"</h2>
                <ol class="space-y-2 text-sm" data-testid="chunks">
                    {d.chunks.clone().into_iter().map(|c| view! {
                        <li class="rounded border border-slate-200 bg-white p-2">
                            <div class="text-xs text-slate-500">"#" {c.position + 1} " · " {c.section.clone()} " · " {c.id.clone()}
                                {c.flagged.then(|| view! { <span class="ml-2 rounded bg-red-100 px-1 text-red-800">"reads as instructions: never cited"</span> })}
                            </div>
                            <pre class="whitespace-pre-wrap">{c.text.clone()}</pre>
                        </li>
                    }).collect_view()}
                </ol>
                <details class="mt-4"><summary>"Text of this version"</summary><pre class="whitespace-pre-wrap text-sm">{d.body.clone()}</pre></details>
                {(!d.deleted).then(|| view! {
                    <ActionForm action=delete attr:class="mt-6">
                        <IdSubmit id=d.id.clone() class="rounded-md bg-red-700 px-3 py-1 text-white" testid="delete-jd">"Delete this job description"</IdSubmit>
                    </ActionForm>
                })}
            }.into_any()
        })}
    }
}

/// A version's requirements as the interview uses them, and an editor: change a line, merge
/// two into one, or drop one; saving makes a new version with the same text.
#[component]
fn Requirements(
    version: rehearse_types::JdVersionView,
    editable: bool,
    edit: ServerAction<EditRequirements>,
) -> impl IntoView {
    let lines = version.requirement_lines.join("\n");
    view! {
        <section class="mb-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="requirements">
            <h2 class="font-semibold">"Requirements of v" {version.version}</h2>
            <ol class="mt-1 list-decimal pl-5 text-sm">
                {version.requirements.into_iter().map(|r| view! { <li data-testid="requirement">{r}</li> }).collect_view()}
            </ol>
            {editable.then(|| view! {
                <details class="mt-3">
                    <summary class="cursor-pointer text-indigo-700">"Edit, merge or drop requirements"</summary>
                    <ActionForm action=edit>
                        <input type="hidden" name="version_id" value=version.id.clone()/>
                        <label class="mt-2 block text-sm text-slate-600" for="requirements-text">"One requirement per line (2 to 6). Under a requirement, indented lines starting with \"-\" list the points a strong answer covers; answers are then scored against those points instead of the requirement's own wording. Saving makes a new version; interviews already started keep theirs."</label>
                        <textarea id="requirements-text" name="requirements" rows="7" maxlength="8000"
                            class="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm" data-testid="requirements-text">{lines}</textarea>
                        <button type="submit" class="mt-2 rounded-md bg-slate-800 px-3 py-1 text-white" data-testid="save-requirements">"Save as a new version"</button>
                    </ActionForm>
                </details>
            })}
        </section>
    }
}

/// Ask a question as a candidate would, and see the answer and every chunk's scores.
#[component]
fn TryBox(version_id: String) -> impl IntoView {
    let ask = ServerAction::<TryQuestion>::new();
    let fmt = |x: Option<f32>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into());
    view! {
        <section class="mb-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="try-box">
            <h2 class="font-semibold">"Try a question"</h2>
            <ActionForm action=ask>
                <input type="hidden" name="version_id" value=version_id/>
                <input name="question" class="mt-1 w-full rounded-md border border-slate-300 px-3 py-1" placeholder="What is the salary?"/>
                <button type="submit" class="mt-2 rounded-md bg-slate-800 px-3 py-1 text-white">"Retrieve"</button>
            </ActionForm>
            {move || ask.value().get().map(|r| match r {
                Err(e) => view! { <ErrorNotice message=e.to_string()/> }.into_any(),
                Ok(t) => view! {
                    <p class="mt-3" data-testid="try-answer">{t.answer.clone()}</p>
                    {t.held.then(|| view! { <p class="text-red-700">"Held for review: " {t.flags.join("; ")}</p> })}
                    <table class="mt-2 w-full text-xs" data-testid="ranked">
                        <thead><tr class="text-left text-slate-500"><th>"Chunk"</th><th>"cosine"</th><th>"BM25"</th><th>"vec rank"</th><th>"text rank"</th><th>"RRF"</th><th>"coverage"</th><th>"rerank"</th><th>"used"</th></tr></thead>
                        <tbody>
                            {t.ranked.into_iter().map(|s| view! {
                                <tr class="border-t border-slate-200">
                                    <td title=s.text.clone()>{s.section.clone()} " · " {s.chunk_id.clone()}</td>
                                    <td>{fmt(s.cosine)}</td>
                                    <td>{fmt(s.bm25)}</td>
                                    <td>{s.vector_rank.map(|r| r.to_string()).unwrap_or_default()}</td>
                                    <td>{s.text_rank.map(|r| r.to_string()).unwrap_or_default()}</td>
                                    <td>{format!("{:.4}", s.rrf)}</td>
                                    <td>{format!("{:.2}", s.coverage)}</td>
                                    <td>{format!("{:.3}", s.rerank)}</td>
                                    <td>{rehearse_types::chunk_use(s.passed, s.second_look, s.reason.as_deref())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </section>
    }
}
