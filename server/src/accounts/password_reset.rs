//! "Forgot password": a single-use, short-lived link by our own email, one per person however
//! many tenants or products they belong to (there is one account per email).
use chrono::Duration;

use super::AccountError;
use crate::audit;
use crate::auth::ClientInfo;
use crate::changes::Change;
use crate::domain::{email::Email, secrets};
use crate::email::Template;
use crate::state::AppState;
use crate::store;

/// A new link is not sent while the previous one is younger than this (mail-bombing guard).
const RESEND_AFTER: Duration = Duration::seconds(60);

/// Issues a reset link if the email belongs to an active account and mails it. The caller
/// answers 202 whatever happens here, so it runs detached from the request.
///
/// # Errors
/// Database failures (logged by the caller; the person may simply ask again).
pub async fn request_reset(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<(), AccountError> {
    let now = state.clock.now();
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let user = store::users::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.disabled_at.is_none());
    let mut record = audit::Entry {
        actor_email: Some(email.lower.clone()),
        action: "auth.password_reset_request",
        target_kind: "user",
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    };
    let Some(user) = user else {
        audit::record(&state.db, record).await?;
        return Ok(());
    };
    record.actor_user_id = Some(user.id);
    record.target_id = Some(user.id.to_string());
    let recent = store::reset_tokens::newest(&state.db, user.id)
        .await?
        .is_some_and(|t| t.used_at.is_none() && now - t.created_at < RESEND_AFTER);
    if recent {
        record.after = Some(serde_json::json!({ "sent": false, "reason": "a link was just sent" }));
        audit::record(&state.db, record).await?;
        return Ok(());
    }
    let minutes = state.settings.auth.reset_token_minutes;
    let minted = secrets::mint(secrets::Kind::PasswordReset);
    let txn = state.writer.begin().await?;
    store::reset_tokens::replace(
        &*txn,
        user.id,
        minted.hash,
        now,
        now + Duration::minutes(minutes),
    )
    .await?;
    record.after = Some(serde_json::json!({ "sent": true }));
    txn.audit(record).await?;
    txn.commit().await?;
    let link = format!("{}/reset?token={}", state.public_url, minted.secret);
    if let Err(err) = state
        .mailer
        .send(
            &user.email,
            Template::PasswordReset {
                link,
                minutes_valid: minutes,
            },
        )
        .await
    {
        tracing::error!(error = %format!("{err:#}"), "sending the password-reset email failed");
    }
    Ok(())
}

/// Sets a new password with a reset token: once, before it expires, only the newest one; every
/// session of the account ends.
///
/// # Errors
/// 422 for an unusable token or a weak password; database failures.
pub async fn reset(
    state: &AppState,
    token: &str,
    new_password: String,
    client: &ClientInfo,
) -> Result<(), AccountError> {
    let now = state.clock.now();
    let invalid = || {
        AccountError::invalid(
            "token",
            "this reset link is invalid, used or expired; ask for a new one",
        )
    };
    let stored = store::reset_tokens::find_by_hash(&state.db, &secrets::hash(token.trim()))
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(invalid)?;
    let user = store::users::find(&state.db, stored.user_id)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(invalid)?;
    super::check_new_password("new_password", &new_password)?;
    let hash = super::hash_password(new_password, super::hash_params(&state.settings.auth)).await?;

    let mut txn = state.writer.begin().await?;
    // Conditional update: of two requests racing with one token, only one gets here.
    if !store::reset_tokens::consume(&*txn, stored.id, now).await? {
        return Err(invalid());
    }
    store::users::set_password_hash(&*txn, user.id, hash, now).await?;
    let ended = store::sessions::revoke_all_except(&*txn, user.id, None, now).await?;
    let tokens_ended = store::api_tokens::revoke_all(&*txn, user.id, now).await?;
    txn.audit(audit::Entry {
        actor_user_id: Some(user.id),
        actor_email: Some(user.email.clone()),
        action: "auth.password_reset",
        target_kind: "user",
        target_id: Some(user.id.to_string()),
        after: Some(serde_json::json!({
            "sessions_ended": ended,
            "api_tokens_ended": tokens_ended,
        })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.change(Change::Credentials { user: user.id });
    txn.commit().await?;
    state.send_later(user.email, Template::PasswordChanged);
    Ok(())
}
