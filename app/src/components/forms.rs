use leptos::prelude::*;
use rehearse_types::FormErrors;

/// A labelled input with the server's message for it, if any.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    errors: FormErrors,
) -> impl IntoView {
    let message = errors.for_field(name).map(str::to_owned);
    let invalid = message.is_some();
    let input_class = if invalid {
        "mt-1 block w-full rounded-md border border-red-400 px-3 py-2 shadow-sm focus:border-red-500 focus:outline-none"
    } else {
        "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-indigo-500 focus:outline-none"
    };
    let error_id = format!("{name}-error");
    view! {
        <label class="block">
            <span class="text-sm font-medium text-slate-700">{label}</span>
            <input
                class=input_class
                type=kind
                name=name
                id=name
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=if invalid { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            {message.map(|m| view! {
                <span id=error_id class="mt-1 block text-sm text-red-600" data-testid=format!("error-{name}")>{m}</span>
            })}
        </label>
    }
}

/// The message about the whole form (for example "wrong email or password").
#[component]
pub fn FormMessage(errors: FormErrors) -> impl IntoView {
    errors.form.map(|m| {
        view! {
            <div role="alert" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="form-error">
                {m}
            </div>
        }
    })
}

/// An error from a server function, as a notice.
#[component]
pub fn ErrorNotice(message: String) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-red-700" data-testid="page-error">
            {message}
        </div>
    }
}

/// The inside of a form that acts on one item (ends a session, queues a job again, ...): the
/// item's id as the hidden `id` field the server function reads, and the button, labelled by
/// `children`.
#[component]
pub fn IdSubmit(
    #[prop(into)] id: String,
    class: &'static str,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <input type="hidden" name="id" value=id/>
        <button type="submit" class=class data-testid=testid>{children()}</button>
    }
}
