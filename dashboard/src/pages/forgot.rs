//! Asking for a password-reset link (the link opens the server's own /reset page).
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;

/// One field; the same answer whether or not the address has an account.
#[component]
pub fn ForgotPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match api::auth::forgot_password(email.get_untracked()).await {
                Ok(()) => sent.set(true),
                Err(e) => error.set(Some(e.words())),
            }
        });
    };
    view! {
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <form on:submit=submit>
                        <p class="muted">"We'll email you a link to set a new password."</p>
                        <label for="forgot-email">"Email"</label>
                        <input id="forgot-email" type="email" autocomplete="username" required
                            autofocus bind:value=email/>
                        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                        <button type="submit" class="primary">"Send the link"</button>
                    </form>
                }
            >
                <p role="status">
                    "If that address has an account, a link is on its way. It works for 30 \
                     minutes, once."
                </p>
            </Show>
            <p><A href="/login">"Back to sign in"</A></p>
        </section>
    }
}
