//! The groups people are shared with through: add, rename, delete, and their members.
use fleetwarden_wire::directory::{GroupBody, GroupResponse, TenantUserResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::{Directory, tree_order};
use crate::api;
use crate::components::admin::{ConfirmButton, Feedback, FormDialog};
use crate::format::{indented, plural};

#[component]
pub(super) fn Groups(
    tenant: Uuid,
    data: StoredValue<Directory>,
    reload: Callback<()>,
    feedback: Feedback,
) -> impl IntoView {
    let editing = RwSignal::new(None::<GroupResponse>);
    let creating = RwSignal::new(false);
    let cards = data.with_value(|d| {
        let mut groups = d.groups.clone();
        crate::order::by_text(&mut groups, |a| crate::order::folded(&a.name));
        groups
            .into_iter()
            .map(|g| {
                let edit = g.clone();
                view! {
                    <GroupCard tenant group=g data feedback reload
                        on_edit=Callback::new(move |()| editing.set(Some(edit.clone())))/>
                }
            })
            .collect_view()
    });
    let empty = data.with_value(|d| d.groups.is_empty());
    let may_create = data.with_value(|d| !d.may.groups.is_empty());
    view! {
        <section class="card" id="groups" aria-labelledby="groups-title">
            <div class="section-head">
                <h2 id="groups-title">"Groups"</h2>
                {may_create.then(|| view! {
                    <button type="button" class="primary" on:click=move |_| creating.set(true)>
                        "Add group…"
                    </button>
                })}
            </div>
            <p class="hint">"Share with a group once; whoever is in it has that access."</p>
            {feedback.view()}
            {if empty {
                view! { <p class="empty">"No groups yet."</p> }.into_any()
            } else {
                view! { <div class="group-grid">{cards}</div> }.into_any()
            }}
        </section>
        {move || creating.get().then(|| view! {
            <GroupDialog tenant group=None data
                on_close=Callback::new(move |()| creating.set(false))
                on_done=Callback::new(move |message: String| {
                    creating.set(false);
                    feedback.done(message);
                    reload.run(());
                })
            />
        })}
        {move || editing.get().map(|group| view! {
            <GroupDialog tenant group=Some(group) data
                on_close=Callback::new(move |()| editing.set(None))
                on_done=Callback::new(move |message: String| {
                    editing.set(None);
                    feedback.done(message);
                    reload.run(());
                })
            />
        })}
    }
}

#[component]
fn GroupCard(
    tenant: Uuid,
    group: GroupResponse,
    data: StoredValue<Directory>,
    feedback: Feedback,
    reload: Callback<()>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let group_id = group.id;
    let group_name = StoredValue::new(group.name.clone());
    let adding = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let members = data.with_value(|d| {
        let mut members: Vec<(Uuid, String)> = group
            .members
            .iter()
            .map(|id| (*id, d.user_name(*id)))
            .collect();
        crate::order::by_text(&mut members, |a| crate::order::folded(&a.1));
        members
    });
    let candidates = data.with_value(|d| {
        let mut users: Vec<&TenantUserResponse> = d
            .users
            .iter()
            .filter(|u| !group.members.contains(&u.id))
            .collect();
        crate::order::by_text(&mut users, |u| crate::order::folded(&u.display_name));
        users
            .into_iter()
            .map(|u| (u.id, format!("{} <{}>", u.display_name, u.email)))
            .collect::<Vec<_>>()
    });
    let no_candidates = candidates.is_empty();
    let may = data.with_value(|d| d.may.groups.contains(&group.organization_id));
    let organization = data.with_value(|d| d.org_name(group.organization_id));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(user) = Uuid::parse_str(&adding.get_untracked()) else {
            feedback.failed(format!("Choose whom to add to {}.", group_name.get_value()));
            return;
        };
        let who = data.with_value(|d| d.user_name(user));
        busy.set(true);
        spawn_local(async move {
            match api::directory::add_member(tenant, group_id, user).await {
                Ok(_) => {
                    feedback.done(format!("Added {who} to {}.", group_name.get_value()));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    let remove = move |user: Uuid, who: String| {
        spawn_local(async move {
            match api::directory::remove_member(tenant, group_id, user).await {
                Ok(()) => {
                    feedback.done(format!(
                        "Removed {who} from {}: the access shared with the group no longer \
                         reaches them.",
                        group_name.get_value()
                    ));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
        });
    };
    let delete = Callback::new(move |()| {
        spawn_local(async move {
            match api::directory::delete_group(tenant, group_id).await {
                Ok(()) => {
                    feedback.done(format!("Deleted the group {}.", group_name.get_value()));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
        });
    });
    let select_id = format!("group-add-{group_id}");
    let count = group.members.len();
    view! {
        <article class="group" data-group=group.name.clone()>
            <div class="section-head">
                <h3>{group.name.clone()}</h3>
                {may.then(|| view! {
                <span class="row-actions">
                    <button type="button" class="small"
                        aria-label=format!("Rename group {}", group.name)
                        on:click=move |_| on_edit.run(())>
                        "Rename…"
                    </button>
                    <ConfirmButton
                        label="Delete"
                        aria_label=format!("Delete group {}", group.name)
                        question=format!(
                            "Delete {}? What was shared with it ends for its {}.",
                            group.name,
                            plural(count, "member")
                        )
                        confirm_label="Yes, delete"
                        on_confirm=delete
                    />
                </span>
                })}
            </div>
            <p class="muted group-org">{format!("of {organization}")}</p>
            {group.description.clone().filter(|d| !d.is_empty()).map(|d| view! { <p class="muted">{d}</p> })}
            {if members.is_empty() {
                view! { <p class="muted">"No members yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="chips" aria-label=format!("Members of {}", group.name)>
                        {members.into_iter().map(|(id, who)| {
                            let label = format!("Remove {who} from {}", group_name.get_value());
                            let name = who.clone();
                            view! {
                                <li class="chip">
                                    {who}
                                    {may.then(|| view! {
                                        <button type="button" class="chip-remove" aria-label=label.clone()
                                            title=label on:click=move |_| remove(id, name.clone())>
                                            "×"
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {if !may {
                ().into_any()
            } else if no_candidates {
                view! { <p class="hint">"Everyone you can see is in this group."</p> }.into_any()
            } else {
                view! {
                    <form class="inline-form" on:submit=add>
                        <div class="field">
                            <label for=select_id.clone()>"Add a person"</label>
                            <select id=select_id bind:value=adding>
                                <option value="">"Choose…"</option>
                                {candidates.into_iter().map(|(id, label)| view! {
                                    <option value=id.to_string()>{label}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" disabled=move || busy.get()>"Add"</button>
                    </form>
                }.into_any()
            }}
        </article>
    }
}

/// Creates a group (`group` is `None`) or renames one.
#[component]
fn GroupDialog(
    tenant: Uuid,
    group: Option<GroupResponse>,
    data: StoredValue<Directory>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(group.as_ref().map(|g| g.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        group
            .as_ref()
            .and_then(|g| g.description.clone())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title = group.as_ref().map_or_else(
        || "Add a group".to_owned(),
        |g| format!("Rename {}", g.name),
    );
    let id = group.as_ref().map(|g| g.id);
    // A new group belongs where I manage groups (the first such, unless I choose); an
    // existing one stays where it is.
    let choices = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .filter(|(o, _)| d.may.groups.contains(&o.id))
            .collect::<Vec<_>>()
    });
    let organization = RwSignal::new(match &group {
        Some(g) => g.organization_id.to_string(),
        None => choices
            .first()
            .map(|(o, _)| o.id.to_string())
            .unwrap_or_default(),
    });
    let fixed = group
        .as_ref()
        .map(|g| data.with_value(|d| d.org_name(g.organization_id)));
    let submit = Callback::new(move |()| {
        let Ok(org) = Uuid::parse_str(&organization.get_untracked()) else {
            error.set(Some("Choose the organization the group belongs to.".into()));
            return;
        };
        let body = GroupBody {
            name: name.get_untracked().trim().to_owned(),
            description: Some(description.get_untracked().trim().to_owned())
                .filter(|d| !d.is_empty()),
            organization_id: Some(org),
        };
        busy.set(true);
        spawn_local(async move {
            let result = match id {
                None => api::directory::create_group(tenant, &body).await,
                Some(id) => api::directory::update_group(tenant, id, &body).await,
            };
            match result {
                Ok(g) => on_done.run(format!("Saved the group {}.", g.name)),
                Err(e) => error.set(Some(e.words())),
            }
            busy.set(false);
        });
    });
    view! {
        <FormDialog title submit_label="Save" busy on_submit=submit on_close>
            <label for="group-name">"Name"</label>
            <input id="group-name" required maxlength="200" bind:value=name/>
            <label for="group-description">"What it is for (optional)"</label>
            <input id="group-description" placeholder="e.g. Boston field technicians"
                bind:value=description/>
            {match fixed {
                Some(org) => view! {
                    <p class="hint">{format!("Belongs to {org} (fixed once created).")}</p>
                }.into_any(),
                None => {
                    let chosen = organization.get_untracked();
                    view! {
                        <label for="group-org">"Organization"</label>
                        <select id="group-org" required bind:value=organization>
                            {choices.into_iter().map(|(o, depth)| {
                                let selected = o.id.to_string() == chosen;
                                view! {
                                    <option value=o.id.to_string() selected=selected>
                                        {indented(&o.name, depth)}
                                    </option>
                                }
                            }).collect_view()}
                        </select>
                        <p class="hint">"Whoever manages groups there manages this group."</p>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </FormDialog>
    }
}
