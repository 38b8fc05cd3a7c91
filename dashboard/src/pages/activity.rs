//! Live activity: what every device I can see publishes, as it happens, newest first. Only
//! what arrives while the page is open (the stream has no replay); the last [`KEEP`] kept.
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use fleetwarden_wire::history::LiveMessage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::format::{plural, time_of_day};
use crate::live::{self, Link};

/// Rows kept: enough to see a minute of a busy site, few enough to redraw at once.
const KEEP: usize = 200;

/// The activity page.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let rows = RwSignal::new(VecDeque::<(u64, LiveMessage)>::new());
    let received = RwSignal::new(0_u64);
    // Device names, looked up once per device as its first message arrives.
    let names = RwSignal::new(BTreeMap::<String, String>::new());
    let asked = StoredValue::new(BTreeSet::<String>::new());
    let link = RwSignal::new(Link::Connecting);
    live::follow(link, move |m: LiveMessage| {
        let newly_seen = asked.try_update_value(|a| a.insert(m.device_id.clone()));
        if newly_seen == Some(true) {
            let id = m.device_id.clone();
            spawn_local(async move {
                if let Ok(d) = api::devices::device(&id).await {
                    names.try_update(|n| n.insert(id, d.name));
                }
            });
        }
        let n = received.get_untracked() + 1;
        received.set(n);
        rows.update(|r| {
            r.push_front((n, m));
            r.truncate(KEEP);
        });
    });
    let empty = Memo::new(move |_| rows.with(VecDeque::is_empty));
    let caption = move || {
        let total = received.get();
        if total > KEEP as u64 {
            format!("The latest {KEEP} of {total} events received")
        } else {
            format!(
                "{} received",
                plural(usize::try_from(total).unwrap_or(0), "event")
            )
        }
    };
    view! {
        <div class="page-head">
            <div>
                <h1>"Live activity"</h1>
                <p class="muted">
                    "What the devices you can see publish, newest first, as it arrives while this \
                     page is open."
                </p>
            </div>
        </div>
        <p class=move || link.get().class() role="status">{move || link.get().words()}</p>
        {move || {
            // Tracks only emptiness: the table itself stays, and `For` adds rows to it.
            if empty.get() {
                return view! {
                    <p class="empty" data-testid="activity-empty">
                        "Nothing published yet. New events appear here as devices send them."
                    </p>
                }
                .into_any();
            }
            view! {
                <table class="list activity" data-testid="activity">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Device"</th>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Data"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|(n, _)| *n
                            children=move |(_, m)| activity_row(m, names)
                        />
                    </tbody>
                </table>
            }
            .into_any()
        }}
    }
}

fn activity_row(m: LiveMessage, names: RwSignal<BTreeMap<String, String>>) -> impl IntoView {
    let href = format!("/devices/{}", m.device_id);
    let id = m.device_id.clone();
    let device = move || names.with(|n| n.get(&id).cloned().unwrap_or_else(|| id.clone()));
    let data = match (m.name == live::STATUS, m.online) {
        (true, Some(true)) => view! { <span class="status online">"Online"</span> }.into_any(),
        (true, Some(false)) => view! { <span class="status offline">"Offline"</span> }.into_any(),
        _ => view! { <span class="mono">{m.data.clone().unwrap_or_default()}</span> }.into_any(),
    };
    view! {
        <tr data-device=m.device_id.clone() data-event=m.name.clone()>
            <td class="mono">{time_of_day(m.published_at)}</td>
            <td><A href=href>{device}</A></td>
            <td class="mono">{m.name.clone()}</td>
            <td>{data}</td>
        </tr>
    }
}
