//! The tenant's people, for its administrators and its organizations' managers: who belongs,
//! who administers (tenant admins only change that), removing someone, and the invitations that
//! bring new people in, into the organizations where the person may invite.
use fleetwarden_wire::directory::{OrganizationResponse, TenantUserResponse};
use fleetwarden_wire::tenancy::{InvitationResponse, InvitationStatus, MembershipRole};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api::{self, ApiError};
use crate::components::admin::{AdministratorsOnly, ConfirmButton, Feedback, when};
use crate::session::use_session;

/// The people page.
#[component]
pub fn PeoplePage() -> impl IntoView {
    view! { <AdministratorsOnly what="manage people and invitations" page=people_page/> }
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
        async move {
            let users = api::directory::users(tenant).await?;
            let orgs = api::directory::organizations(tenant).await?;
            Ok::<_, ApiError>((users, orgs))
        }
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
                Some(Ok((list, _))) if list.is_empty() => view! {
                    <p class="empty">"Nobody belongs to this tenant yet. Invite someone below."</p>
                }.into_any(),
                Some(Ok((mut list, orgs))) => {
                    crate::order::by_text(&mut list, |a| crate::order::folded(&a.display_name));
                    let me = me();
                    let rights = Rights {
                        tenant_admin: session.is_tenant_admin(),
                        invite: session.orgs_where("user.invite", &orgs),
                    };
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
                                    {list.into_iter().map(|u| user_row(u, me, &rights, set_role, remove)).collect_view()}
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

/// What I may do to people: change anyone's role (tenant admins), and remove those whose
/// memberships all lie where I may invite.
struct Rights {
    tenant_admin: bool,
    invite: Vec<Uuid>,
}

fn user_row(
    u: TenantUserResponse,
    me: Option<Uuid>,
    rights: &Rights,
    set_role: impl Fn(TenantUserResponse, MembershipRole) + Copy + Send + Sync + 'static,
    remove: impl Fn(TenantUserResponse) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let is_me = me == Some(u.id);
    let select_id = format!("role-{}", u.id);
    let for_role = u.clone();
    let for_remove = u.clone();
    let may_remove = !is_me
        && (rights.tenant_admin
            || (u.role == MembershipRole::Member
                && u.organization_ids.iter().all(|o| rights.invite.contains(o))));
    let role_cell = if is_me || !rights.tenant_admin {
        // Changing or removing oneself could lock everyone out; another admin does it.
        view! {
            <span class=format!("badge role-{}", u.role)>{u.role.as_str()}</span>
            {is_me.then(|| view! { " "<span class="muted">"(you)"</span> })}
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
                {may_remove.then(|| view! {
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
    let session = use_session();
    let feedback = Feedback::new();
    let version = RwSignal::new(0_u64);
    let show_past = RwSignal::new(false);
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(MembershipRole::Member);
    let organization = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // Only where I may invite: elsewhere the server would refuse both listing and inviting.
    let orgs =
        LocalResource::new(move || async move { api::directory::organizations(tenant).await });
    let invitable = Signal::derive(move || {
        orgs.get()
            .and_then(Result::ok)
            .map(|all| {
                let ids = session.orgs_where("user.invite", &all);
                all.into_iter()
                    .filter(|o| ids.contains(&o.id))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    // The first of them until another is chosen (the tenant itself, for its admins).
    Effect::new(move |_| {
        let list = invitable.get();
        if !list
            .iter()
            .any(|o| o.id.to_string() == organization.get_untracked())
        {
            let first = sorted(tenant, list).into_iter().next();
            organization.set(first.map(|o| o.id.to_string()).unwrap_or_default());
        }
    });
    // Invitations are kept per organization; the page shows them together.
    let invitations = LocalResource::new(move || {
        version.track();
        let orgs = invitable.get();
        async move {
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
            <form class="inline-form" on:submit=invite hidden=move || invitable.get().is_empty()>
                <div class="field grow">
                    <label for="invite-email">"Email"</label>
                    <input id="invite-email" type="email" required autocomplete="off"
                        placeholder="name@example.com" bind:value=email/>
                </div>
                <div class="field">
                    <label for="invite-org">"Into"</label>
                    <select id="invite-org" prop:value=move || organization.get()
                        on:change=move |ev| organization.set(event_target_value(&ev))>
                        {move || org_options(tenant, invitable.get())}
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
                        {move || session.is_tenant_admin().then(|| view! {
                            <option value=MembershipRole::Admin.as_str()>"tenant admin"</option>
                        })}
                    </select>
                </div>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Inviting…" } else { "Invite" }}
                </button>
            </form>
            <p class="hint">
                {move || if into_root() {
                    "They get an email with a link to join; a new person sets a password there."
                } else if !session.is_tenant_admin() {
                    "They join as members, through the link in their email; a new person sets a \
                     password there."
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

/// The tenant itself first, then its client organizations by name.
fn sorted(tenant: Uuid, mut list: Vec<OrganizationResponse>) -> Vec<OrganizationResponse> {
    crate::order::by_text(&mut list, |o| {
        let rank = if o.id == tenant { '0' } else { '1' };
        format!("{rank}{}", crate::order::folded(&o.name))
    });
    list
}

fn org_options(tenant: Uuid, list: Vec<OrganizationResponse>) -> impl IntoView {
    sorted(tenant, list)
        .into_iter()
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
