//! The sites under the organizations: add, edit or move, delete.
use fleetwarden_wire::directory::{CreateSite, SiteResponse, UpdateSite};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::{Directory, tree_order};
use crate::api;
use crate::browser;
use crate::components::admin::{ConfirmButton, Feedback, FormDialog};
use crate::format::indented;

#[component]
pub(super) fn Sites(
    tenant: Uuid,
    data: StoredValue<Directory>,
    reload: Callback<()>,
    feedback: Feedback,
) -> impl IntoView {
    let editing = RwSignal::new(None::<SiteResponse>);
    let creating = RwSignal::new(false);
    let delete = Callback::new(move |site: SiteResponse| {
        spawn_local(async move {
            match api::directory::delete_site(tenant, site.id).await {
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
                let may = d.may.sites.contains(&s.organization_id);
                view! {
                    <tr data-site=s.id.to_string()>
                        <td>{s.name.clone()}</td>
                        <td>{d.org_name(s.organization_id)}</td>
                        <td>{s.address.clone().filter(|a| !a.is_empty()).unwrap_or_else(|| "—".into())}</td>
                        <td>{s.timezone.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "—".into())}</td>
                        <td class="row-actions">
                            {may.then(|| view! {
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
                            })}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    });
    let empty = data.with_value(|d| d.sites.is_empty());
    let may_create = data.with_value(|d| !d.may.sites.is_empty());
    view! {
        <section class="card" id="sites" aria-labelledby="sites-title">
            <div class="section-head">
                <h2 id="sites-title">"Sites"</h2>
                {may_create.then(|| view! {
                    <button type="button" class="primary" on:click=move |_| creating.set(true)>
                        "Add site…"
                    </button>
                })}
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
    let zones = StoredValue::new(browser::time_zones());
    // Only where I may manage sites; a new one most likely belongs to a client organization.
    let allowed = data.with_value(|d| {
        tree_order(&d.orgs)
            .into_iter()
            .filter(|(o, _)| d.may.sites.contains(&o.id))
            .collect::<Vec<_>>()
    });
    let first_client = allowed
        .iter()
        .find(|(o, _)| o.parent_id.is_some())
        .or_else(|| allowed.first())
        .map(|(o, _)| o.id.to_string())
        .unwrap_or_default();
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
        None => browser::time_zone().unwrap_or_default(),
    });
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title = site
        .as_ref()
        .map_or_else(|| "Add a site".to_owned(), |s| format!("Edit {}", s.name));
    let original = StoredValue::new(site);
    let chosen = organization.get_untracked();
    let orgs = allowed
        .into_iter()
        .map(|(o, depth)| {
            let selected = o.id.to_string() == chosen;
            view! {
                <option value=o.id.to_string() selected=selected>{indented(&o.name, depth)}</option>
            }
        })
        .collect_view();
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
                    api::directory::create_site(tenant, &body)
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
                    api::directory::update_site(tenant, s.id, &body)
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
