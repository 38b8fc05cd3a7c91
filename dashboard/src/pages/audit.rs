//! The tenant's audit log, for its administrators and its organizations' managers (the server
//! shows each the records of what they administer): who did what to which object and when,
//! newest first, filtered and paged by the server; each change shown as what it changed, each
//! run of refused attempts as one line.
use fleetwarden_wire::directory::{AuditQuery, AuditRecordResponse, PagingQuery};
use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::api;
use crate::components::admin::{AdministratorsOnly, local_to_utc, when};
use crate::format::{non_blank, plural};
use crate::session::use_session;

const PER_PAGE: u64 = 50;

/// Actions the server records, offered as suggestions (any other text still filters).
const ACTIONS: [&str; 31] = [
    "access.refused",
    "grant.",
    "grant.create",
    "grant.revoke",
    "device.",
    "device.function_call",
    "device.variable_read",
    "device.update",
    "device.onboard",
    "device.transfer_in",
    "device.transfer_out",
    "organization.",
    "site.",
    "group.",
    "group.member_add",
    "group.member_remove",
    "membership.update",
    "membership.remove",
    "invitation.",
    "invitation.create",
    "invitation.accept",
    "invitation.revoke",
    "role.",
    "auth.",
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "session.revoke",
    "api_token.",
    "api_token.create",
    "api_token.revoke",
];

const TARGET_KINDS: [&str; 9] = [
    "device",
    "grant",
    "group",
    "organization",
    "site",
    "user",
    "invitation",
    "role",
    "tenant",
];

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! { <AdministratorsOnly what="read the audit log" page=audit_page/> }
}

fn audit_page(tenant: Uuid) -> AnyView {
    if !use_session().may("audit.read") {
        return view! {
            <div class="page-head"><h1>"Audit log"</h1></div>
            <p class="empty">"Your role doesn't include reading the audit log."</p>
        }
        .into_any();
    }
    // The form's fields; the query only changes when the form is applied.
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let target_kind = RwSignal::new(String::new());
    let target_id = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let refused_only = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    let query = RwSignal::new((AuditQuery::default(), nth_page(1)));
    let users = LocalResource::new(move || async move { api::directory::users(tenant).await });
    let records = LocalResource::new(move || {
        let (filter, paging) = query.get();
        async move { api::audit::records(tenant, &filter, &paging).await }
    });

    let apply = move || {
        let parse_time = |field: &str, value: String| match value.trim() {
            "" => Ok(None),
            v => local_to_utc(v)
                .map(Some)
                .ok_or_else(|| format!("“{field}” isn't a valid date and time.")),
        };
        let (from_t, to_t) = match (
            parse_time("From", from.get_untracked()),
            parse_time("Until", to.get_untracked()),
        ) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(e), _) | (_, Err(e)) => {
                form_error.set(Some(e));
                return;
            }
        };
        if let (Some(f), Some(t)) = (from_t, to_t)
            && f >= t
        {
            form_error.set(Some("“From” must be before “Until”.".into()));
            return;
        }
        form_error.set(None);
        let filter = AuditQuery {
            actor: Uuid::parse_str(&actor.get_untracked()).ok(),
            action: non_blank(&action.get_untracked()),
            target_kind: non_blank(&target_kind.get_untracked()),
            target_id: non_blank(&target_id.get_untracked()),
            from: from_t,
            to: to_t,
            refused: refused_only.get_untracked().then_some(true),
        };
        query.set((filter, nth_page(1)));
    };
    let clear = move |_| {
        for field in [actor, action, target_kind, target_id, from, to] {
            field.set(String::new());
        }
        refused_only.set(false);
        apply();
    };
    // Clicking an object in a row narrows the log to that object's history.
    let follow = Callback::new(move |(kind, id): (String, String)| {
        target_kind.set(kind);
        target_id.set(id);
        apply();
    });
    let filtered = move || query.with(|(filter, _)| *filter != AuditQuery::default());

    view! {
        <div class="page-head"><h1>"Audit log"</h1></div>
        <form class="card audit-filters"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                apply();
            }>
            <div class="field">
                <label for="audit-actor">"Who"</label>
                <select id="audit-actor" bind:value=actor>
                    <option value="">"Anyone"</option>
                    {move || users.get().and_then(Result::ok).map(|mut list| {
                        crate::order::by_text(&mut list, |a| crate::order::folded(&a.display_name));
                        list.into_iter().map(|u| view! {
                            <option value=u.id.to_string()>{format!("{} <{}>", u.display_name, u.email)}</option>
                        }).collect_view()
                    })}
                </select>
            </div>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <input id="audit-action" list="audit-actions" placeholder="e.g. grant. or grant.revoke"
                    aria-describedby="audit-action-hint" bind:value=action/>
                <datalist id="audit-actions">
                    {ACTIONS.iter().map(|a| view! { <option value=*a/> }).collect_view()}
                </datalist>
                <p class="hint" id="audit-action-hint">"End with a dot for every action that starts so."</p>
            </div>
            <div class="field">
                <label for="audit-kind">"Object kind"</label>
                <select id="audit-kind" bind:value=target_kind>
                    <option value="">"Any"</option>
                    {TARGET_KINDS.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-target">"Object id"</label>
                <input id="audit-target" class="mono" placeholder="device id or uuid"
                    bind:value=target_id/>
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" type="datetime-local" bind:value=from/>
            </div>
            <div class="field">
                <label for="audit-to">"Until"</label>
                <input id="audit-to" type="datetime-local" bind:value=to/>
            </div>
            <label class="check">
                <input type="checkbox" bind:checked=refused_only/>
                "Refused attempts only"
            </label>
            <div class="field buttons">
                <button type="submit" class="primary">"Apply filters"</button>
                <button type="button" on:click=clear>"Clear"</button>
                <a class="button" download=""
                    href=move || query.with(|(filter, _)| api::audit::export_url(tenant, filter).ok())
                    title="The records these filters select, as a CSV file (up to 50,000)">
                    "Export CSV"
                </a>
            </div>
            {move || form_error.get().map(|e| view! { <p class="error full" role="alert">{e}</p> })}
        </form>
        {move || match records.get() {
            None => view! { <p class="muted" role="status">"Loading the audit log…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(page)) if page.items.is_empty() => {
                let text = if filtered() {
                    "No records match these filters."
                } else {
                    "Nothing has been recorded in this tenant yet."
                };
                view! { <p class="empty">{text}</p> }.into_any()
            }
            Some(Ok(page)) => {
                let pages = page.total.div_ceil(page.per_page.max(1)).max(1);
                let current = page.page;
                // Computed here: a bare `>=` inside `view!` attributes ends the tag early.
                let (first, last) = (current <= 1, current >= pages);
                view! {
                    <div class="table-scroll">
                        <table class="list audit">
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"Action"</th>
                                    <th scope="col">"Object"</th>
                                    <th scope="col">"Change"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.items.into_iter().map(|r| record_row(r, follow)).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label="Pages">
                        <button type="button" disabled=first
                            on:click=move |_| query.update(|(_, paging)| *paging = nth_page(current.saturating_sub(1).max(1)))>
                            "Newer"
                        </button>
                        <span>{format!(
                            "Page {current} of {pages} · {}",
                            plural(usize::try_from(page.total).unwrap_or(usize::MAX), "record")
                        )}</span>
                        <button type="button" disabled=last
                            on:click=move |_| query.update(|(_, paging)| *paging = nth_page(current + 1))>
                            "Older"
                        </button>
                    </nav>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}

/// Page `number` of the log, [`PER_PAGE`] records long.
fn nth_page(number: u64) -> PagingQuery {
    PagingQuery {
        page: Some(number),
        per_page: Some(PER_PAGE),
    }
}

fn record_row(r: AuditRecordResponse, follow: Callback<(String, String)>) -> impl IntoView {
    let who = r.actor_email.clone().unwrap_or_else(|| "the system".into());
    let object = r.target_id.clone().map(|id| {
        let kind = r.target_kind.clone();
        let label = format!("Show the history of {kind} {id}");
        let (k, i) = (kind.clone(), id.clone());
        view! {
            <button type="button" class="link mono" title=label.clone() aria-label=label
                on:click=move |_| follow.run((k.clone(), i.clone()))>
                {short_id(&id)}
            </button>
        }
    });
    let refused = (r.action == "access.refused").then(|| refusal(r.after.as_ref()));
    let changes = match refused {
        Some(line) => line,
        None => changes(r.before.as_ref(), r.after.as_ref()),
    };
    let full = (r.before.is_some() || r.after.is_some()).then(|| {
        let pretty = |v: &Option<Value>| {
            v.as_ref()
                .and_then(|v| serde_json::to_string_pretty(v).ok())
                .unwrap_or_else(|| "—".into())
        };
        view! {
            <details>
                <summary>"Details"</summary>
                <div class="before-after">
                    <div><strong>"Before"</strong><pre>{pretty(&r.before)}</pre></div>
                    <div><strong>"After"</strong><pre>{pretty(&r.after)}</pre></div>
                </div>
                {r.request_id.clone().map(|id| view! { <p class="hint mono">"request " {id}</p> })}
            </details>
        }
    });
    view! {
        <tr>
            <td class="nowrap">{when(r.created_at)}</td>
            <td>{who}</td>
            <td><code>{r.action.clone()}</code></td>
            <td>{r.target_kind.clone()}" "{object}</td>
            <td class="change">
                <ul class="changes">
                    {changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
                {full}
            </td>
        </tr>
    }
}

/// A run of refused attempts in a line or two: "refused: device.function.call ×10000
/// (not_found)", then when, if the run lasted.
fn refusal(after: Option<&Value>) -> Vec<String> {
    let field = |name: &str| after.and_then(|a| a.get(name));
    let attempted = field("attempted")
        .and_then(Value::as_str)
        .unwrap_or("something");
    let reason = field("reason").and_then(Value::as_str).unwrap_or("refused");
    let count = field("count").and_then(Value::as_u64).unwrap_or(1);
    let times = if count > 1 {
        format!(" ×{count}")
    } else {
        String::new()
    };
    let mut lines = vec![format!("refused: {attempted}{times} ({reason})")];
    let at = |name: &str| {
        field(name)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| when(t.with_timezone(&chrono::Utc)))
    };
    if let (Some(first), Some(last)) = (at("first_at"), at("last_at"))
        && first != last
    {
        lines.push(format!("from {first} to {last}"));
    }
    if let Some(targets) = field("targets").and_then(Value::as_array)
        && targets.len() > 1
    {
        let shown: Vec<String> = targets.iter().take(3).map(compact).collect();
        let more = targets.len().saturating_sub(3);
        lines.push(if more > 0 {
            format!("on {} and {more} more", shown.join(", "))
        } else {
            format!("on {}", shown.join(", "))
        });
    }
    lines
}

/// The change in a few short lines: fields that differ as `field: old → new`, or the
/// fields of what was created or removed.
fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    const MAX: usize = 4;
    let mut lines: Vec<String> = match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            crate::order::by_text(&mut keys, |k| (*k).clone());
            keys.dedup();
            keys.into_iter()
                .filter(|k| b.get(*k) != a.get(*k))
                .map(|k| {
                    format!(
                        "{k}: {} → {}",
                        b.get(k).map_or_else(|| "—".into(), compact),
                        a.get(k).map_or_else(|| "—".into(), compact)
                    )
                })
                .collect()
        }
        (None, Some(Value::Object(a))) => fields(a, "+ "),
        (Some(Value::Object(b)), None) => fields(b, "− "),
        (b, a) => [
            b.map(|b| format!("before: {}", compact(b))),
            a.map(|a| format!("after: {}", compact(a))),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    if lines.len() > MAX {
        let more = lines.len() - MAX;
        lines.truncate(MAX);
        lines.push(format!("… and {more} more"));
    }
    lines
}

fn fields(map: &serde_json::Map<String, Value>, sign: &str) -> Vec<String> {
    map.iter()
        // Ids repeat what the row's object already says.
        .filter(|(k, _)| k.as_str() != "id" && k.as_str() != "tenant_id")
        .map(|(k, v)| format!("{sign}{k}: {}", compact(v)))
        .collect()
}

fn compact(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// UUIDs shortened to their last 8 digits (ours are v7: the first ones are the time, the same
/// for everything made in the same minute, so they don't tell objects apart); other ids
/// (device ids) as they are.
fn short_id(id: &str) -> String {
    match Uuid::parse_str(id) {
        Ok(uuid) => {
            let hex = uuid.simple().to_string();
            format!(
                "…{}",
                hex.get(hex.len().saturating_sub(8)..).unwrap_or(&hex)
            )
        }
        Err(_) => id.to_owned(),
    }
}
