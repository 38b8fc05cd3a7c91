//! One chain of access: person → (group) → role on scope → device, with "Edit" (role and end)
//! and "Revoke" on the grant in place (revoking after a confirmation that says who else loses
//! access through it).
use fleetwarden_wire::sharing::{ChainLink, LinkKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;
use crate::components::grant_edit::{EditGrant, GrantShown};

/// A chain as steps, revocable where it passes through a grant.
#[component]
pub fn GrantChain(
    /// Whose chain it is.
    person: String,
    /// The steps after the person.
    chain: Vec<ChainLink>,
    /// The device the chain ends at.
    device: String,
    /// The grants' tenant.
    tenant: Uuid,
    /// Whether to offer changing and revoking (the server still decides).
    may_revoke: bool,
    /// My actions on the device, to offer only roles I may give; `None` for a tenant admin.
    my_actions: Option<Vec<String>>,
    /// After a grant was changed or revoked, with a sentence saying what happened.
    on_changed: Callback<String>,
) -> impl IntoView {
    let confirming = RwSignal::new(None::<Uuid>);
    let editing = RwSignal::new(None::<GrantShown>);
    let error = RwSignal::new(None::<String>);
    let through_group = chain.iter().any(|l| l.kind == LinkKind::Group);
    let steps = chain
        .into_iter()
        .map(|link| {
            let text = describe(&link);
            let revoke = (may_revoke && link.kind == LinkKind::Grant)
                .then_some(link.id)
                .flatten();
            let sentence = StoredValue::new(text.clone());
            let shown = revoke.map(|id| GrantShown {
                id,
                role_name: link.name.clone().unwrap_or_default(),
                expires_at: link.expires_at,
                sentence: text.clone(),
            });
            view! {
                <li class=format!("step step-{}", link.kind)>
                    <span>{text}</span>
                    {shown.map(|grant| view! {
                        <button type="button" class="small"
                            aria-label=format!("Edit {}", grant.sentence)
                            on:click=move |_| editing.set(Some(grant.clone()))>
                            "Edit…"
                        </button>
                    })}
                    {revoke.map(|grant| view! {
                        <Show
                            when=move || confirming.get() == Some(grant)
                            fallback=move || view! {
                                <button type="button" class="danger small"
                                    on:click=move |_| confirming.set(Some(grant))>
                                    "Revoke"
                                </button>
                            }
                        >
                            <span class="confirm" role="group" aria-label="Confirm revoking">
                                {if through_group {
                                    "Everyone in the group loses this access. Revoke?"
                                } else {
                                    "Revoke this grant?"
                                }}
                                <button type="button" class="danger small"
                                    on:click=move |_| {
                                        error.set(None);
                                        spawn_local(async move {
                                            match api::sharing::revoke_grant(tenant, grant).await {
                                                Ok(()) => on_changed.run(format!(
                                                    "Revoked {}.", sentence.get_value()
                                                )),
                                                Err(e) => error.set(Some(e.words())),
                                            }
                                            confirming.set(None);
                                        });
                                    }>
                                    "Yes, revoke"
                                </button>
                                <button type="button" class="small"
                                    on:click=move |_| confirming.set(None)>
                                    "Keep"
                                </button>
                            </span>
                        </Show>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="chain">
            <li class="step step-person"><span>{person}</span></li>
            {steps}
            <li class="step step-device"><span>{device}</span></li>
        </ol>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || editing.get().map(|grant| view! {
            <EditGrant tenant grant my_actions=my_actions.clone()
                on_close=Callback::new(move |()| editing.set(None))
                on_done=Callback::new(move |message: String| {
                    editing.set(None);
                    on_changed.run(message);
                })
            />
        })}
    }
}

fn describe(link: &ChainLink) -> String {
    let name = link.name.clone().unwrap_or_default();
    match link.kind {
        LinkKind::Group => format!("group {name}"),
        LinkKind::TenantAdmin => "tenant administrator".into(),
        LinkKind::PlatformAdmin => "platform administrator".into(),
        LinkKind::Grant => {
            let scope = match (&link.scope, &link.scope_name) {
                (Some(s), Some(n)) => format!("{} {n}", s.kind),
                (Some(s), None) => format!("{} {}", s.kind, s.id),
                _ => String::new(),
            };
            let until = link
                .expires_at
                .map(|t| format!(" until {}", crate::components::admin::when(t)))
                .unwrap_or_default();
            format!("{name} on {scope}{until}")
        }
    }
}
