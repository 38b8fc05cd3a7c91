//! My account, for everyone signed in: where I am signed in (ending the other sessions), my
//! API tokens (a new one is shown once, with a copy button), and my password.
use chrono::{Duration, Utc};
use fleetwarden_wire::auth::{SessionResponse, TokenCreatedResponse, TokenResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::admin::{ConfirmButton, Feedback, local_to_utc, when};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <div class="page-head"><h1>"My account"</h1></div>
        <Sessions/>
        <Tokens/>
        <Password/>
    }
}

// --- sessions ---------------------------------------------------------------------------------

#[component]
fn Sessions() -> impl IntoView {
    let feedback = Feedback::new();
    let version = RwSignal::new(0_u64);
    let sessions = LocalResource::new(move || {
        version.track();
        async move { api::account::sessions().await }
    });
    let revoke = move |ids: Vec<SessionResponse>| {
        spawn_local(async move {
            let count = ids.len();
            let mut failure: Option<ApiError> = None;
            for s in ids {
                if let Err(e) = api::account::revoke_session(s.id).await {
                    failure.get_or_insert(e);
                }
            }
            match failure {
                None if count == 1 => feedback.done("Signed out that session."),
                None => feedback.done(format!("Signed out {count} other sessions.")),
                Some(e) => feedback.failed(e.words()),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Where I'm signed in"</h2>
            {feedback.view()}
            {move || match sessions.get() {
                None => view! { <p class="muted" role="status">"Loading sessions…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty">"No sessions: you are signed in with an API token."</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let others: Vec<SessionResponse> =
                        list.iter().filter(|s| !s.current).cloned().collect();
                    let other_count = others.len();
                    view! {
                        <div class="table-scroll">
                            <table class="list">
                                <thead>
                                    <tr>
                                        <th scope="col">"Browser or client"</th>
                                        <th scope="col">"Address"</th>
                                        <th scope="col">"Signed in"</th>
                                        <th scope="col">"Last active"</th>
                                        <th scope="col">"Ends"</th>
                                        <th scope="col">"Actions"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|s| {
                                        let current = s.current;
                                        let client = describe_client(s.user_agent.as_deref());
                                        let for_revoke = s.clone();
                                        view! {
                                            <tr class:current=current>
                                                <td>
                                                    <span title=s.user_agent.clone().unwrap_or_default()>{client.clone()}</span>
                                                    {current.then(|| view! { " "<span class="badge role-operator">"this session"</span> })}
                                                </td>
                                                <td class="mono">{s.ip.clone().unwrap_or_else(|| "—".into())}</td>
                                                <td>{when(s.created_at)}</td>
                                                <td>{when(s.last_seen_at)}</td>
                                                <td>{when(s.expires_at)}</td>
                                                <td class="row-actions">
                                                    {(!current).then(|| view! {
                                                        <ConfirmButton
                                                            label="Sign out"
                                                            aria_label=format!("Sign out the session of {client} from {}", when(s.created_at))
                                                            question="Sign out this session?"
                                                            confirm_label="Yes, sign out"
                                                            on_confirm=Callback::new(move |()| revoke(vec![for_revoke.clone()]))
                                                        />
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(other_count > 1).then(|| view! {
                            <p>
                                <ConfirmButton
                                    label="Sign out all other sessions"
                                    aria_label="Sign out all other sessions"
                                    question=format!("Sign out the {other_count} other sessions? This one stays.")
                                    confirm_label="Yes, sign them out"
                                    on_confirm=Callback::new(move |()| revoke(others.clone()))
                                />
                            </p>
                        })}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// "Chrome on Linux" from a user agent, so the list reads at a glance; the full string is in
/// the cell's title.
fn describe_client(agent: Option<&str>) -> String {
    let Some(agent) = agent.filter(|a| !a.trim().is_empty()) else {
        return "Unknown client".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.into(),
        (None, Some(s)) => format!("Browser on {s}"),
        (None, None) => agent.chars().take(40).collect(),
    }
}

// --- API tokens -------------------------------------------------------------------------------

#[component]
fn Tokens() -> impl IntoView {
    let feedback = Feedback::new();
    let version = RwSignal::new(0_u64);
    let tokens = LocalResource::new(move || {
        version.track();
        async move { api::account::tokens().await }
    });
    let name = RwSignal::new(String::new());
    let expiry = RwSignal::new("90".to_owned());
    let custom_until = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<TokenCreatedResponse>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let expires_at = match expiry.get_untracked().as_str() {
            "never" => None,
            "custom" => match local_to_utc(custom_until.get_untracked().trim()) {
                Some(t) if t > Utc::now() => Some(t),
                Some(_) => {
                    feedback.failed("The end must be in the future.");
                    return;
                }
                None => {
                    feedback.failed("Choose the date and time the token stops working.");
                    return;
                }
            },
            days => Some(Utc::now() + Duration::days(days.parse().unwrap_or(90))),
        };
        busy.set(true);
        let token_name = name.get_untracked().trim().to_owned();
        spawn_local(async move {
            match api::account::create_token(token_name, expires_at).await {
                Ok(token) => {
                    name.set(String::new());
                    feedback.notice.set(None);
                    feedback.error.set(None);
                    created.set(Some(token));
                    version.update(|v| *v += 1);
                }
                Err(e) => feedback.failed(e.words()),
            }
            busy.set(false);
        });
    };
    let revoke = move |t: TokenResponse| {
        spawn_local(async move {
            match api::account::revoke_token(t.id).await {
                Ok(()) => {
                    // A revoked token must not stay on screen as if it still worked.
                    if created.with_untracked(|c| c.as_ref().is_some_and(|c| c.details.id == t.id))
                    {
                        created.set(None);
                    }
                    feedback.done(format!("Revoked the token {}: it no longer works.", t.name));
                }
                Err(e) => feedback.failed(e.words()),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="hint">
                "For scripts and integrations: send it as "<code>"Authorization: Bearer …"</code>
                ". A token can do what you can do."
            </p>
            <form class="inline-form" on:submit=create>
                <div class="field grow">
                    <label for="token-name">"Name"</label>
                    <input id="token-name" required maxlength="100" placeholder="e.g. nightly report"
                        bind:value=name/>
                </div>
                <div class="field">
                    <label for="token-expiry">"Works for"</label>
                    <select id="token-expiry" bind:value=expiry>
                        <option value="7">"7 days"</option>
                        <option value="30">"30 days"</option>
                        <option value="90" selected>"90 days"</option>
                        <option value="365">"1 year"</option>
                        <option value="custom">"until a date…"</option>
                        <option value="never">"until revoked"</option>
                    </select>
                </div>
                {move || (expiry.get() == "custom").then(|| view! {
                    <div class="field">
                        <label for="token-until">"Until"</label>
                        <input id="token-until" type="datetime-local" required bind:value=custom_until/>
                    </div>
                })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Create token"</button>
            </form>
            {move || created.get().map(|t| view! { <NewToken token=t on_dismiss=Callback::new(move |()| created.set(None))/> })}
            {feedback.view()}
            {move || match tokens.get() {
                None => view! { <p class="muted" role="status">"Loading tokens…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty">"No API tokens yet."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="list">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Starts with"</th>
                                    <th scope="col">"Created"</th>
                                    <th scope="col">"Ends"</th>
                                    <th scope="col">"Last used"</th>
                                    <th scope="col">"Actions"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let for_revoke = t.clone();
                                    view! {
                                        <tr data-token=t.name.clone()>
                                            <td>{t.name.clone()}</td>
                                            <td class="mono">{format!("{}…", t.prefix)}</td>
                                            <td>{when(t.created_at)}</td>
                                            <td>{t.expires_at.map_or_else(|| "when revoked".into(), when)}</td>
                                            <td>{t.last_used_at.map_or_else(|| "never".into(), when)}</td>
                                            <td class="row-actions">
                                                <ConfirmButton
                                                    label="Revoke"
                                                    aria_label=format!("Revoke the token {}", t.name)
                                                    question="Revoke it? Whatever uses it stops working."
                                                    confirm_label="Yes, revoke"
                                                    on_confirm=Callback::new(move |()| revoke(for_revoke.clone()))
                                                />
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// The new token, shown this once: selected for copying, with a copy button.
#[component]
fn NewToken(token: TokenCreatedResponse, on_dismiss: Callback<()>) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = field.get() {
            let _ = input.focus();
            input.select();
        }
    });
    let secret = StoredValue::new(token.token.clone());
    let copy = move |_| {
        spawn_local(async move {
            let ok = copy_to_clipboard(&secret.get_value()).await;
            if !ok {
                // Clipboard refused (e.g. no permission): leave it selected for Ctrl+C.
                if let Some(input) = field.get_untracked() {
                    input.select();
                }
            }
            copied.set(Some(if ok {
                "Copied."
            } else {
                "Copying isn't allowed here: the token is selected, press Ctrl+C."
            }));
        });
    };
    view! {
        <div class="token-once" role="region" aria-labelledby="token-once-title">
            <h3 id="token-once-title">{format!("Your new token “{}”", token.details.name)}</h3>
            <p>"Copy it now: it is shown only this once. If it is lost, revoke it and create another."</p>
            <div class="copy-row">
                <label class="visually-hidden" for="token-secret">"The new token"</label>
                <input id="token-secret" class="mono" readonly node_ref=field prop:value=token.token.clone()/>
                <button type="button" class="primary" on:click=copy>"Copy"</button>
                <button type="button" on:click=move |_| on_dismiss.run(())>"I've stored it"</button>
            </div>
            {move || copied.get().map(|c| view! { <p class="hint" role="status">{c}</p> })}
        </div>
    }
}

/// Writes `text` to the clipboard through `navigator.clipboard.writeText`; false where the
/// browser has no clipboard API or refuses.
async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = (|| {
        let navigator = js_sys::Reflect::get(&window, &"navigator".into()).ok()?;
        let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok()?;
        let write = js_sys::Reflect::get(&clipboard, &"writeText".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        write
            .call1(&clipboard, &text.into())
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()
    })();
    match promise {
        Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
        None => false,
    }
}

// --- password ---------------------------------------------------------------------------------

#[component]
fn Password() -> impl IntoView {
    let feedback = Feedback::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if fresh != repeat.get_untracked() {
            feedback.failed("The new password and its repetition differ.");
            return;
        }
        if fresh.chars().count() < 12 {
            feedback.failed("The new password needs at least 12 characters.");
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::account::change_password(old, fresh).await {
                Ok(()) => {
                    for field in [current, new, repeat] {
                        field.set(String::new());
                    }
                    feedback.done("Password changed. Your other sessions were signed out.");
                }
                Err(e) => feedback.failed(password_error(&e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow-form" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <form on:submit=submit>
                <label for="password-current">"Current password"</label>
                <input id="password-current" type="password" autocomplete="current-password" required
                    bind:value=current/>
                <label for="password-new">"New password"</label>
                <input id="password-new" type="password" autocomplete="new-password" required
                    minlength="12" aria-describedby="password-hint" bind:value=new/>
                <p class="hint" id="password-hint">"At least 12 characters. Your other sessions will be signed out."</p>
                <label for="password-repeat">"New password again"</label>
                <input id="password-repeat" type="password" autocomplete="new-password" required
                    bind:value=repeat/>
                {feedback.view()}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}

/// The API names the field at fault; say it the way the form does.
fn password_error(e: &ApiError) -> String {
    if let ApiError::Status {
        status: 422,
        fields,
        ..
    } = e
    {
        if let Some(problems) = fields.get("current_password") {
            return format!("The current password {}.", problems.join(", "));
        }
        if let Some(problems) = fields.get("new_password") {
            return format!("The new password {}.", problems.join(", "));
        }
    }
    e.words()
}
