//! Signing in.
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::session::use_session;

/// Email and password; errors in words; back to where the person was going.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        // Only our own paths: never bounce to another site after signing in.
        let next = query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/login"))
            .unwrap_or_else(|| "/devices".into());
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::auth::login(email.get_untracked(), password.get_untracked()).await {
                Ok(_) => {
                    session.refresh().await;
                    password.set(String::new());
                    navigate(&next, Default::default());
                }
                Err(e) => error.set(Some(e.words())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <form on:submit=submit>
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" autocomplete="username" required
                    autofocus bind:value=email/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password"
                    required bind:value=password/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p><A href="/forgot">"Forgot your password?"</A></p>
        </section>
    }
}
