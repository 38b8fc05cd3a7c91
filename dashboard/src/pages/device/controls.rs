//! A control for each function my role may call, drawn from its catalog entry: a button for a
//! function without an argument, a number field with its unit and range, a choice, or a text
//! field; a confirmation first where the catalog asks for one (a reset). The argument is
//! checked here, in words, before anything is sent; the server checks it again.
use fleetwarden_wire::products::{ArgumentSpec, CatalogEntry};
use fleetwarden_wire::sharing::FunctionCallResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;

use crate::api::{self, ApiError};

/// A number as JavaScript writes it (`10`, `2.5`): keeps Rust's float formatting, and its
/// size, out of the wasm.
fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// A number as JavaScript reads it, whole text only (`isFinite("4x")` is false, while
/// `parseFloat` would take the 4); `None` for anything else.
fn read_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || !js_sys::is_finite(&JsValue::from_str(text)) {
        return None;
    }
    Some(js_sys::Number::parse_float(text))
}

/// "0 to 10 bar": a number field's range, for its hint and its error.
fn range_words(min: f64, max: f64, unit: Option<&str>) -> String {
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
    format!("{} to {}{unit}", number_text(min), number_text(max))
}

/// The argument to send for `raw` as `spec` wants it, or why not, in words.
fn argument(spec: Option<&ArgumentSpec>, raw: &str) -> Result<String, String> {
    match spec {
        None => Ok(raw.to_owned()),
        Some(ArgumentSpec::None) => Ok(String::new()),
        Some(ArgumentSpec::Number { unit, min, max }) => match read_number(raw) {
            Some(n) if n >= *min && n <= *max => Ok(raw.trim().to_owned()),
            _ => Err(format!(
                "Enter a number from {}.",
                range_words(*min, *max, unit.as_deref())
            )),
        },
        Some(ArgumentSpec::Choice { options }) => {
            if options.iter().any(|o| o == raw) {
                Ok(raw.to_owned())
            } else {
                Err(format!("Choose one of: {}.", options.join(", ")))
            }
        }
        Some(ArgumentSpec::Text { max_length }) => {
            if raw.len() <= *max_length as usize {
                Ok(raw.to_owned())
            } else {
                Err(format!("At most {max_length} characters."))
            }
        }
    }
}

/// One function: its field (if it takes an argument), its button, a confirmation where the
/// catalog asks for one, and the last result or error in words.
#[component]
pub fn FunctionControl(id: String, entry: CatalogEntry, kick: RwSignal<u64>) -> impl IntoView {
    let name = entry.name.clone();
    let label = entry.label.clone().unwrap_or_else(|| name.clone());
    let spec = entry.argument.clone();
    let first_choice = match &spec {
        Some(ArgumentSpec::Choice { options }) => options.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let arg = RwSignal::new(first_choice);
    let result = RwSignal::new(None::<Result<FunctionCallResponse, ApiError>>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(false);

    let send = {
        let name = name.clone();
        Callback::new(move |value: String| {
            confirming.set(false);
            busy.set(true);
            let (id, name) = (id.clone(), name.clone());
            spawn_local(async move {
                let answer = api::devices::call_function(&id, &name, value).await;
                if answer.is_ok() {
                    kick.update(|k| *k += 1);
                }
                result.set(Some(answer));
                busy.set(false);
            });
        })
    };
    let checked = {
        let spec = spec.clone();
        move || argument(spec.as_ref(), &arg.get_untracked())
    };
    let submit = {
        let checked = checked.clone();
        let needs_confirming = entry.confirm;
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            match checked() {
                Err(why) => {
                    result.set(None);
                    problem.set(Some(why));
                }
                Ok(_) if needs_confirming => {
                    problem.set(None);
                    confirming.set(true);
                }
                Ok(value) => {
                    problem.set(None);
                    send.run(value);
                }
            }
        }
    };

    let input_id = format!("fn-{name}-arg");
    let hint_id = format!("fn-{name}-hint");
    let result_id = format!("fn-{name}-result");
    let describe = format!("{hint_id} {result_id}");
    let description = entry.description.clone();
    // The label and the field; the hint goes under them, after the button.
    let (field, hint) = match &spec {
        Some(ArgumentSpec::None) => (
            view! { <span class="function-label">{label.clone()}</span><span></span> }.into_any(),
            description,
        ),
        Some(ArgumentSpec::Number { unit, min, max }) => {
            let shown = match unit {
                Some(u) => format!("{label} ({u})"),
                None => label.clone(),
            };
            let field = view! {
                <label for=input_id.clone()>{shown}</label>
                <input id=input_id type="number" inputmode="decimal" step="any"
                    min=number_text(*min) max=number_text(*max) required=true
                    aria-describedby=describe bind:value=arg/>
            };
            let hint = format!("From {}.", range_words(*min, *max, unit.as_deref()));
            (field.into_any(), Some(hint))
        }
        Some(ArgumentSpec::Choice { options }) => {
            let options = options.clone();
            let field = view! {
                <label for=input_id.clone()>{label.clone()}</label>
                <select id=input_id aria-describedby=describe bind:value=arg>
                    {options
                        .into_iter()
                        .map(|o| {
                            let value = o.clone();
                            view! { <option value=value>{o}</option> }
                        })
                        .collect_view()}
                </select>
            };
            (field.into_any(), description)
        }
        Some(ArgumentSpec::Text { max_length }) => {
            let field = view! {
                <label for=input_id.clone()>{label.clone()}</label>
                <input id=input_id type="text" maxlength=max_length.to_string()
                    aria-describedby=describe bind:value=arg/>
            };
            (field.into_any(), description)
        }
        None => {
            let placeholder = description
                .clone()
                .unwrap_or_else(|| "Argument (optional)".into());
            let field = view! {
                <label for=input_id.clone()>{label.clone()}</label>
                <input id=input_id type="text" placeholder=placeholder
                    aria-describedby=describe bind:value=arg/>
            };
            (field.into_any(), None)
        }
    };
    let button = label.clone();
    let question = format!("{label} this device?");
    let yes = format!("Yes, {}", label.to_lowercase());
    let group_label = format!("Confirm {}", label.to_lowercase());
    view! {
        <form class="function" on:submit=submit aria-label=label.clone() novalidate=true>
            {field}
            <button type="submit" disabled=move || busy.get() || confirming.get()>{button}</button>
            <p id=hint_id class="hint">{hint}</p>
            {move || confirming.get().then(|| {
                let checked = checked.clone();
                view! {
                    <span class="confirm" role="group" aria-label=group_label.clone()
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Escape" {
                                confirming.set(false);
                            }
                        }>
                        <span>{question.clone()}</span>
                        <button type="button" class="danger small" autofocus=true
                            on:click=move |_| match checked() {
                                Ok(value) => send.run(value),
                                Err(why) => {
                                    confirming.set(false);
                                    problem.set(Some(why));
                                }
                            }>
                            {yes.clone()}
                        </button>
                        <button type="button" class="small" on:click=move |_| confirming.set(false)>
                            "Cancel"
                        </button>
                    </span>
                }
            })}
            <p id=result_id class="result" role="status">
                {move || match (problem.get(), result.get()) {
                    (Some(why), _) => view! { <span class="error">{why}</span> }.into_any(),
                    (None, None) => view! { <span></span> }.into_any(),
                    (None, Some(Ok(r))) => {
                        let when = String::from(js_sys::Date::new_0().to_locale_time_string("en-GB"));
                        let text = if r.connected {
                            format!("Done at {when}: the device returned {}.", r.return_value)
                        } else {
                            format!("Sent at {when}, returned {}, but the device reported it \
                                     is not connected.", r.return_value)
                        };
                        view! { <span class="ok">{text}</span> }.into_any()
                    }
                    (None, Some(Err(e))) => view! { <span class="error">{call_error(&e)}</span> }.into_any(),
                }}
            </p>
        </form>
    }
}

/// Function-call errors, said for this place: a 404 here means the device was unshared.
fn call_error(e: &ApiError) -> String {
    match e.status() {
        Some(404) => "Refused: this device is no longer shared with you.".into(),
        Some(403) => "Refused: your role doesn't allow calling this function.".into(),
        _ => e.words(),
    }
}
