//! The tenant's people, for its administrators: who belongs, who administers, removing someone,
//! and the invitations that bring new people in.
use fleetwarden_wire::directory::{OrganizationResponse, TenantUserResponse};
use fleetwarden_wire::tenancy::{InvitationResponse, InvitationStatus, MembershipRole};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::admin::{ConfirmButton, Feedback, TenantAdminOnly, when};
use crate::session::use_session;

/// The people page.
#[component]
pub fn PeoplePage() -> impl IntoView {
    view! { <TenantAdminOnly what="manage people and invitations" page=people_page/> }
}

fn people_page(tenant: Uuid) -> AnyView {
    view! {
        <div class="page-head"><h1>"People"</h1></div>
        <Users tenant/>
        <Invitations tenant/>
    }
    .into_any()
}

#[component]
fn Users(tenant: Uuid) -> impl IntoView {
    let session = use_session();
    let me = move || {
        session
            .me
            .with(|m| m.as_ref().and_then(Option::as_ref).map(|m| m.user.id))
    };
    let feedback = Feedback::new();
    let version = RwSignal::new(0_u64);
    let users = LocalResource::new(move || {
        version.track();
        async move { api::directory::users(tenant).await }
    });
    let reload = move || version.update(|v| *v += 1);
    let set_role = move |user: TenantUserResponse, role: MembershipRole| {
        spawn_local(async move {
            match api::directory::set_user_role(tenant, user.id, role).await {
                Ok(()) if role == MembershipRole::Admin => feedback.done(format!(
                    "{} is now a tenant administrator: they see and manage everything here.",
                    user.display_name
                )),
                Ok(()) => feedback.done(format!(
                    "{} is now a member: they reach only what is shared with them.",
                    user.display_name
                )),
                Err(e) => feedback.failed(e.words()),
            }
            // Also after a failure, so the picker shows the role the server kept.
            reload();
        });
    };
    let remove = move |user: TenantUserResponse| {
        spawn_local(async move {
            match api::directory::remove_user(tenant, user.id).await {
                Ok(()) => feedback.done(format!(
                    "Removed {} from the tenant, with their group memberships and grants here.",
                    user.display_name
                )),
                Err(e) => feedback.failed(e.words()),
            }
            reload();
        });
    };
    view! {
        <section class="card" aria-labelledby="users-title">
            <h2 id="users-title">"People in this tenant"</h2>
            {feedback.view()}
            {move || match users.get() {
                None => view! { <p class="muted" role="status">"Loading people…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty">"Nobody belongs to this tenant yet. Invite someone below."</p>
                }.into_any(),
                Some(Ok(mut list)) => {
                    crate::order::by_text(&mut list, |a| crate::order::folded(&a.display_name));
                    let me = me();
                    view! {
                        <div class="table-scroll">
                            <table class="list">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Role"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|u| user_row(u, me, set_role, remove)).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <p class="hint">
                            "Administrators manage the whole tenant; members reach only what is shared with them."
                        </p>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn user_row(
    u: TenantUserResponse,
    me: Option<Uuid>,
    set_role: impl Fn(TenantUserResponse, MembershipRole) + Copy + Send + Sync + 'static,
    remove: impl Fn(TenantUserResponse) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let is_me = me == Some(u.id);
    let select_id = format!("role-{}", u.id);
    let for_role = u.clone();
    let for_remove = u.clone();
    let role_cell = if is_me {
        // Changing or removing oneself could lock everyone out; another admin does it.
        view! {
            <span class=format!("badge role-{}", u.role)>{u.role.as_str()}</span>
            " "<span class="muted">"(you)"</span>
        }
        .into_any()
    } else {
        view! {
            <label class="visually-hidden" for=select_id.clone()>
                {format!("Role of {}", u.display_name)}
            </label>
            <select id=select_id class="compact"
                on:change=move |ev| {
                    if let Some(role) = MembershipRole::parse(&event_target_value(&ev)) {
                        set_role(for_role.clone(), role);
                    }
                }>
                <option value=MembershipRole::Member.as_str()
                    selected=u.role == MembershipRole::Member>"member"</option>
                <option value=MembershipRole::Admin.as_str()
                    selected=u.role == MembershipRole::Admin>"admin"</option>
            </select>
        }
        .into_any()
    };
    view! {
        <tr data-email=u.email.clone()>
            <td>{u.display_name.clone()}</td>
            <td class="mono">{u.email.clone()}</td>
            <td>{role_cell}</td>
            <td class="row-actions">
                {(!is_me).then(|| view! {
                    <ConfirmButton
                        label="Remove"
                        aria_label=format!("Remove {} from the tenant", u.display_name)
                        question=format!(
                            "Remove {}? Their group memberships and grants in this tenant end.",
                            u.display_name
                        )
                        confirm_label="Yes, remove"
                        on_confirm=Callback::new(move |()| remove(for_remove.clone()))
                    />
                })}
            </td>
        </tr>
    }
}

#[component]
fn Invitations(tenant: Uuid) -> impl IntoView {
    let feedback = Feedback::new();
    let version = RwSignal::new(0_u64);
    let show_past = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(MembershipRole::Member);
    let organization = RwSignal::new(tenant.to_string());
    let busy = RwSignal::new(false);
    let orgs =
        LocalResource::new(move || async move { api::directory::organizations(tenant).await });
    // Invitations are kept per organization; the page shows them together.
    let invitations = LocalResource::new(move || {
        version.track();
        async move {
            let orgs = api::directory::organizations(tenant).await?;
            let mut all: Vec<(InvitationResponse, String)> = Vec::new();
            for org in &orgs {
                for inv in api::invitations::list(org.id).await? {
                    all.push((inv, org.name.clone()));
                }
            }
            crate::order::by_text_desc(&mut all, |a| a.0.created_at.to_rfc3339());
            Ok::<_, ApiError>(all)
        }
    });
    let into_root = move || organization.get() == tenant.to_string();
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(org) = Uuid::parse_str(&organization.get_untracked()) else {
            return;
        };
        let address = email.get_untracked().trim().to_owned();
        // Tenant administrators are made at the tenant itself; client organizations get members.
        let as_role = if org == tenant {
            role.get_untracked()
        } else {
            MembershipRole::Member
        };
        busy.set(true);
        spawn_local(async move {
            match api::invitations::create(org, address.clone(), as_role).await {
                Ok(inv) => {
                    email.set(String::new());
                    feedback.done(format!(
                        "Invited {address}: the link in their email works until {}.",
                        when(inv.expires_at)
                    ));
                    version.update(|v| *v += 1);
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    let revoke = move |inv: InvitationResponse| {
        spawn_local(async move {
            match api::invitations::revoke(inv.id).await {
                Ok(()) => feedback.done(format!(
                    "Revoked the invitation for {}: its link no longer works.",
                    inv.email
                )),
                Err(e) if e.status() == Some(409) => feedback.failed(format!(
                    "The invitation for {} is no longer pending (accepted or expired meanwhile).",
                    inv.email
                )),
                Err(e) => feedback.failed(e.words()),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            <form class="inline-form" on:submit=invite>
                <div class="field grow">
                    <label for="invite-email">"Email"</label>
                    <input id="invite-email" type="email" required autocomplete="off"
                        placeholder="name@example.com" bind:value=email/>
                </div>
                <div class="field">
                    <label for="invite-org">"Into"</label>
                    <select id="invite-org" bind:value=organization>
                        {move || orgs.get().and_then(Result::ok).map(|list| org_options(tenant, list))}
                    </select>
                </div>
                <div class="field">
                    <label for="invite-role">"As"</label>
                    <select id="invite-role" disabled=move || !into_root()
                        prop:value=move || role.get().as_str()
                        on:change=move |ev| {
                            let chosen = MembershipRole::parse(&event_target_value(&ev));
                            role.set(chosen.unwrap_or(MembershipRole::Member));
                        }>
                        <option value=MembershipRole::Member.as_str()>"member"</option>
                        <option value=MembershipRole::Admin.as_str()>"tenant admin"</option>
                    </select>
                </div>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Inviting…" } else { "Invite" }}
                </button>
            </form>
            <p class="hint">
                {move || if into_root() {
                    "They get an email with a link to join; a new person sets a password there."
                } else {
                    "People invited into a client organization join as members; make them \
                     administrators later if needed."
                }}
            </p>
            {feedback.view()}
            <label class="check">
                <input type="checkbox" bind:checked=show_past/>
                "Also show accepted, revoked and expired invitations"
            </label>
            {move || match invitations.get() {
                None => view! { <p class="muted" role="status">"Loading invitations…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(all)) => {
                    let past = show_past.get();
                    let shown: Vec<_> = all.into_iter().filter(|(i, _)| past || i.status == InvitationStatus::Pending).collect();
                    if shown.is_empty() {
                        let text = if past { "No invitations yet." } else { "No pending invitations." };
                        return view! { <p class="empty">{text}</p> }.into_any();
                    }
                    view! {
                        <div class="table-scroll">
                            <table class="list">
                                <thead>
                                    <tr>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Into"</th>
                                        <th scope="col">"As"</th>
                                        <th scope="col">"Sent"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {shown.into_iter().map(|(inv, org)| {
                                        let pending = inv.status == InvitationStatus::Pending;
                                        let status = if pending {
                                            format!("pending until {}", when(inv.expires_at))
                                        } else {
                                            inv.status.to_string()
                                        };
                                        let for_revoke = inv.clone();
                                        view! {
                                            <tr data-invitation=inv.email.clone()>
                                                <td class="mono">{inv.email.clone()}</td>
                                                <td>{org}</td>
                                                <td>{inv.role.as_str()}</td>
                                                <td>{when(inv.created_at)}</td>
                                                <td>{status}</td>
                                                <td class="row-actions">
                                                    {pending.then(|| view! {
                                                        <ConfirmButton
                                                            label="Revoke"
                                                            aria_label=format!("Revoke the invitation for {}", inv.email)
                                                            question="Revoke it? The emailed link stops working."
                                                            confirm_label="Yes, revoke"
                                                            on_confirm=Callback::new(move |()| revoke(for_revoke.clone()))
                                                        />
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn org_options(tenant: Uuid, mut list: Vec<OrganizationResponse>) -> impl IntoView {
    // The tenant itself first, then its client organizations by name.
    crate::order::by_text(&mut list, |o| {
        let rank = if o.id == tenant { '0' } else { '1' };
        format!("{rank}{}", crate::order::folded(&o.name))
    });
    list.into_iter()
        .map(|o| {
            let label = if o.id == tenant {
                format!("{} (the tenant)", o.name)
            } else {
                o.name
            };
            view! { <option value=o.id.to_string()>{label}</option> }
        })
        .collect_view()
}
