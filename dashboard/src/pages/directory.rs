//! The tenant's directory, for its administrators: the organization tree, the sites under it,
//! and the groups people are shared with through. Every change reloads the lists, so what is
//! shown is what the server kept.
use fleetwarden_wire::directory::{
    CreateOrganization, CreateSite, GroupBody, GroupResponse, OrganizationResponse, SiteResponse,
    TenantUserResponse, UpdateOrganization, UpdateSite,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::api_admin;
use crate::components::admin::{ConfirmButton, Feedback, FormDialog, TenantAdminOnly};

/// Everything the page shows, loaded together because each list names things from another.
#[derive(Debug, Clone)]
struct Directory {
    orgs: Vec<OrganizationResponse>,
    sites: Vec<SiteResponse>,
    groups: Vec<GroupResponse>,
    users: Vec<TenantUserResponse>,
}

impl Directory {
    fn org_name(&self, id: Uuid) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| "—".into(), |o| o.name.clone())
    }

    fn user_name(&self, id: Uuid) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| "a former member".into(), |u| u.display_name.clone())
    }

    /// The organization and everything below it (where it can't be moved to).
    fn subtree(&self, root: Uuid) -> Vec<Uuid> {
        let mut out = vec![root];
        let mut i = 0;
        while let Some(&id) = out.get(i) {
            for o in &self.orgs {
                if o.parent_id == Some(id) && !out.contains(&o.id) {
                    out.push(o.id);
                }
            }
            i += 1;
        }
        out
    }
}

/// Depth-first order of the organization tree, with depths.
fn tree_order(orgs: &[OrganizationResponse]) -> Vec<(OrganizationResponse, usize)> {
    fn walk(
        orgs: &[OrganizationResponse],
        parent: Option<Uuid>,
        depth: usize,
        out: &mut Vec<(OrganizationResponse, usize)>,
    ) {
        let mut children: Vec<&OrganizationResponse> =
            orgs.iter().filter(|o| o.parent_id == parent).collect();
        crate::order::by_text(&mut children, |a| crate::order::folded(&a.name));
        for child in children {
            // A cycle can't come from the server, but must not hang the page either.
            if out.len() >= orgs.len() || out.iter().any(|(o, _)| o.id == child.id) {
                return;
            }
            out.push((child.clone(), depth));
            walk(orgs, Some(child.id), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(orgs, None, 0, &mut out);
    out
}

/// The directory page.
#[component]
pub fn DirectoryPage() -> impl IntoView {
    view! {
        <TenantAdminOnly what="manage organizations, sites and groups" page=directory_page/>
    }
}

fn directory_page(tenant: Uuid) -> AnyView {
    let version = RwSignal::new(0_u64);
    let data = LocalResource::new(move || {
        version.track();
        async move {
            let orgs = api::organizations(tenant).await?;
            let sites = api::sites(tenant).await?;
            let groups = api::groups(tenant).await?;
            let users = api::users(tenant).await?;
            Ok::<_, ApiError>(Directory {
                orgs,
                sites,
                groups,
                users,
            })
        }
    });
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    // Outside the reloading part, so "Saved …" outlives the reload it causes.
    let (org_feedback, site_feedback, group_feedback) =
        (Feedback::new(), Feedback::new(), Feedback::new());
    view! {
        <div class="page-head">
            <h1>"Directory"</h1>
            <nav class="subnav" aria-label="Sections">
                <a href="#organizations">"Organizations"</a>
                <a href="#sites">"Sites"</a>
                <a href="#groups">"Groups"</a>
            </nav>
        </div>
        {move || match data.get() {
            None => view! { <p class="muted" role="status">"Loading the directory…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(d)) => {
                let d = StoredValue::new(d);
                view! {
                    <Organizations tenant data=d reload feedback=org_feedback/>
                    <Sites tenant data=d reload feedback=site_feedback/>
                    <Groups tenant data=d reload feedback=group_feedback/>
                }
                .into_any()
            }
        }}
    }
    .into_any()
}

// --- organizations ----------------------------------------------------------------------------

#[component]
fn Organizations(
    tenant: Uuid,
    data: StoredValue<Directory>,
    reload: Callback<()>,
    feedback: Feedback,
) -> impl IntoView {
    let editing = RwSignal::new(None::<OrganizationResponse>);
    let name = RwSignal::new(String::new());
    let root = data.with_value(|d| d.orgs.iter().find(|o| o.parent_id.is_none()).map(|o| o.id));
    let parent = RwSignal::new(root.map(|r| r.to_string()).unwrap_or_default());
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
            match api_admin::create_organization(tenant, &body).await {
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
            match api_admin::delete_organization(tenant, org.id).await {
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
            .map(|(o, depth)| view! { <option value=o.id.to_string()>{indented(&o.name, depth)}</option> })
            .collect_view()
    });
    view! {
        <section class="card" id="organizations" aria-labelledby="orgs-title">
            <h2 id="orgs-title">"Organizations"</h2>
            <p class="hint">
                "Client organizations hold sites; sharing an organization shares everything below it."
            </p>
            {feedback.view()}
            <ul class="tree">{rows}</ul>
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
                <button type="button" class="small"
                    aria-label=format!("Rename or move {}", org.name)
                    on:click=move |_| edit.run(for_edit.clone())>
                    {if is_root { "Rename…" } else { "Rename or move…" }}
                </button>
                {(!is_root).then(|| view! {
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
            .filter(|(o, _)| !below.contains(&o.id))
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
            match api_admin::update_organization(tenant, org.id, &body).await {
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

// --- sites ------------------------------------------------------------------------------------

#[component]
fn Sites(
    tenant: Uuid,
    data: StoredValue<Directory>,
    reload: Callback<()>,
    feedback: Feedback,
) -> impl IntoView {
    let editing = RwSignal::new(None::<SiteResponse>);
    let creating = RwSignal::new(false);
    let delete = Callback::new(move |site: SiteResponse| {
        spawn_local(async move {
            match api_admin::delete_site(tenant, site.id).await {
                Ok(()) => {
                    feedback.done(format!("Deleted the site {}.", site.name));
                    reload.run(());
                }
                Err(e) => feedback.failed(e.words()),
            }
        });
    });
    let rows = data.with_value(|d| {
        let mut sites = d.sites.clone();
        crate::order::by_text(&mut sites, |s| {
            format!("{}\u{0}{}", d.org_name(s.organization_id), s.name)
        });
        sites
            .into_iter()
            .map(|s| {
                let for_edit = s.clone();
                let for_delete = s.clone();
                view! {
                    <tr data-site=s.id.to_string()>
                        <td>{s.name.clone()}</td>
                        <td>{d.org_name(s.organization_id)}</td>
                        <td>{s.address.clone().filter(|a| !a.is_empty()).unwrap_or_else(|| "—".into())}</td>
                        <td>{s.timezone.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "—".into())}</td>
                        <td class="row-actions">
                            <button type="button" class="small"
                                aria-label=format!("Edit site {}", s.name)
                                on:click=move |_| editing.set(Some(for_edit.clone()))>
                                "Edit…"
                            </button>
                            <ConfirmButton
                                label="Delete"
                                aria_label=format!("Delete site {}", s.name)
                                question=format!(
                                    "Delete {}? Its devices stay, without a site; grants on the site end.",
                                    s.name
                                )
                                confirm_label="Yes, delete"
                                on_confirm=Callback::new(move |()| delete.run(for_delete.clone()))
                            />
                        </td>
                    </tr>
                }
            })
            .collect_view()
    });
    let empty = data.with_value(|d| d.sites.is_empty());
    view! {
        <section class="card" id="sites" aria-labelledby="sites-title">
            <div class="section-head">
                <h2 id="sites-title">"Sites"</h2>
                <button type="button" class="primary" on:click=move |_| creating.set(true)>
                    "Add site…"
                </button>
            </div>
            {feedback.view()}
            {if empty {
                view! { <p class="empty">"No sites yet. Add one to place devices at it."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="list">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Organization"</th>
                                    <th scope="col">"Address"</th>
                                    <th scope="col">"Time zone"</th>
                                    <th scope="col">"Actions"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        {move || creating.get().then(|| view! {
            <SiteDialog tenant site=None data
                on_close=Callback::new(move |()| creating.set(false))
                on_done=Callback::new(move |message: String| {
                    creating.set(false);
                    feedback.done(message);
                    reload.run(());
                })
            />
        })}
        {move || editing.get().map(|site| view! {
            <SiteDialog tenant site=Some(site) data
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

/// Creates a site (`site` is `None`) or edits one.
#[component]
fn SiteDialog(
    tenant: Uuid,
    site: Option<SiteResponse>,
    data: StoredValue<Directory>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let zones = StoredValue::new(time_zones());
    let first_client = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .find(|(o, _)| o.parent_id.is_some())
            .or_else(|| tree_order(&d.orgs).into_iter().next())
            .map(|(o, _)| o.id.to_string())
            .unwrap_or_default()
    });
    let name = RwSignal::new(site.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let organization = RwSignal::new(
        site.as_ref()
            .map_or(first_client, |s| s.organization_id.to_string()),
    );
    let address = RwSignal::new(
        site.as_ref()
            .and_then(|s| s.address.clone())
            .unwrap_or_default(),
    );
    let timezone = RwSignal::new(match &site {
        Some(s) => s.timezone.clone().unwrap_or_default(),
        // A new site is most likely where the person adding it is.
        None => browser_time_zone().unwrap_or_default(),
    });
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title = site
        .as_ref()
        .map_or_else(|| "Add a site".to_owned(), |s| format!("Edit {}", s.name));
    let original = StoredValue::new(site);
    let chosen = organization.get_untracked();
    let orgs = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .map(|(o, depth)| {
                let selected = o.id.to_string() == chosen;
                view! {
                    <option value=o.id.to_string() selected=selected>{indented(&o.name, depth)}</option>
                }
            })
            .collect_view()
    });
    let submit = Callback::new(move |()| {
        let new_name = name.get_untracked().trim().to_owned();
        let tz = timezone.get_untracked().trim().to_owned();
        let addr = address.get_untracked().trim().to_owned();
        let Ok(org) = Uuid::parse_str(&organization.get_untracked()) else {
            error.set(Some("Choose the organization the site belongs to.".into()));
            return;
        };
        // The server stores any text; catch typos here so local times stay right.
        if !tz.is_empty() && zones.with_value(|z| !z.is_empty() && !z.contains(&tz)) {
            error.set(Some(format!(
                "“{tz}” isn't a time zone this browser knows. Pick one from the list, \
                 e.g. America/Chicago."
            )));
            return;
        }
        error.set(None);
        busy.set(true);
        let existing = original.get_value();
        spawn_local(async move {
            let result = match existing {
                None => {
                    let body = CreateSite {
                        organization_id: org,
                        name: new_name,
                        address: (!addr.is_empty()).then_some(addr),
                        timezone: (!tz.is_empty()).then_some(tz),
                    };
                    api_admin::create_site(tenant, &body)
                        .await
                        .map(|s| format!("Added the site {}.", s.name))
                }
                Some(s) => {
                    // Only what changed, so a rename doesn't rewrite the rest.
                    let body = UpdateSite {
                        name: (new_name != s.name).then_some(new_name),
                        organization_id: (org != s.organization_id).then_some(org),
                        address: (Some(&addr) != s.address.as_ref()
                            && !(addr.is_empty() && s.address.is_none()))
                        .then_some(addr),
                        timezone: (Some(&tz) != s.timezone.as_ref()
                            && !(tz.is_empty() && s.timezone.is_none()))
                        .then_some(tz),
                    };
                    api_admin::update_site(tenant, s.id, &body)
                        .await
                        .map(|s| format!("Saved the site {}.", s.name))
                }
            };
            match result {
                Ok(message) => on_done.run(message),
                Err(e) => error.set(Some(e.words())),
            }
            busy.set(false);
        });
    });
    view! {
        <FormDialog title submit_label="Save" busy on_submit=submit on_close>
            <label for="site-name">"Name"</label>
            <input id="site-name" required maxlength="200" bind:value=name/>
            <label for="site-org">"Organization"</label>
            <select id="site-org" required bind:value=organization>{orgs}</select>
            <label for="site-address">"Address (optional)"</label>
            <input id="site-address" autocomplete="street-address" bind:value=address/>
            <label for="site-tz">"Time zone (optional)"</label>
            <input id="site-tz" list="site-tz-list" placeholder="e.g. America/Chicago"
                bind:value=timezone/>
            <datalist id="site-tz-list">
                {zones.with_value(|z| z.iter().map(|z| view! { <option value=z.clone()/> }).collect_view())}
            </datalist>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </FormDialog>
    }
}

// --- groups -----------------------------------------------------------------------------------

#[component]
fn Groups(
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
    view! {
        <section class="card" id="groups" aria-labelledby="groups-title">
            <div class="section-head">
                <h2 id="groups-title">"Groups"</h2>
                <button type="button" class="primary" on:click=move |_| creating.set(true)>
                    "Add group…"
                </button>
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
            <GroupDialog tenant group=None
                on_close=Callback::new(move |()| creating.set(false))
                on_done=Callback::new(move |message: String| {
                    creating.set(false);
                    feedback.done(message);
                    reload.run(());
                })
            />
        })}
        {move || editing.get().map(|group| view! {
            <GroupDialog tenant group=Some(group)
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
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(user) = Uuid::parse_str(&adding.get_untracked()) else {
            feedback.failed(format!("Choose whom to add to {}.", group_name.get_value()));
            return;
        };
        let who = data.with_value(|d| d.user_name(user));
        busy.set(true);
        spawn_local(async move {
            match api_admin::add_member(tenant, group_id, user).await {
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
            match api_admin::remove_member(tenant, group_id, user).await {
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
            match api_admin::delete_group(tenant, group_id).await {
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
            </div>
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
                                    <button type="button" class="chip-remove" aria-label=label.clone()
                                        title=label on:click=move |_| remove(id, name.clone())>
                                        "×"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {if no_candidates {
                view! { <p class="hint">"Everyone in the tenant is in this group."</p> }.into_any()
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
    let submit = Callback::new(move |()| {
        let body = GroupBody {
            name: name.get_untracked().trim().to_owned(),
            description: Some(description.get_untracked().trim().to_owned())
                .filter(|d| !d.is_empty()),
        };
        busy.set(true);
        spawn_local(async move {
            let result = match id {
                None => api_admin::create_group(tenant, &body).await,
                Some(id) => api_admin::update_group(tenant, id, &body).await,
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
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </FormDialog>
    }
}

// --- helpers ----------------------------------------------------------------------------------

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// An option's text indented by depth, since `<option>` ignores padding.
fn indented(name: &str, depth: usize) -> String {
    format!("{}{name}", "\u{a0}\u{a0}\u{a0}".repeat(depth))
}

/// The IANA zones this browser knows (`Intl.supportedValuesOf`), empty where unsupported.
fn time_zones() -> Vec<String> {
    let found = || -> Option<Vec<String>> {
        let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let supported = js_sys::Reflect::get(&intl, &"supportedValuesOf".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let zones = supported.call1(&intl, &"timeZone".into()).ok()?;
        Some(
            js_sys::Array::from(&zones)
                .iter()
                .filter_map(|z| z.as_string())
                .collect(),
        )
    };
    found().unwrap_or_default()
}

/// The browser's own zone, e.g. `America/Chicago`.
fn browser_time_zone() -> Option<String> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let format = js_sys::Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&intl)
        .ok()?;
    let resolved = js_sys::Reflect::get(&format, &"resolvedOptions".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?
        .call0(&format)
        .ok()?;
    js_sys::Reflect::get(&resolved, &"timeZone".into())
        .ok()?
        .as_string()
}
