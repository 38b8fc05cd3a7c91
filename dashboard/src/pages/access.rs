//! "Who has access and why": everyone who reaches the device, what they may do, and each
//! chain of grants that gives it to them, revocable in place.
use fleetwarden_wire::sharing::{ScopeKind, ScopeRef};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::grant_chain::GrantChain;
use crate::components::role_badge::RoleBadge;
use crate::components::share_dialog::{ShareDialog, ShareScope};
use crate::session::use_session;

/// The access page.
#[component]
pub fn AccessPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let version = RwSignal::new(0_u64);
    let notice = RwSignal::new(None::<String>);
    let sharing = RwSignal::new(false);
    let device = LocalResource::new(move || {
        let id = id.get();
        async move { api::devices::device(&id).await }
    });
    let access = LocalResource::new(move || {
        version.track();
        let id = id.get();
        async move { api::devices::access(&id).await }
    });
    let changed = move |message: String| {
        notice.set(Some(message));
        version.update(|v| *v += 1);
    };
    view! {
        <p class="crumbs">
            <A href=move || format!("/devices/{}", id.get())>"← Back to the device"</A>
        </p>
        {move || match device.get() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(d)) => {
                let may_share = d.actions.iter().any(|a| a == "device.share");
                let tenant = d.tenant_id;
                let name = d.name.clone();
                let scopes = vec![ShareScope {
                    scope: ScopeRef { kind: ScopeKind::Device, id: d.id.clone() },
                    name: d.name.clone(),
                }];
                let mine = (!session.is_tenant_admin()).then(|| d.actions.clone());
                view! {
                    <div class="page-head">
                        <h1>{format!("Who has access to {}", d.name)}</h1>
                        {may_share.then(|| view! {
                            <button type="button" class="primary" on:click=move |_| sharing.set(true)>
                                "Share…"
                            </button>
                        })}
                    </div>
                    {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                    {
                        let name = name.clone();
                        let mine = mine.clone();
                        move || match access.get() {
                            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                            Some(Ok(entries)) if entries.is_empty() => view! {
                                <p class="empty">"Nobody has access to this device."</p>
                            }.into_any(),
                            Some(Ok(entries)) => entries.into_iter().map(|entry| {
                                let person = entry.display_name.clone();
                                let name = name.clone();
                                let mine = mine.clone();
                                view! {
                                    <article class="card person" data-email=entry.email.clone()>
                                        <h2>
                                            {entry.display_name.clone()}" "
                                            <span class="muted">{entry.email.clone()}</span>" "
                                            <RoleBadge actions=entry.actions.clone()/>
                                        </h2>
                                        {entry.chains.into_iter().map(|chain| view! {
                                            <GrantChain
                                                person=person.clone()
                                                chain
                                                device=name.clone()
                                                tenant
                                                may_revoke=may_share
                                                my_actions=mine.clone()
                                                on_changed=Callback::new(changed)
                                            />
                                        }).collect_view()}
                                    </article>
                                }
                            }).collect_view().into_any(),
                        }
                    }
                    {move || sharing.get().then(|| view! {
                        <ShareDialog
                            tenant
                            scopes=scopes.clone()
                            my_actions=mine.clone()
                            on_close=Callback::new(move |()| sharing.set(false))
                            on_done=Callback::new(move |message: String| {
                                sharing.set(false);
                                changed(message);
                            })
                        />
                    })}
                }
                .into_any()
            }
        }}
    }
}
