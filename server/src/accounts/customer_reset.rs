//! "Forgot password" for a maker's simple-auth customers, whose passwords live at Particle
//! (Particle's "new process"): one branded email per person per product family, however many
//! of its products they are a customer of; a hosted page that takes the new password; and
//! [`super::customer_updates`] sets it at Particle in each product.
//!
//! Nothing here logs an email's link or a password; links are stored as hashes only.
use chrono::Duration;
use entity::{particle_product, product_family};

use super::AccountError;
use super::customer_updates;
use crate::audit;
use crate::auth::ClientInfo;
use crate::config::BrandSettings;
use crate::domain::{email::Email, secrets};
use crate::email::Template;
use crate::state::AppState;
use crate::store;
use crate::store::customer_resets::{DONE, PENDING};

/// A new link is not sent while the previous one is younger than this (mail-bombing guard).
const RESEND_AFTER: Duration = Duration::seconds(60);

/// The product a maker's app named and the family it belongs to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The simple-auth product.
    pub product: particle_product::Model,
    /// Its family.
    pub family: product_family::Model,
}

/// The simple-auth product `id_or_slug` (Particle's) and its family; `None` when there is no
/// such product or it has no simple-auth customers.
///
/// # Errors
/// Database failures.
pub async fn target(state: &AppState, id_or_slug: &str) -> Result<Option<Target>, AccountError> {
    let Some(product) = store::families::simple_auth_product(&state.db, id_or_slug).await? else {
        return Ok(None);
    };
    let Some(family_id) = product.family_id else {
        return Ok(None);
    };
    let family = store::families::find(&state.db, family_id).await?;
    Ok(family.map(|family| Target { product, family }))
}

/// The family's brand, for its emails and page.
pub fn brand(family: &product_family::Model) -> BrandSettings {
    BrandSettings {
        product_name: family.name.clone(),
        primary_color: family.primary_color.clone(),
        background_color: family.background_color.clone(),
        logo_url: family.logo_url.clone(),
    }
}

/// The web origins allowed to call `forgot` for the family from a browser.
pub fn origins(family: &product_family::Model) -> Vec<String> {
    serde_json::from_value(family.allowed_origins.clone()).unwrap_or_default()
}

/// Counts a `forgot` request against the limits per email (in the family) and per client
/// address; the same for customers and strangers, so a 429 says nothing about either.
///
/// # Errors
/// [`AccountError::Throttled`] once a limit is reached, until its window ends; database
/// failures.
pub async fn admit(
    state: &AppState,
    target: &Target,
    email: &str,
    client: &ClientInfo,
) -> Result<(), AccountError> {
    let auth = &state.settings.auth;
    let now = state.clock.now();
    let window = Duration::minutes(auth.customer_reset_window_minutes);
    let email_key = format!(
        "customer-reset:{}:{}",
        target.family.id,
        secrets::hash(&email.trim().to_lowercase())
    );
    let mut limits = vec![(email_key, auth.customer_resets_per_email)];
    if let Some(ip) = &client.ip {
        limits.push((
            format!("customer-reset-address:{ip}"),
            auth.customer_resets_per_address,
        ));
    }
    let keys: Vec<String> = limits.iter().map(|(k, _)| k.clone()).collect();
    if let Some(until) = store::throttles::locked_until(&state.db, &keys, now).await? {
        let retry_after_secs = u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
        return Err(AccountError::Throttled { retry_after_secs });
    }
    // The sign-in throttle's counter, counting requests here rather than failures.
    for (key, max) in &limits {
        store::throttles::record_failure(&state.db, key, now, window, *max).await?;
    }
    Ok(())
}

/// The family a link belongs to, used or not, for the page's brand.
///
/// # Errors
/// Database failures.
pub async fn link_family(
    state: &AppState,
    token: &str,
) -> Result<Option<product_family::Model>, AccountError> {
    let Some(stored) =
        store::customer_resets::find_token(&state.db, &secrets::hash(token.trim())).await?
    else {
        return Ok(None);
    };
    Ok(store::families::find(&state.db, stored.family_id).await?)
}

/// Mails a reset link if `email` is a customer of any product of the family (asked of
/// Particle with each product's token). The caller answers the same whatever happens here,
/// so it runs detached from the request.
///
/// # Errors
/// Database failures (logged by the caller; the person may simply ask again).
pub async fn request(
    state: &AppState,
    target: &Target,
    email: &str,
    client: &ClientInfo,
) -> Result<(), AccountError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let email = email.lower;
    let family = &target.family;
    let products = store::families::products_of(&state.db, [family.id]).await?;
    let mut customer_of = Vec::new();
    let mut unanswered = Vec::new();
    for product in &products {
        let asked = state
            .particle
            .as_product(product, |token| {
                let client = state.particle.client.clone();
                let (pid, email) = (product.particle_id, email.clone());
                async move { client.has_customer(&token, pid, &email).await }
            })
            .await;
        match asked {
            Ok(true) => customer_of.push(product.particle_id),
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(product = product.particle_id, error = %err, "could not ask Particle whether an email is a customer");
                unanswered.push(product.particle_id);
            }
        }
    }
    let now = state.clock.now();
    let mut record = audit::Entry {
        actor_email: Some(email.clone()),
        action: "customer.password_reset_request",
        target_kind: "product_family",
        target_id: Some(family.id.to_string()),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    };
    let asked = |sent: bool, reason: Option<&str>| {
        serde_json::json!({
            "product": target.product.particle_id,
            "customer_of": customer_of,
            "not_answered": unanswered,
            "sent": sent,
            "reason": reason,
        })
    };
    if customer_of.is_empty() {
        record.after = Some(asked(false, Some("not a customer")));
        audit::record_at(&state.db, record, now).await?;
        return Ok(());
    }
    let recent = store::customer_resets::newest_token(&state.db, family.id, &email)
        .await?
        .is_some_and(|t| t.used_at.is_none() && now - t.created_at < RESEND_AFTER);
    if recent {
        record.after = Some(asked(false, Some("a link was just sent")));
        audit::record_at(&state.db, record, now).await?;
        return Ok(());
    }
    let minutes = state.settings.auth.reset_token_minutes;
    let minted = secrets::mint(secrets::Kind::PasswordReset);
    let txn = state.writer.begin().await?;
    store::customer_resets::replace_token(
        &*txn,
        family.id,
        &email,
        minted.hash,
        now,
        now + Duration::minutes(minutes),
    )
    .await?;
    record.after = Some(asked(true, None));
    txn.audit(record).await?;
    txn.commit().await?;
    let link = format!(
        "{}/customer-reset?token={}",
        state.public_url, minted.secret
    );
    let template = Template::CustomerPasswordReset {
        link,
        minutes_valid: minutes,
    };
    send(state, family, &email, template, "link").await
}

/// Sends a family's email and records that it went (or logs why it didn't).
async fn send(
    state: &AppState,
    family: &product_family::Model,
    email: &str,
    template: Template,
    kind: &'static str,
) -> Result<(), AccountError> {
    let sent = state
        .mailer
        .send_as(email, template, &brand(family), &family.sender)
        .await;
    if let Err(err) = sent {
        tracing::error!(error = %format!("{err:#}"), "sending a customer's password email failed");
        return Ok(());
    }
    audit::record_at(
        &state.db,
        audit::Entry {
            actor_email: Some(email.to_owned()),
            action: "customer.password_email",
            target_kind: "product_family",
            target_id: Some(family.id.to_string()),
            after: Some(serde_json::json!({ "kind": kind })),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

/// Tells the person their new password works everywhere.
pub(super) async fn send_changed(
    state: &AppState,
    family: &product_family::Model,
    email: &str,
) -> Result<(), AccountError> {
    send(
        state,
        family,
        email,
        Template::CustomerPasswordChanged,
        "changed",
    )
    .await
}

/// Why a link is refused, in words for the page.
fn refused(message: &str) -> AccountError {
    AccountError::invalid("link", message)
}

const UNKNOWN: &str = "is not a valid reset link; ask for a new one in the app.";
const USED: &str = "was used already, or a newer one was sent; use the newest email or ask for a new link in the app.";

/// The family and email of a usable link.
///
/// # Errors
/// 422 naming `link` for an unknown, used, voided or expired link; database failures.
pub async fn check_link(
    state: &AppState,
    token: &str,
) -> Result<(product_family::Model, String), AccountError> {
    let (family, stored) = usable(state, token).await?;
    Ok((family, stored.email))
}

async fn usable(
    state: &AppState,
    token: &str,
) -> Result<(product_family::Model, entity::customer_reset_token::Model), AccountError> {
    let stored = store::customer_resets::find_token(&state.db, &secrets::hash(token.trim()))
        .await?
        .ok_or_else(|| refused(UNKNOWN))?;
    if stored.used_at.is_some() {
        return Err(refused(USED));
    }
    if stored.expires_at <= state.clock.now() {
        return Err(refused("has expired; ask for a new one in the app."));
    }
    let family = store::families::find(&state.db, stored.family_id)
        .await?
        .ok_or_else(|| refused(UNKNOWN))?;
    Ok((family, stored))
}

/// What became of a new password, product by product.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Products that have it now.
    pub done: Vec<String>,
    /// Products still to take it (retried in the background).
    pub waiting: Vec<String>,
}

/// Sets a new password with a reset link: the link is spent at once (it can't be replayed
/// while Particle is retried), the password is kept sealed until every product of the family
/// where the email is a customer has it, and each product is tried now.
///
/// # Errors
/// 422 for an unusable link or a weak password; database failures.
pub async fn reset(
    state: &AppState,
    token: &str,
    new_password: String,
    client: &ClientInfo,
) -> Result<(product_family::Model, Outcome), AccountError> {
    let (family, stored) = usable(state, token).await?;
    super::check_new_password("password", &new_password)?;
    let products = store::families::products_of(&state.db, [family.id]).await?;
    let sealed = state
        .particle
        .secrets
        .seal(&new_password)
        .map_err(AccountError::Internal)?;
    let now = state.clock.now();
    let ids: Vec<_> = products.iter().map(|p| p.id).collect();
    let txn = state.writer.begin().await?;
    // Conditional update: of two submits racing with one link, only one gets here.
    if !store::customer_resets::consume_token(&*txn, stored.id, now).await? {
        return Err(refused(USED));
    }
    let change =
        store::customer_resets::insert_change(&*txn, family.id, &stored.email, sealed, &ids, now)
            .await?;
    txn.audit(audit::Entry {
        actor_email: Some(stored.email.clone()),
        action: "customer.password_reset",
        target_kind: "product_family",
        target_id: Some(family.id.to_string()),
        after: Some(serde_json::json!({
            "change": change.id,
            "products": products.iter().map(|p| p.particle_id).collect::<Vec<_>>(),
        })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.commit().await?;
    customer_updates::attempt_change(state, change.id).await?;
    let updates = store::customer_resets::updates_of(&state.db, change.id).await?;
    let mut outcome = Outcome::default();
    for product in &products {
        match updates.iter().find(|u| u.product_id == product.id) {
            Some(u) if u.state == DONE => outcome.done.push(product.name.clone()),
            Some(u) if u.state == PENDING => outcome.waiting.push(product.name.clone()),
            _ => {}
        }
    }
    Ok((family, outcome))
}
