//! One chain of access: person → (group) → role on scope → device, with "Revoke" on the grant
//! in place (after a confirmation that says who else loses access through it).
use fleetwarden_wire::sharing::{ChainLink, LinkKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::api;

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
    /// Whether to offer revoking (the server still decides).
    may_revoke: bool,
    /// After a grant was revoked, with a sentence saying which.
    on_revoked: Callback<String>,
) -> impl IntoView {
    let confirming = RwSignal::new(None::<Uuid>);
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
            view! {
                <li class=format!("step step-{}", link.kind)>
                    <span>{text}</span>
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
                                                Ok(()) => on_revoked.run(format!(
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
