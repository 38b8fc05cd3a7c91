//! One device: whether it is online and when it was last heard, its current values from the
//! live stream, charts of its telemetry, a control for each function my role may call, each
//! with its result; sharing and "who has access" for those who may share.
use std::collections::BTreeMap;
use std::time::Duration;

use fleetwarden_wire::history::LiveMessage;
use fleetwarden_wire::products::{CatalogEntry, CatalogKind};
use fleetwarden_wire::sharing::{DeviceResponse, ScopeKind, ScopeRef};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError};
use crate::components::history_chart::milli;
use crate::components::role_badge::RoleBadge;
use crate::components::share_dialog::{ShareDialog, ShareScope};
use crate::format::{ago, now};
use crate::live::{self, Link};
use crate::session::use_session;

mod charts;
mod controls;
mod current;

use charts::Charts;
use controls::FunctionControl;
use current::{Latest, Now};

/// How often "last heard … ago" is worked out again (no request: the browser's clock).
const TICK: Duration = Duration::from_secs(5);

/// The device page.
#[component]
pub fn DevicePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let device = LocalResource::new(move || {
        let id = id.get();
        async move { api::devices::device(&id).await }
    });
    let catalog = LocalResource::new(move || {
        let id = id.get();
        async move { api::devices::catalog(&id).await }
    });
    view! {
        <p class="crumbs"><A href="/devices">"← All devices"</A></p>
        {move || match device.get() {
            None => view! { <p class="muted" role="status">"Loading the device…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(d)) => view! { <DeviceView device=d catalog=catalog/> }.into_any(),
        }}
    }
}

#[component]
fn DeviceView(
    device: DeviceResponse,
    catalog: LocalResource<Result<Vec<CatalogEntry>, ApiError>>,
) -> impl IntoView {
    let session = use_session();
    let kick = RwSignal::new(0_u64);
    let sharing = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let may = |action: &str| device.actions.iter().any(|a| a == action);
    let may_share = may("device.share");
    let access_href = format!("/devices/{}/access", device.id);
    let actions = device.actions.clone();
    let id = device.id.clone();
    let share_scopes = {
        let mut scopes = vec![ShareScope {
            scope: ScopeRef {
                kind: ScopeKind::Device,
                id: device.id.clone(),
            },
            name: device.name.clone(),
        }];
        // Only an admin's rights on the site are known here; others share the device alone.
        if session.is_tenant_admin()
            && let (Some(site), Some(name)) = (device.site_id, device.site_name.clone())
        {
            scopes.push(ShareScope {
                scope: ScopeRef {
                    kind: ScopeKind::Site,
                    id: site.to_string(),
                },
                name,
            });
        }
        scopes
    };
    let my_actions = (!session.is_tenant_admin()).then(|| device.actions.clone());
    let tenant = device.tenant_id;

    // What the live stream keeps current while the page is open.
    let online = RwSignal::new(device.online);
    let last_heard = RwSignal::new(device.last_heard_at);
    let values: current::Values = RwSignal::new(BTreeMap::new());
    let charts: charts::ChartState = RwSignal::new(None);
    let link = RwSignal::new(Link::Connecting);
    let this = device.id.clone();
    live::follow(link, move |m: LiveMessage| {
        if m.device_id != this {
            return;
        }
        last_heard.update(|t| *t = Some(t.map_or(m.published_at, |t| t.max(m.published_at))));
        if m.name == live::STATUS {
            if let Some(connected) = m.online {
                online.set(connected);
            }
            return;
        }
        // Only a connected device publishes.
        online.set(true);
        if let Some(value) = m.value {
            charts::live_reading(charts, &m.name, m.published_at, milli(value));
        }
        values.update(|v| {
            v.insert(
                m.name,
                Latest::Value {
                    text: m.data.unwrap_or_default(),
                    at: m.published_at,
                    live: true,
                },
            );
        });
    });
    let clock = RwSignal::new(now());
    if let Ok(handle) = set_interval_with_handle(move || clock.set(now()), TICK) {
        on_cleanup(move || handle.clear());
    }
    let heard = move || match last_heard.get() {
        Some(t) => ago(t, clock.get().max(t)),
        None => "Never".into(),
    };

    let panels = move || match catalog.get() {
        None => view! { <p class="muted" role="status">"Loading functions…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
        Some(Ok(entries)) => {
            let allowed = |e: &CatalogEntry| actions.contains(&e.action);
            let readable: Vec<String> = entries
                .iter()
                .filter(|e| e.kind == CatalogKind::Variable && allowed(e))
                .map(|e| e.name.clone())
                .collect();
            let mut functions: Vec<CatalogEntry> = entries
                .iter()
                .filter(|e| e.kind == CatalogKind::Function && allowed(e))
                .cloned()
                .collect();
            // What asks to be confirmed (a reset) comes last, away from the everyday controls.
            functions.sort_by_key(|e| e.confirm);
            let id = id.clone();
            view! {
                <section class="card" aria-labelledby="now-title">
                    <h2 id="now-title">"Now"</h2>
                    <Now id=id.clone() readable values link kick/>
                </section>
                <section class="card">
                    <h2>"Functions"</h2>
                    {if functions.is_empty() {
                        view! {
                            <p class="empty">
                                "Your role lets you look at this device but call none of its \
                                 functions."
                            </p>
                        }
                        .into_any()
                    } else {
                        functions
                            .into_iter()
                            .map(|entry| view! { <FunctionControl id=id.clone() entry kick/> })
                            .collect_view()
                            .into_any()
                    }}
                </section>
            }
            .into_any()
        }
    };

    view! {
        <div class="page-head">
            <div>
                <h1>{device.name.clone()}</h1>
                <p class="mono muted">{device.id.clone()}</p>
            </div>
            <div class="head-actions">
                {may_share.then(|| view! {
                    <A href=access_href.clone()>"Who has access"</A>
                    <button type="button" class="primary" on:click=move |_| sharing.set(true)>
                        "Share…"
                    </button>
                })}
            </div>
        </div>
        <dl class="facts">
            <dt>"Status"</dt>
            <dd data-testid="device-status">
                <span class=move || if online.get() { "status online" } else { "status offline" }>
                    {move || if online.get() { "Online" } else { "Offline" }}
                </span>
            </dd>
            <dt>"Last heard"</dt>
            <dd data-testid="last-heard">{heard}</dd>
            <dt>"Site"</dt>
            <dd>{device.site_name.clone().unwrap_or_else(|| "Not placed at a site".into())}</dd>
            <dt>"My role"</dt>
            <dd><RoleBadge actions=device.actions.clone()/></dd>
        </dl>
        {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        <div class="panels">{panels}</div>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <Charts id=device.id.clone() charts/>
        </section>
        {move || sharing.get().then(|| view! {
            <ShareDialog
                tenant=tenant
                scopes=share_scopes.clone()
                my_actions=my_actions.clone()
                on_close=Callback::new(move |()| sharing.set(false))
                on_done=Callback::new(move |message: String| {
                    sharing.set(false);
                    notice.set(Some(message));
                })
            />
        })}
    }
}
