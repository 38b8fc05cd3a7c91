//! The share dialog: a device, site or organization, to a user or a group, with a role and an
//! optional end. It offers only the scopes it is given and the roles whose every action the
//! sharer holds (nobody grants more than they hold; the server checks it again).
use fleetwarden_wire::sharing::{CreateGrant, ScopeRef, SubjectKind, SubjectRef};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;

/// Something that can be shared, with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareScope {
    /// The API's scope reference.
    pub scope: ScopeRef,
    /// Its name, e.g. "ClientX Boston".
    pub name: String,
}

impl ShareScope {
    fn label(&self) -> String {
        format!("{} {}", self.scope.kind, self.name)
    }
}

/// A modal dialog; Escape or Cancel closes it, `on_done` gets a sentence saying what was shared.
#[component]
pub fn ShareDialog(
    /// The tenant the scopes belong to.
    tenant: Uuid,
    /// What may be shared from here (at least one).
    scopes: Vec<ShareScope>,
    /// My actions on the scopes; `None` for a tenant admin, who holds everything.
    my_actions: Option<Vec<String>>,
    /// Closes without sharing.
    on_close: Callback<()>,
    /// After sharing.
    on_done: Callback<String>,
) -> impl IntoView {
    let directory = LocalResource::new(move || async move {
        let groups = api::directory::groups(tenant).await?;
        let users = api::directory::users(tenant).await?;
        let roles = api::directory::roles(tenant).await?;
        Ok::<_, api::ApiError>((groups, users, roles))
    });
    let scope_index = RwSignal::new(0_usize);
    let subject_kind = RwSignal::new(SubjectKind::Group);
    let subject = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let first_field = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        if let Some(el) = first_field.get() {
            let _ = el.focus();
        }
    });

    let scopes = StoredValue::new(scopes);
    let my_actions = StoredValue::new(my_actions);
    let grantable = move |actions: &[String]| {
        !actions.is_empty()
            && my_actions.with_value(|mine| {
                mine.as_ref()
                    .is_none_or(|mine| actions.iter().all(|a| mine.contains(a)))
            })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        let Some(target) = scopes.with_value(|s| s.get(scope_index.get_untracked()).cloned())
        else {
            return;
        };
        let (Ok(subject_id), Ok(role_id)) = (
            Uuid::parse_str(&subject.get_untracked()),
            Uuid::parse_str(&role.get_untracked()),
        ) else {
            error.set(Some(format!(
                "Choose a {} and a role.",
                subject_kind.get_untracked()
            )));
            return;
        };
        let expires_at = match until.get_untracked().trim() {
            "" => None,
            local => match local_to_utc(local) {
                Some(t) => Some(t),
                None => {
                    error.set(Some("The end date isn't a valid date and time.".into()));
                    return;
                }
            },
        };
        let kind = subject_kind.get_untracked();
        let names = directory.get_untracked().and_then(Result::ok);
        let subject_name = names
            .as_ref()
            .and_then(|(groups, users, _)| {
                if kind == SubjectKind::Group {
                    groups
                        .iter()
                        .find(|g| g.id == subject_id)
                        .map(|g| g.name.clone())
                } else {
                    users
                        .iter()
                        .find(|u| u.id == subject_id)
                        .map(|u| u.display_name.clone())
                }
            })
            .unwrap_or_default();
        let role_name = names
            .as_ref()
            .and_then(|(_, _, roles)| roles.iter().find(|r| r.id == role_id))
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let grant = CreateGrant {
            subject: SubjectRef {
                kind,
                id: subject_id,
            },
            scope: target.scope.clone(),
            role_id,
            expires_at,
        };
        busy.set(true);
        spawn_local(async move {
            match api::sharing::create_grant(tenant, &grant).await {
                Ok(_) => on_done.run(format!(
                    "Shared {} with {kind} {subject_name} as {role_name}.",
                    target.label()
                )),
                Err(e) => error.set(Some(e.words())),
            }
            busy.set(false);
        });
    };

    view! {
        <div class="backdrop"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="share-title">
                <h2 id="share-title">"Share"</h2>
                <form on:submit=submit>
                    <label for="share-scope">"What"</label>
                    <select id="share-scope" node_ref=first_field
                        on:change=move |ev| {
                            scope_index.set(event_target_value(&ev).parse().unwrap_or(0));
                        }>
                        {scopes.with_value(|s| s.iter().enumerate().map(|(i, s)| view! {
                            <option value=i.to_string()>{s.label()}</option>
                        }).collect_view())}
                    </select>
                    <label for="share-subject-kind">"With a"</label>
                    <select id="share-subject-kind"
                        prop:value=move || subject_kind.get().as_str()
                        on:change=move |ev| {
                            let kind = SubjectKind::parse(&event_target_value(&ev));
                            subject_kind.set(kind.unwrap_or(SubjectKind::Group));
                            subject.set(String::new());
                        }>
                        <option value=SubjectKind::Group.as_str()>"Group"</option>
                        <option value=SubjectKind::User.as_str()>"Person"</option>
                    </select>
                    {move || match directory.get() {
                        None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                        Some(Ok((groups, users, roles))) => {
                            let choices: Vec<(Uuid, String)> = if subject_kind.get() == SubjectKind::Group {
                                groups.into_iter().map(|g| (g.id, g.name)).collect()
                            } else {
                                users.into_iter()
                                    .map(|u| (u.id, format!("{} <{}>", u.display_name, u.email)))
                                    .collect()
                            };
                            let roles: Vec<_> = roles.into_iter()
                                .filter(|r| grantable(&r.actions))
                                .collect();
                            let who = if subject_kind.get() == SubjectKind::Group { "Group" } else { "Person" };
                            view! {
                                <label for="share-subject">{who}</label>
                                <select id="share-subject" required
                                    prop:value=move || subject.get()
                                    on:change=move |ev| subject.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {choices.into_iter().map(|(id, name)| view! {
                                        <option value=id.to_string()>{name}</option>
                                    }).collect_view()}
                                </select>
                                <label for="share-role">"Role"</label>
                                <select id="share-role" required
                                    prop:value=move || role.get()
                                    on:change=move |ev| role.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {roles.into_iter().map(|r| view! {
                                        <option value=r.id.to_string() title=r.actions.join(", ")>
                                            {r.name}
                                        </option>
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        }
                    }}
                    <label for="share-until">"Until (optional)"</label>
                    <input id="share-until" type="datetime-local" bind:value=until/>
                    <p class="hint">"Leave empty to share until someone revokes it."</p>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <div class="buttons">
                        <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            "Share"
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}

/// A `datetime-local` value, read in the browser's time zone, as UTC.
fn local_to_utc(local: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
    if date.get_time().is_nan() {
        return None;
    }
    let iso = String::from(date.to_iso_string());
    chrono::DateTime::parse_from_rfc3339(&iso)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}
