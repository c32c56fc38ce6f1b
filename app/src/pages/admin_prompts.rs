//! Prompt templates: every version with its diff, a new version, activate and roll back.

use crate::api::{list_prompts, ActivatePromptVersion, CreatePromptVersion};
use crate::components::forms::ErrorNotice;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPrompts() -> impl IntoView {
    let create = ServerAction::<CreatePromptVersion>::new();
    let activate = ServerAction::<ActivatePromptVersion>::new();
    let versions = Resource::new(
        move || (create.version().get(), activate.version().get()),
        |_| list_prompts(),
    );
    view! {
        <Title text="Prompts · Rehearse"/>
        <h1 class="mb-4 text-2xl font-semibold">"Prompts"</h1>
        {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {move || activate.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice message=e.to_string()/> })}
        {loaded(versions, move |list| {
            let current = list.iter().find(|v| v.active).map(|v| v.body.clone()).unwrap_or_default();
            view! {
                <ActionForm action=create attr:class="mb-6 rounded-lg border border-slate-200 bg-white p-4">
                    <input type="hidden" name="name" value="phrase_question"/>
                    <label class="block text-sm">
                        <span class="text-slate-600">"New version of phrase_question"</span>
                        <textarea name="body" rows="4" class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm">{current}</textarea>
                    </label>
                    <button type="submit" class="mt-2 rounded-md bg-slate-800 px-3 py-1 text-white">"Save as new version"</button>
                </ActionForm>
                <ul class="space-y-4" data-testid="prompt-versions">
                    {list.into_iter().map(|v| view! {
                        <li class="rounded-lg border border-slate-200 bg-white p-4">
                            <div class="flex items-center gap-3 text-sm">
                                <strong>{v.name.clone()} " v" {v.version}</strong>
                                <span class="text-slate-500">{v.created_at.clone()} " " {v.created_by.clone().unwrap_or_default()}</span>
                                {if v.active {
                                    view! { <span class="rounded bg-green-100 px-2 text-green-800">"active"</span> }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action=activate>
                                            <input type="hidden" name="name" value=v.name.clone()/>
                                            <input type="hidden" name="version" value=v.version/>
                                            <button type="submit" class="rounded-md border border-slate-300 px-2 text-slate-700">"Activate"</button>
                                        </ActionForm>
                                    }.into_any()
                                }}
                            </div>
                            <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs">
                                {v.diff.into_iter().map(|line| {
                                    let class = if line.starts_with('+') { "text-green-700" } else if line.starts_with('-') { "text-red-700" } else { "text-slate-600" };
                                    view! { <div class=class>{line}</div> }
                                }).collect_view()}
                            </pre>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}
