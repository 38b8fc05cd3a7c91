//! A device's current values: what its telemetry last published on the live stream, and for
//! the variables the stream doesn't carry (or hasn't yet), one read on opening, after each
//! function call and on "Read now". No polling: every variable read is audited, and a page
//! left open must not fill the audit log.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::format::{now, time_of_day};
use crate::live::Link;

/// The telemetry names a pump publishes, with their titles and units.
pub const TELEMETRY: [(&str, &str, &str); 2] =
    [("pressure", "Pressure", "bar"), ("flow", "Flow", "L/min")];

/// The last value of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Latest {
    /// Published by the device (`live`) or read from it, with when.
    Value {
        text: String,
        at: DateTime<Utc>,
        live: bool,
    },
    /// The read failed, in words.
    Failed(String),
}

/// The latest value per name, shared by the page's live stream and its reads.
pub type Values = RwSignal<BTreeMap<String, Latest>>;

/// Reads `names` once each; a read never replaces a value the live stream brought.
pub fn read(id: String, names: Vec<String>, values: Values, busy: RwSignal<bool>) {
    if names.is_empty() || busy.get_untracked() {
        return;
    }
    busy.set(true);
    spawn_local(async move {
        for name in names {
            let latest = match api::devices::read_variable(&id, &name).await {
                Ok(v) => Latest::Value {
                    text: show(&v.value),
                    at: now(),
                    live: false,
                },
                Err(e) => Latest::Failed(e.words()),
            };
            values.try_update(|values| {
                let is_live = matches!(values.get(&name), Some(Latest::Value { live: true, .. }));
                if !is_live {
                    values.insert(name, latest);
                }
            });
        }
        busy.try_set(false);
    });
}

/// The names with no live value yet.
pub fn not_live(names: &[String], values: Values) -> Vec<String> {
    values.with_untracked(|v| {
        names
            .iter()
            .filter(|n| !matches!(v.get(*n), Some(Latest::Value { live: true, .. })))
            .cloned()
            .collect()
    })
}

fn show(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The table of current values: the telemetry names, then the readable variables. Those the
/// stream hasn't brought are read on opening and after each function call (`kick`).
#[component]
pub fn Now(
    id: String,
    readable: Vec<String>,
    values: Values,
    link: RwSignal<Link>,
    kick: RwSignal<u64>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    Effect::new({
        let (id, readable) = (id.clone(), readable.clone());
        move |_| {
            kick.track();
            read(id.clone(), not_live(&readable, values), values, busy);
        }
    });
    let mut names: Vec<String> = TELEMETRY.iter().map(|t| t.0.to_owned()).collect();
    names.extend(
        readable
            .iter()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let may_read = !readable.is_empty();
    let read_all = move |_| read(id.clone(), readable.clone(), values, busy);
    view! {
        <p class=move || link.get().class() role="status">
            {move || link.get().words()}
        </p>
        <table class="variables">
            <tbody>
                {names.into_iter().map(|name| {
                    let unit = TELEMETRY.iter().find(|t| t.0 == name).map(|t| t.2);
                    let key = name.clone();
                    let source = {
                        let key = key.clone();
                        move || values.with(|v| match v.get(&key) {
                            Some(Latest::Value { live: true, .. }) => "live",
                            Some(Latest::Value { .. }) => "read",
                            _ => "none",
                        })
                    };
                    view! {
                        <tr>
                            <th scope="row">{name.clone()}</th>
                            <td id=format!("var-{name}") data-source=source>
                                {move || values.with(|v| match v.get(&key) {
                                    None => view! {
                                        <span class="muted">"Nothing published yet"</span>
                                    }.into_any(),
                                    Some(Latest::Value { text, at, live }) => view! {
                                        <span class="value">{text.clone()}</span>
                                        {unit.map(|u| view! { <span class="unit">{u}</span> })}
                                        <span class="hint when">
                                            {format!("{} {}", if *live { "published" } else { "read" }, time_of_day(*at))}
                                        </span>
                                    }.into_any(),
                                    Some(Latest::Failed(words)) => view! {
                                        <span class="error">{words.clone()}</span>
                                    }.into_any(),
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {if may_read {
            view! {
                <p class="hint">
                    <button type="button" on:click=read_all disabled=move || busy.get()>
                        "Read now"
                    </button>
                    " Values update as the device publishes them. Reading asks the device \
                     directly (each read is recorded in the audit log)."
                </p>
            }.into_any()
        } else {
            view! {
                <p class="hint">"Values update as the device publishes them."</p>
            }.into_any()
        }}
    }
}
