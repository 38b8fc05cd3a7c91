//! The devices I can see: search, filters by organization and site, status, my role, and
//! pages. Admins can share the site or organization they filtered by.
use chrono::{DateTime, Utc};
use fleetwarden_wire::directory::{
    OrganizationKind, OrganizationResponse, PagingQuery, SiteResponse,
};
use fleetwarden_wire::sharing::{DeviceQuery, DeviceResponse, ScopeKind, ScopeRef};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api;
use crate::components::admin::when;
use crate::components::role_badge::{RoleBadge, role_of};
use crate::components::share_dialog::{ShareDialog, ShareScope};
use crate::format::{ago, non_blank, now};
use crate::session::use_session;

const PER_PAGE: u64 = 25;

/// The device list.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let session = use_session();
    let search = RwSignal::new(String::new());
    let organization = RwSignal::new(None::<Uuid>);
    let site = RwSignal::new(None::<Uuid>);
    let page = RwSignal::new(1_u64);
    let notice = RwSignal::new(None::<String>);
    let sharing = RwSignal::new(None::<Vec<ShareScope>>);

    let query = Memo::new(move |_| {
        let filter = DeviceQuery {
            site: site.get(),
            organization: organization.get(),
            q: non_blank(&search.get()),
        };
        let paging = PagingQuery {
            page: Some(page.get()),
            per_page: Some(PER_PAGE),
        };
        (filter, paging)
    });
    let devices = LocalResource::new(move || {
        let (filter, paging) = query.get();
        async move { api::devices::list(&filter, &paging).await }
    });
    let directory = LocalResource::new(move || {
        let tenant = session.tenant.get();
        async move {
            match tenant {
                Some(t) => {
                    let orgs = api::directory::organizations(t).await.unwrap_or_default();
                    let sites = api::directory::sites(t).await.unwrap_or_default();
                    (orgs, sites)
                }
                None => (Vec::new(), Vec::new()),
            }
        }
    });
    let orgs = move || directory.get().map(|d| d.0).unwrap_or_default();
    let sites = move || {
        let org = organization.get();
        directory
            .get()
            .map(|d| d.1)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| org.is_none_or(|o| s.organization_id == o))
            .collect::<Vec<_>>()
    };
    // Filters start again from the first page.
    let reset_page = move || page.set(1);

    // What an admin may share from here: the site or organization filtered by. Others share
    // single devices from the device page, where their rights on the device are known.
    let share_scopes = move || -> Vec<ShareScope> {
        if !session.is_tenant_admin() {
            return Vec::new();
        }
        let (all_orgs, all_sites) = directory.get().unwrap_or_default();
        let mut scopes = Vec::new();
        if let Some(s) = site
            .get()
            .and_then(|id| all_sites.iter().find(|s| s.id == id))
        {
            scopes.push(site_scope(s));
        }
        if let Some(o) = organization
            .get()
            .and_then(|id| all_orgs.iter().find(|o| o.id == id))
        {
            scopes.push(org_scope(o));
        }
        scopes
    };

    view! {
        <div class="page-head">
            <h1>"Devices"</h1>
            {move || {
                let scopes = share_scopes();
                (!scopes.is_empty())
                    .then(|| {
                        let label = format!("Share this {}…", scopes[0].scope.kind);
                        view! {
                            <button type="button" class="primary"
                                on:click=move |_| sharing.set(Some(scopes.clone()))>
                                {label}
                            </button>
                        }
                    })
            }}
        </div>
        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        <form class="filters" on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="field">
                <label for="device-search">"Search"</label>
                <input id="device-search" type="search" placeholder="Name or id"
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        reset_page();
                    }/>
            </div>
            <div class="field">
                <label for="device-org">"Organization"</label>
                <select id="device-org"
                    prop:value=move || organization.get().map(|o| o.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        organization.set(Uuid::parse_str(&event_target_value(&ev)).ok());
                        site.set(None);
                        reset_page();
                    }>
                    <option value="">"All organizations"</option>
                    {move || orgs().into_iter().map(|o| view! {
                        <option value=o.id.to_string()>{o.name}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="device-site">"Site"</label>
                <select id="device-site"
                    prop:value=move || site.get().map(|s| s.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        site.set(Uuid::parse_str(&event_target_value(&ev)).ok());
                        reset_page();
                    }>
                    <option value="">"All sites"</option>
                    {move || sites().into_iter().map(|s| view! {
                        <option value=s.id.to_string()>{s.name}</option>
                    }).collect_view()}
                </select>
            </div>
        </form>
        {move || match devices.get() {
            None => view! { <p class="muted" role="status">"Loading devices…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(result)) if result.items.is_empty() => {
                let filtered = query.with(|(filter, _)| filter.q.is_some())
                    || site.get().is_some() || organization.get().is_some();
                let text = if filtered {
                    "No devices match these filters."
                } else {
                    "No devices are shared with you yet. Ask an administrator to share a site \
                     or a device with you."
                };
                view! { <p class="empty" data-testid="devices-empty">{text}</p> }.into_any()
            }
            Some(Ok(result)) => {
                // One clock reading for the whole list: "last heard" as of the list's load.
                let now = now();
                let pages = result.total.div_ceil(result.per_page.max(1)).max(1);
                let current = result.page;
                // Worked out here: a `<` or `>=` inside an attribute in `view!` is read as markup.
                let at_first = current <= 1;
                let at_last = current >= pages;
                view! {
                    <table class="devices">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Site"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Last heard"</th>
                                <th scope="col">"My role"</th>
                                <th scope="col">"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {result.items.into_iter().map(|d| device_row(d, now)).collect_view()}
                        </tbody>
                    </table>
                    <nav class="pager" aria-label="Pages">
                        <button type="button" disabled=at_first
                            on:click=move |_| page.set(current.saturating_sub(1).max(1))>
                            "Previous"
                        </button>
                        <span>{format!("Page {current} of {pages} · {} devices", result.total)}</span>
                        <button type="button" disabled=at_last
                            on:click=move |_| page.set(current + 1)>
                            "Next"
                        </button>
                    </nav>
                }
                .into_any()
            }
        }}
        {move || {
            let tenant = session.tenant.get()?;
            let scopes = sharing.get()?;
            Some(view! {
                <ShareDialog
                    tenant=tenant
                    scopes=scopes
                    my_actions=None
                    on_close=Callback::new(move |()| sharing.set(None))
                    on_done=Callback::new(move |message: String| {
                        sharing.set(None);
                        notice.set(Some(message));
                    })
                />
            })
        }}
    }
}

fn device_row(d: DeviceResponse, now: DateTime<Utc>) -> impl IntoView {
    let href = format!("/devices/{}", d.id);
    let access = format!("/devices/{}/access", d.id);
    let may_share = d.actions.iter().any(|a| a == "device.share");
    let may_call = role_of(&d.actions) != "viewer";
    view! {
        <tr data-device=d.id.clone()>
            <td>
                <A href=href.clone()>{d.name.clone()}</A>
                <div class="mono muted">{d.id.clone()}</div>
            </td>
            <td>{d.site_name.clone().unwrap_or_else(|| "—".into())}</td>
            <td>
                <span class=if d.online { "status online" } else { "status offline" }>
                    {if d.online { "Online" } else { "Offline" }}
                </span>
            </td>
            <td class="last-heard">
                {match d.last_heard_at {
                    Some(t) => view! { <time datetime=t.to_rfc3339() title=when(t)>{ago(t, now.max(t))}</time> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            <td><RoleBadge actions=d.actions.clone()/></td>
            <td>
                <div class="row-actions">
                    <A href=href>{if may_call { "Operate" } else { "View" }}</A>
                    {may_share.then(|| view! { <A href=access>"Access"</A> })}
                </div>
            </td>
        </tr>
    }
}

fn site_scope(s: &SiteResponse) -> ShareScope {
    ShareScope {
        scope: ScopeRef {
            kind: ScopeKind::Site,
            id: s.id.to_string(),
        },
        name: s.name.clone(),
    }
}

fn org_scope(o: &OrganizationResponse) -> ShareScope {
    ShareScope {
        scope: ScopeRef {
            kind: match o.kind {
                OrganizationKind::Tenant => ScopeKind::Tenant,
                OrganizationKind::Client => ScopeKind::Organization,
            },
            id: o.id.to_string(),
        },
        name: o.name.clone(),
    }
}
