//! The frame around every page: brand, navigation (only what the person can use), the tenant
//! switcher when they belong to several tenants (a platform admin: when there are several),
//! and signing out.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::api;
use crate::session::use_session;

/// Header and main area.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let session = use_session();
    let signed_in = move || session.me.with(|m| matches!(m, Some(Some(_))));
    view! {
        <header class="topbar">
            <a class="brand" href="/devices">"Fleetwarden"</a>
            <Show when=signed_in>
                <nav aria-label="Main">
                    <A href="/devices">"Devices"</A>
                    <A href="/activity">"Live activity"</A>
                    // Also for the managers of client organizations: each page offers what they
                    // may do there.
                    <Show when=move || session.may_administer()>
                        <A href="/directory">"Directory"</A>
                        <A href="/people">"People"</A>
                    </Show>
                    <Show when=move || session.may("audit.read")>
                        <A href="/audit">"Audit log"</A>
                    </Show>
                    <Show when=move || session.may("billing.read")>
                        <A href="/billing">"Billing"</A>
                    </Show>
                    <A href="/account">"My account"</A>
                </nav>
                <TenantSwitcher/>
                <Account/>
            </Show>
        </header>
        <main id="main">{children()}</main>
    }
}

#[component]
fn TenantSwitcher() -> impl IntoView {
    let session = use_session();
    let tenants = Memo::new(move |_| session.tenants());
    move || {
        let list = tenants.get();
        if list.len() < 2 {
            // One tenant: its name, no choice to make.
            return list
                .first()
                .map(|t| view! { <span class="tenant-name">{t.name.clone()}</span> })
                .into_any();
        }
        view! {
            <label class="tenant-switch">
                <span class="visually-hidden">"Tenant"</span>
                <select
                    on:change=move |ev| {
                        session.tenant.set(Uuid::parse_str(&event_target_value(&ev)).ok());
                    }
                    prop:value=move || session.tenant.get().map(|t| t.to_string()).unwrap_or_default()
                >
                    {list
                        .into_iter()
                        .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                        .collect_view()}
                </select>
            </label>
        }
        .into_any()
    }
}

#[component]
fn Account() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let email = move || {
        session.me.with(|m| {
            m.as_ref()
                .and_then(Option::as_ref)
                .map(|m| m.user.email.clone())
                .unwrap_or_default()
        })
    };
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Signed out locally even if the server call fails: the session is unusable here.
            let _ = api::auth::logout().await;
            session.clear();
            navigate("/login", Default::default());
        });
    };
    view! {
        <div class="account">
            <span class="muted">{email}</span>
            <button type="button" class="link" on:click=sign_out>"Sign out"</button>
        </div>
    }
}
