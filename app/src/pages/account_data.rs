//! `/account/data`, "Your data": download everything the platform keeps about you, or delete
//! your account with all of it. Any signed-in role has this page (the page guard); its server
//! functions act only on the caller. Both work without JavaScript: the download is a plain
//! link, the deletion a plain form.

use crate::api::DeleteMyAccount;
use crate::components::forms::ErrorNotice;
use crate::components::layout::PageHeader;
use leptos::prelude::*;

#[component]
pub fn AccountData() -> impl IntoView {
    let delete = ServerAction::<DeleteMyAccount>::new();
    let error = move || delete.value().get().and_then(|r| r.err());
    view! {
        <PageHeader title="Your data" heading="Your data">
            "What Rehearse keeps about you: your account, your interviews with every message and report, "
            "and a record of each call made to the AI model for you (without its prompt). "
            "Records of the AI model's prompts are deleted after a set number of days in any case."
        </PageHeader>

        <section class="mb-8 rounded-lg border border-slate-200 bg-white p-4">
            <h2 class="mb-2 text-lg font-semibold">"Download my data"</h2>
            <p class="mb-3 text-sm text-slate-600">"One JSON file with all of it."</p>
            <a
                href="/api/export_my_data"
                download="rehearse-my-data.json"
                rel="external"
                class="inline-block rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
                data-testid="download-data"
            >
                "Download my data"
            </a>
        </section>

        <section class="rounded-lg border border-red-200 bg-white p-4">
            <h2 class="mb-2 text-lg font-semibold text-red-700">"Delete my account"</h2>
            <p class="mb-3 text-sm text-slate-600">
                "This deletes your account, your interviews, their messages and reports, and the records "
                "of AI calls made for you, and signs you out everywhere. It cannot be undone. "
                "The security log keeps its entries about your account under a pseudonym, without your email address."
            </p>
            {move || error().map(|e| view! { <ErrorNotice message=e.to_string()/> })}
            <ActionForm action=delete attr:class="mt-3 flex flex-wrap items-end gap-3">
                <label class="block">
                    <span class="text-sm font-medium text-slate-700">
                        "Your current password (no password? your email address)"
                    </span>
                    <input
                        type="password"
                        name="password"
                        required=true
                        autocomplete="current-password"
                        class="mt-1 block w-72 rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-red-500 focus:outline-none"
                        data-testid="delete-password"
                    />
                </label>
                <button
                    type="submit"
                    class="rounded-md bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-500"
                    data-testid="delete-account"
                >
                    "Delete my account"
                </button>
            </ActionForm>
        </section>
    }
}
