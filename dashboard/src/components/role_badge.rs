//! A person's role on a device, named from the actions they hold there.
use leptos::prelude::*;

/// The highest built-in role whose actions `actions` include ("custom" otherwise).
pub fn role_of(actions: &[String]) -> &'static str {
    let has = |a: &str| actions.iter().any(|x| x == a);
    if has("organization.manage") {
        "admin"
    } else if has("device.share") {
        "manager"
    } else if has("device.function.call") {
        "operator"
    } else if has("device.read") {
        "viewer"
    } else {
        "custom"
    }
}

/// A small label such as "operator".
#[component]
pub fn RoleBadge(#[prop(into)] actions: Vec<String>) -> impl IntoView {
    let role = role_of(&actions);
    view! { <span class=format!("badge role-{role}") title=actions.join(", ")>{role}</span> }
}
