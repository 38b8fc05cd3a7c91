//! Signing in and out, with throttling per account and per client address.
use chrono::{DateTime, Duration, Utc};

use super::AccountError;
use crate::audit;
use crate::auth::ClientInfo;
use crate::changes::Change;
use crate::domain::{password, secrets};
use crate::state::AppState;
use crate::store::{self, sessions::NewSession};

/// How long a successful sign-in from an address exempts the account from that address's lock.
const KNOWN_ADDRESS_FOR: Duration = Duration::days(30);

/// A started session; the secrets are shown to the client once.
pub struct SignedIn {
    /// Who.
    pub user: entity::user::Model,
    /// The session secret (cookie and bearer token).
    pub session_secret: String,
    /// The CSRF token paired with it.
    pub csrf_secret: String,
    /// Latest end.
    pub expires_at: DateTime<Utc>,
}

/// Signs in. An unknown email and a wrong password take the same work and get the same answer.
///
/// # Errors
/// `InvalidCredentials`, `TooManyRequests` while throttled, database failures.
pub async fn login(
    state: &AppState,
    email: &str,
    password_given: String,
    client: &ClientInfo,
) -> Result<SignedIn, AccountError> {
    let now = state.clock.now();
    let auth = &state.settings.auth;
    let email_lower = email.trim().to_lowercase();
    let account_key = format!("acct:{email_lower}");
    let address_key = format!("ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    let throttled = |until: DateTime<Utc>| AccountError::Throttled {
        retry_after_secs: (until - now).num_seconds().max(1) as u64,
    };

    if let Some(until) =
        store::throttles::locked_until(&state.db, std::slice::from_ref(&account_key), now).await?
    {
        return Err(throttled(until));
    }
    let user = store::users::find_by_email_lower(&state.db, &email_lower)
        .await?
        .filter(|u| u.disabled_at.is_none());
    if let Some(until) =
        store::throttles::locked_until(&state.db, std::slice::from_ref(&address_key), now).await?
    {
        // A locked address still lets in whoever signed in from it before: behind a NAT or a
        // proxy the address is many people's, and one guesser would otherwise lock them all
        // out. Their accounts keep their own lock, and a new account is locked out with it.
        let known_here = match (&user, client.ip.as_deref()) {
            (Some(u), Some(ip)) => {
                store::sessions::signed_in_from(&state.db, u.id, ip, now - KNOWN_ADDRESS_FOR)
                    .await?
            }
            _ => false,
        };
        if !known_here {
            return Err(throttled(until));
        }
    }
    // Without a usable account, verify against a dummy hash so the answer takes as long.
    let (phc, usable) = match user.as_ref().and_then(|u| u.password_hash.clone()) {
        Some(phc) => (phc, true),
        None => (state.dummy_hash.clone(), false),
    };
    let verified = super::verify_password(password_given.clone(), phc.clone()).await? && usable;

    let window = Duration::minutes(auth.throttle_window_minutes);
    let Some(user) = user.filter(|_| verified) else {
        let txn = state.writer.begin().await?;
        store::throttles::record_failure(
            &*txn,
            &account_key,
            now,
            window,
            auth.max_failures_per_account,
        )
        .await?;
        store::throttles::record_failure(
            &*txn,
            &address_key,
            now,
            window,
            auth.max_failures_per_address,
        )
        .await?;
        txn.audit(audit::Entry {
            actor_email: Some(email_lower.chars().take(320).collect()),
            action: "auth.login_failed",
            target_kind: "session",
            ip: client.ip.clone(),
            request_id: client.request_id.clone(),
            ..Default::default()
        })
        .await?;
        txn.commit().await?;
        return Err(AccountError::InvalidCredentials);
    };

    let params = super::hash_params(auth);
    let rehashed = if password::needs_rehash(&phc, params) {
        Some(super::hash_password(password_given, params).await?)
    } else {
        None
    };
    let session = secrets::mint(secrets::Kind::Session);
    let csrf = secrets::mint(secrets::Kind::Csrf);
    let expires_at = now + Duration::hours(auth.session_absolute_hours);

    let txn = state.writer.begin().await?;
    store::throttles::clear(&*txn, &account_key).await?;
    if let Some(hash) = rehashed {
        store::users::set_password_hash(&*txn, user.id, hash, now).await?;
    }
    let stored = store::sessions::insert(
        &*txn,
        NewSession {
            user_id: user.id,
            token_hash: session.hash,
            csrf_token_hash: csrf.hash,
            expires_at,
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
        },
        now,
    )
    .await?;
    txn.audit(audit::Entry {
        actor_user_id: Some(user.id),
        actor_email: Some(user.email.clone()),
        action: "auth.login",
        target_kind: "session",
        target_id: Some(stored.id.to_string()),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.commit().await?;
    Ok(SignedIn {
        user,
        session_secret: session.secret,
        csrf_secret: csrf.secret,
        expires_at,
    })
}

/// Ends the caller's session (a no-op for API tokens, which are revoked explicitly).
///
/// # Errors
/// Database failures.
pub async fn logout(
    state: &AppState,
    principal: &crate::auth::Principal,
    client: &ClientInfo,
) -> Result<(), AccountError> {
    let Some(session_id) = principal.session_id() else {
        return Ok(());
    };
    let now = state.clock.now();
    let mut txn = state.writer.begin().await?;
    store::sessions::revoke(&*txn, principal.user_id(), session_id, now).await?;
    txn.audit(audit::Entry {
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        action: "auth.logout",
        target_kind: "session",
        target_id: Some(session_id.to_string()),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.change(Change::Credentials {
        user: principal.user_id(),
    });
    txn.commit().await?;
    Ok(())
}
