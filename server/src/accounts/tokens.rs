//! My sessions, my API tokens, and changing my password.
use chrono::{DateTime, Utc};

use super::AccountError;
use crate::audit;
use crate::auth::{ClientInfo, Principal};
use crate::changes::Change;
use crate::domain::ids::{SessionId, TokenId};
use crate::domain::secrets;
use crate::email::Template;
use crate::state::AppState;
use crate::store;

fn entry(principal: &Principal, client: &ClientInfo, action: &'static str) -> audit::Entry {
    audit::Entry {
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        action,
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    }
}

/// Creates an API token; the secret is returned once.
///
/// # Errors
/// A blank or over-long name, an expiry in the past (422); database failures.
pub async fn create_token(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(String, entity::api_token::Model), AccountError> {
    let now = state.clock.now();
    let name = &crate::input::name("name", name, 100)?;
    if expires_at.is_some_and(|at| at <= now) {
        return Err(AccountError::invalid("expires_at", "must be in the future"));
    }
    let minted = secrets::mint(secrets::Kind::ApiToken);
    let prefix = secrets::display_prefix(&minted.secret);
    let txn = state.writer.begin().await?;
    let token = store::api_tokens::insert(
        &*txn,
        principal.user_id(),
        name,
        minted.hash,
        prefix,
        expires_at,
        now,
    )
    .await?;
    txn.audit(audit::Entry {
        target_kind: "api_token",
        target_id: Some(token.id.to_string()),
        after: Some(serde_json::json!({ "name": token.name, "expires_at": token.expires_at })),
        ..entry(principal, client, "api_token.create")
    })
    .await?;
    txn.commit().await?;
    Ok((minted.secret, token))
}

/// Something of mine that can be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocable {
    /// A personal API token.
    ApiToken(TokenId),
    /// A sign-in session.
    Session(SessionId),
}

/// Revokes one of my API tokens or sessions.
///
/// # Errors
/// `NotFound` when it isn't mine or already revoked.
pub async fn revoke(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    what: Revocable,
) -> Result<(), AccountError> {
    let (user, now) = (principal.user_id(), state.clock.now());
    let id = match what {
        Revocable::ApiToken(TokenId(id)) | Revocable::Session(SessionId(id)) => id,
    };
    let mut txn = state.writer.begin().await?;
    let (revoked, target_kind, action) = match what {
        Revocable::ApiToken(_) => (
            store::api_tokens::revoke(&*txn, user, id, now).await?,
            "api_token",
            "api_token.revoke",
        ),
        Revocable::Session(_) => (
            store::sessions::revoke(&*txn, user, id, now).await?,
            "session",
            "session.revoke",
        ),
    };
    if !revoked {
        return Err(AccountError::NotFound);
    }
    txn.audit(audit::Entry {
        target_kind,
        target_id: Some(id.to_string()),
        ..entry(principal, client, action)
    })
    .await?;
    txn.change(Change::Credentials { user });
    txn.commit().await?;
    Ok(())
}

/// Changes my password (the current one is required) and ends my other sessions and every
/// API token of mine.
///
/// # Errors
/// 422 for a wrong current password or a weak new one; database failures.
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    current: String,
    new_password: String,
) -> Result<(), AccountError> {
    // Read now, not from the remembered credential, which keeps no password hash.
    let stored = store::users::find(&state.db, principal.user_id())
        .await?
        .and_then(|u| u.password_hash)
        .unwrap_or_default();
    if !super::verify_password(current, stored).await? {
        return Err(AccountError::invalid("current_password", "is wrong"));
    }
    super::check_new_password("new_password", &new_password)?;
    let hash = super::hash_password(new_password, super::hash_params(&state.settings.auth)).await?;
    let now = state.clock.now();
    let mut txn = state.writer.begin().await?;
    store::users::set_password_hash(&*txn, principal.user_id(), hash, now).await?;
    let ended =
        store::sessions::revoke_all_except(&*txn, principal.user_id(), principal.session_id(), now)
            .await?;
    let tokens_ended = store::api_tokens::revoke_all(&*txn, principal.user_id(), now).await?;
    txn.audit(audit::Entry {
        target_kind: "user",
        target_id: Some(principal.user_id().to_string()),
        after: Some(serde_json::json!({
            "other_sessions_ended": ended,
            "api_tokens_ended": tokens_ended,
        })),
        ..entry(principal, client, "auth.password_change")
    })
    .await?;
    txn.change(Change::Credentials {
        user: principal.user_id(),
    });
    txn.commit().await?;
    state.send_later(principal.user.email.clone(), Template::PasswordChanged);
    Ok(())
}
