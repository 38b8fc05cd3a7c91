//! Parts the administration pages share: a form in a modal dialog, an inline "are you sure?"
//! button, the administrators' gate, and times as people read and type them.
use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::session::use_session;

/// A form in a modal dialog. Focus moves to its first field on open; Escape and Cancel dismiss
/// it and put focus back where it was; Enter in a field submits.
#[component]
pub fn FormDialog(
    /// Heading, also the dialog's accessible name.
    #[prop(into)]
    title: String,
    /// The submit button's words, e.g. "Save".
    #[prop(into)]
    submit_label: String,
    /// While a request runs: the submit button is disabled so it isn't sent twice.
    #[prop(into)]
    busy: Signal<bool>,
    /// Submits (the dialog stays open until the caller closes it, so errors show inside).
    on_submit: Callback<()>,
    /// Dismisses without submitting.
    on_close: Callback<()>,
    /// The fields (and any error line).
    children: Children,
) -> impl IntoView {
    let opener = StoredValue::new_local(focused_element());
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            focus_first(&panel, "input:not([type=hidden]), select, textarea, button");
        }
    });
    let dismiss = move || {
        opener.with_value(|o| {
            if let Some(o) = o {
                let _ = o.focus();
            }
        });
        on_close.run(());
    };
    view! {
        <div class="backdrop"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    ev.stop_propagation();
                    dismiss();
                }
            }>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="form-dialog-title"
                node_ref=panel>
                <h2 id="form-dialog-title">{title}</h2>
                <form on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    if !busy.get_untracked() {
                        on_submit.run(());
                    }
                }>
                    {children()}
                    <div class="buttons">
                        <button type="button" on:click=move |_| dismiss()>"Cancel"</button>
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            {submit_label}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}

/// A button that asks before acting, in place: the question replaces it with "Yes" and
/// "Keep". Focus lands on "Keep", so a stray Enter doesn't destroy anything; Escape keeps.
#[component]
pub fn ConfirmButton(
    /// The button's words, e.g. "Delete".
    #[prop(into)]
    label: String,
    /// Its accessible name when the words alone are ambiguous in a list ("Delete site Boston").
    #[prop(into)]
    aria_label: String,
    /// The question, saying what will be lost.
    #[prop(into)]
    question: String,
    /// The confirming button's words, e.g. "Yes, delete".
    #[prop(into)]
    confirm_label: String,
    /// Runs once confirmed.
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let keep = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(keep) = keep.get() {
            let _ = keep.focus();
        }
    });
    let label = StoredValue::new(label);
    let aria_label = StoredValue::new(aria_label);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! {
                <button type="button" class="danger small" aria-label=aria_label.get_value()
                    on:click=move |_| asking.set(true)>
                    {label.get_value()}
                </button>
            }
        >
            <span class="confirm" role="group" aria-label="Confirm"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.stop_propagation();
                        asking.set(false);
                    }
                }>
                <span>{question.clone()}</span>
                <button type="button" class="danger small"
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }>
                    {confirm_label.clone()}
                </button>
                <button type="button" class="small" node_ref=keep
                    on:click=move |_| asking.set(false)>
                    "Keep"
                </button>
            </span>
        </Show>
    }
}

/// Shows its children to whoever administers something in the tenant shown (its admins, and
/// the managers of its organizations); tells anyone else why there is nothing here. The links
/// are hidden from them already; this covers typed URLs. Each page offers only what the
/// person may do, and the server decides.
#[component]
pub fn AdministratorsOnly(
    /// What the page is for, e.g. "manage people".
    #[prop(into)]
    what: String,
    /// The page, given the tenant shown; built again when another tenant is chosen.
    page: fn(Uuid) -> AnyView,
) -> impl IntoView {
    let session = use_session();
    move || {
        match (session.tenant.get(), session.may_administer()) {
        (Some(tenant), true) => page(tenant),
        (None, _) => view! {
            <p class="empty">"You don't belong to a tenant yet, so there is nothing to manage here."</p>
        }
        .into_any(),
        (Some(_), false) => view! {
            <p class="empty">
                {format!("Only the tenant's administrators and its organizations' managers can {what}.")}
            </p>
        }
        .into_any(),
    }
    }
}

/// What the last action in a section came to: a sentence of success, or the error in words.
#[derive(Clone, Copy)]
pub struct Feedback {
    /// The last success.
    pub notice: RwSignal<Option<String>>,
    /// The last failure.
    pub error: RwSignal<Option<String>>,
}

impl Feedback {
    /// Nothing to say yet.
    pub fn new() -> Self {
        Self {
            notice: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Says that it worked.
    pub fn done(self, message: impl Into<String>) {
        self.error.set(None);
        self.notice.set(Some(message.into()));
    }

    /// Says what went wrong.
    pub fn failed(self, message: impl Into<String>) {
        self.notice.set(None);
        self.error.set(Some(message.into()));
    }

    /// The sentence, where the section shows it.
    pub fn view(self) -> impl IntoView {
        move || {
            self.error
                .get()
                .map(|e| view! { <p class="error" role="alert">{e}</p> }.into_any())
                .or_else(|| {
                    self.notice
                        .get()
                        .map(|n| view! { <p class="notice" role="status">{n}</p> }.into_any())
                })
        }
    }
}

impl Default for Feedback {
    fn default() -> Self {
        Self::new()
    }
}

/// A time as the pages show it (UTC, to the minute, as elsewhere in the dashboard).
pub fn when(t: DateTime<Utc>) -> String {
    // By hand, not `format("%Y-…")`: chrono's format-string machinery is large in wasm.
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A `datetime-local` value, read in the browser's time zone, as UTC.
pub fn local_to_utc(local: &str) -> Option<DateTime<Utc>> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
    if date.get_time().is_nan() {
        return None;
    }
    let iso = String::from(date.to_iso_string());
    DateTime::parse_from_rfc3339(&iso)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A UTC time as a `datetime-local` value in the browser's time zone (to the minute).
pub fn utc_to_local(t: DateTime<Utc>) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

fn focused_element() -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Focuses the first element under `root` matching `selector`.
pub fn focus_first(root: &web_sys::Element, selector: &str) {
    if let Some(el) = root
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
