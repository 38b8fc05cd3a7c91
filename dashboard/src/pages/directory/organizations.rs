//! The organization tree: add, rename or move, delete an empty one.
use fleetwarden_wire::directory::{CreateOrganization, OrganizationResponse, UpdateOrganization};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::{Directory, tree_order};
use crate::api;
use crate::components::admin::{ConfirmButton, Feedback, FormDialog};
use crate::format::{indented, plural};

#[component]
pub(super) fn Organizations(
    tenant: Uuid,
    data: StoredValue<Directory>,
    reload: Callback<()>,
    feedback: Feedback,
) -> impl IntoView {
    let editing = RwSignal::new(None::<OrganizationResponse>);
    let name = RwSignal::new(String::new());
    // New organizations go under the first one I may manage (the tenant, for its admins).
    let first = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .map(|(o, _)| o.id)
            .find(|id| d.may.organizations.contains(id))
    });
    let parent = RwSignal::new(first.map(|r| r.to_string()).unwrap_or_default());
    let busy = RwSignal::new(false);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new_name = name.get_untracked().trim().to_owned();
        if new_name.is_empty() || busy.get_untracked() {
            return;
        }
        let body = CreateOrganization {
            name: new_name.clone(),
            parent_id: Uuid::parse_str(&parent.get_untracked()).ok(),
        };
        busy.set(true);
        spawn_local(async move {
            match api::directory::create_organization(tenant, &body).await {
                Ok(_) => {
                    name.set(String::new());
                    feedback.done(format!("Created the organization {new_name}."));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    let delete = Callback::new(move |org: OrganizationResponse| {
        spawn_local(async move {
            match api::directory::delete_organization(tenant, org.id).await {
                Ok(()) => {
                    feedback.done(format!("Deleted the organization {}.", org.name));
                    reload.run(());
                }
                Err(e) if e.status() == Some(409) => feedback.failed(format!(
                    "{} can't be deleted yet: it still holds sites or client organizations. \
                     Move them to another organization or delete them first.",
                    org.name
                )),
                Err(e) => feedback.failed(e.words()),
            }
        });
    });
    let edit = Callback::new(move |org: OrganizationResponse| editing.set(Some(org)));

    let rows = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .map(|(org, depth)| org_row(d, org, depth, edit, delete))
            .collect_view()
    });
    let parents = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .filter(|(o, _)| d.may.organizations.contains(&o.id))
            .map(|(o, depth)| view! { <option value=o.id.to_string()>{indented(&o.name, depth)}</option> })
            .collect_view()
    });
    let may_create = first.is_some();
    view! {
        <section class="card" id="organizations" aria-labelledby="orgs-title">
            <h2 id="orgs-title">"Organizations"</h2>
            <p class="hint">
                "Client organizations hold sites; sharing an organization shares everything below it."
            </p>
            {feedback.view()}
            <ul class="tree">{rows}</ul>
            {may_create.then(|| view! {
            <form class="inline-form" on:submit=create>
                <div class="field">
                    <label for="org-new-name">"New organization"</label>
                    <input id="org-new-name" required maxlength="200" placeholder="Name"
                        bind:value=name/>
                </div>
                <div class="field">
                    <label for="org-new-parent">"Under"</label>
                    <select id="org-new-parent" bind:value=parent>{parents}</select>
                </div>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Add organization"
                </button>
            </form>
            })}
        </section>
        {move || editing.get().map(|org| view! {
            <EditOrganization tenant org data
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

fn org_row(
    d: &Directory,
    org: OrganizationResponse,
    depth: usize,
    edit: Callback<OrganizationResponse>,
    delete: Callback<OrganizationResponse>,
) -> impl IntoView + use<> {
    let sites = d
        .sites
        .iter()
        .filter(|s| s.organization_id == org.id)
        .count();
    let children = d
        .orgs
        .iter()
        .filter(|o| o.parent_id == Some(org.id))
        .count();
    let is_root = org.parent_id.is_none();
    let may_edit = d.may.organizations.contains(&org.id) && (!is_root || d.may.tenant_admin);
    // Deleting a client organization is the tenant's admins' alone.
    let may_delete = d.may.tenant_admin && !is_root;
    let holds = match (sites, children) {
        (0, 0) => None,
        (s, 0) => Some(plural(s, "site")),
        (0, c) => Some(plural(c, "organization")),
        (s, c) => Some(format!(
            "{} and {}",
            plural(s, "site"),
            plural(c, "organization")
        )),
    };
    let question = match &holds {
        // Said before asking, so nobody is surprised by the server's refusal.
        Some(h) => format!(
            "{} still holds {h}; the server will refuse until they are moved. Try anyway?",
            org.name
        ),
        None => format!("Delete {}?", org.name),
    };
    let for_edit = org.clone();
    let for_delete = org.clone();
    view! {
        <li class=format!("tree-node depth-{}", depth.min(4)) data-org=org.id.to_string()>
            <span class="tree-name">
                {org.name.clone()}
                {is_root.then(|| view! { <span class="badge">"tenant"</span> })}
            </span>
            <span class="muted">{holds.clone().unwrap_or_else(|| "empty".into())}</span>
            <span class="row-actions">
                {may_edit.then(|| view! {
                    <button type="button" class="small"
                        aria-label=format!("Rename or move {}", org.name)
                        on:click=move |_| edit.run(for_edit.clone())>
                        {if is_root { "Rename…" } else { "Rename or move…" }}
                    </button>
                })}
                {may_delete.then(|| view! {
                    <ConfirmButton
                        label="Delete"
                        aria_label=format!("Delete organization {}", org.name)
                        question
                        confirm_label="Yes, delete"
                        on_confirm=Callback::new(move |()| delete.run(for_delete.clone()))
                    />
                })}
            </span>
        </li>
    }
}

#[component]
fn EditOrganization(
    tenant: Uuid,
    org: OrganizationResponse,
    data: StoredValue<Directory>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(org.name.clone());
    let parent = RwSignal::new(org.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let is_root = org.parent_id.is_none();
    // Never under itself or its own descendants: the server refuses, so don't offer it.
    let current_parent = org.parent_id;
    let parents = data.with_value(|d| {
        let below = d.subtree(org.id);
        tree_order(&d.orgs)
            .into_iter()
            .filter(|(o, _)| !below.contains(&o.id) && d.may.organizations.contains(&o.id))
            .map(|(o, depth)| {
                // `selected`, since a select's value set before its options exist is lost.
                let selected = Some(o.id) == current_parent;
                view! {
                    <option value=o.id.to_string() selected=selected>{indented(&o.name, depth)}</option>
                }
            })
            .collect_view()
    });
    let original = StoredValue::new(org.clone());
    let submit = Callback::new(move |()| {
        let org = original.get_value();
        let new_name = name.get_untracked().trim().to_owned();
        let new_parent = Uuid::parse_str(&parent.get_untracked()).ok();
        let body = UpdateOrganization {
            name: (new_name != org.name).then(|| new_name.clone()),
            parent_id: new_parent.filter(|p| Some(*p) != org.parent_id),
        };
        if body.name.is_none() && body.parent_id.is_none() {
            on_close.run(());
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::directory::update_organization(tenant, org.id, &body).await {
                Ok(updated) => on_done.run(format!("Saved the organization {}.", updated.name)),
                Err(e) => error.set(Some(e.words())),
            }
            busy.set(false);
        });
    });
    view! {
        <FormDialog title=format!("Edit {}", org.name) submit_label="Save" busy on_submit=submit on_close>
            <label for="org-edit-name">"Name"</label>
            <input id="org-edit-name" required maxlength="200" bind:value=name/>
            {(!is_root).then(|| view! {
                <label for="org-edit-parent">"Under"</label>
                <select id="org-edit-parent" bind:value=parent>{parents}</select>
                <p class="hint">"Moving it moves its sites and devices, and changes who reaches them through shared organizations."</p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </FormDialog>
    }
}
