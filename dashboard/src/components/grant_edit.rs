//! Changing a grant in place: another role (of those the editor may give: nobody grants more
//! than they hold, and the server checks it again) and another end, a date and time or never.
use chrono::{DateTime, Utc};
use fleetwarden_wire::sharing::UpdateGrant;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::admin::{FormDialog, local_to_utc, utc_to_local};

/// The grant as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantShown {
    /// Its id.
    pub id: Uuid,
    /// Its role's name (the chain names the role, not its id).
    pub role_name: String,
    /// When it ends; `None` = until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// What it reads as, e.g. "operator on device bos-1".
    pub sentence: String,
}

/// A modal form; `on_done` gets a sentence saying what changed.
#[component]
pub fn EditGrant(
    /// The grant's tenant.
    tenant: Uuid,
    /// The grant.
    grant: GrantShown,
    /// My actions on what the grant covers; `None` for a tenant admin, who holds everything.
    my_actions: Option<Vec<String>>,
    /// Closes without changing anything.
    on_close: Callback<()>,
    /// After the change.
    on_done: Callback<String>,
) -> impl IntoView {
    let roles = LocalResource::new(move || async move { api::directory::roles(tenant).await });
    let role = RwSignal::new(String::new());
    let never = RwSignal::new(grant.expires_at.is_none());
    let until = RwSignal::new(grant.expires_at.map(utc_to_local).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let my_actions = StoredValue::new(my_actions);
    let original = StoredValue::new(grant.clone());
    let grantable = move |actions: &[String]| {
        !actions.is_empty()
            && my_actions.with_value(|mine| {
                mine.as_ref()
                    .is_none_or(|mine| actions.iter().all(|a| mine.contains(a)))
            })
    };

    let submit = Callback::new(move |()| {
        let grant = original.get_value();
        let current_role = roles
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|r| r.name == grant.role_name))
            .map(|r| r.id);
        let new_role = Uuid::parse_str(&role.get_untracked()).ok().or(current_role);
        let new_end = if never.get_untracked() {
            None
        } else {
            match local_to_utc(until.get_untracked().trim()) {
                Some(t) => Some(t),
                None => {
                    error.set(Some(
                        "Choose when it ends, or tick “Never (until revoked)”.".into(),
                    ));
                    return;
                }
            }
        };
        let change = UpdateGrant {
            role_id: new_role.filter(|r| Some(*r) != current_role),
            // Compared to the minute, as the form shows it.
            expires_at: (new_end.map(utc_to_local) != grant.expires_at.map(utc_to_local))
                .then_some(new_end),
        };
        if change.role_id.is_none() && change.expires_at.is_none() {
            on_close.run(());
            return;
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::sharing::update_grant(tenant, grant.id, &change).await {
                Ok(g) => {
                    let end = g.expires_at.map_or_else(
                        || "until revoked".to_owned(),
                        |t| format!("until {}", crate::components::admin::when(t)),
                    );
                    on_done.run(format!("Changed the grant: {} {end}.", g.role_name));
                }
                Err(e) => error.set(Some(words(&e))),
            }
            busy.set(false);
        });
    });

    let current = grant.role_name.clone();
    view! {
        <FormDialog title=format!("Edit {}", grant.sentence) submit_label="Save" busy
            on_submit=submit on_close>
            <label for="grant-role">"Role"</label>
            {move || match roles.get() {
                None => view! { <p class="muted" role="status">"Loading roles…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) => {
                    let current = current.clone();
                    view! {
                        <select id="grant-role"
                            on:change=move |ev| role.set(event_target_value(&ev))>
                            {list.into_iter()
                                // The current role stays offered even if I couldn't give it.
                                .filter(|r| r.name == current || grantable(&r.actions))
                                .map(|r| {
                                    let selected = r.name == current;
                                    view! {
                                        <option value=r.id.to_string() selected=selected
                                            title=r.actions.join(", ")>
                                            {r.name}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
                    .into_any()
                }
            }}
            <fieldset class="plain">
                <legend>"Ends"</legend>
                <label class="check">
                    <input type="checkbox" bind:checked=never/>
                    "Never (until revoked)"
                </label>
                <label for="grant-until" class="visually-hidden">"Ends at"</label>
                <input id="grant-until" type="datetime-local" bind:value=until
                    disabled=move || never.get()/>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </FormDialog>
    }
}

/// The server's refusals of a change, in words.
fn words(e: &ApiError) -> String {
    match e.status() {
        Some(409) => "That person or group already holds this role on it through another \
                      grant; revoke one of them instead."
            .into(),
        _ => e.words(),
    }
}
