//! Setting a simple-auth customer's new password at Particle, product by product: each
//! product's part is a row that stays pending until Particle takes it (or says the email is
//! not its customer), tried at once and then retried in the background with a growing wait,
//! by whichever instance claims it first, across restarts. When no part is pending, the sealed
//! password is erased and the person is emailed once.
use chrono::{DateTime, Duration, Utc};
use entity::customer_password_update as update;
use entity::particle_product;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::AccountError;
use super::customer_reset;
use crate::audit;
use crate::state::AppState;
use crate::store;
use crate::store::customer_resets::{DONE, NOT_CUSTOMER, PENDING};

/// How long a claimed attempt holds its row: an instance that dies mid-attempt leaves it to
/// another after this.
const LEASE: Duration = Duration::minutes(2);
/// The wait after the first failure; it doubles with each one after.
const FIRST_WAIT: Duration = Duration::seconds(30);
/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::hours(1);
/// Due parts taken per round.
const BATCH: u64 = 50;

/// When to try again after `attempts` failed attempts.
pub fn next_attempt(attempts: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let wait = FIRST_WAIT
        .checked_mul(2_i32.saturating_pow(doublings))
        .unwrap_or(LONGEST_WAIT)
        .min(LONGEST_WAIT);
    now + wait
}

/// Tries each pending part of one change now (right after the person submitted).
///
/// # Errors
/// Database failures.
pub async fn attempt_change(state: &AppState, change: Uuid) -> Result<(), AccountError> {
    for part in store::customer_resets::updates_of(&state.db, change).await? {
        if part.state == PENDING {
            attempt(state, &part).await?;
        }
    }
    Ok(())
}

/// One background round: every due part, each claimed and tried. Returns how many were tried.
///
/// # Errors
/// Database failures.
pub async fn retry_due(state: &AppState) -> Result<usize, AccountError> {
    let due = store::customer_resets::due(&state.db, state.clock.now(), BATCH).await?;
    let mut tried = 0;
    for part in &due {
        if attempt(state, part).await? {
            tried += 1;
        }
    }
    Ok(tried)
}

/// Retries due parts every `auth.customer_password_retry_secs`, on every instance (a claim
/// keeps two from trying the same part). Parts left pending by a stopped instance are found
/// here after a restart: they are rows, and the password in them is sealed.
pub async fn retry_forever(state: actix_web::web::Data<AppState>) {
    let every =
        std::time::Duration::from_secs(state.settings.auth.customer_password_retry_secs.max(1));
    let mut tick = tokio::time::interval(every);
    // The first tick is immediate: start one period after start-up instead.
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(err) = retry_due(&state).await {
            tracing::error!(error = %err, "retrying customers' new passwords at Particle failed");
        }
    }
}

/// Claims the part and tries it; false when another instance had claimed it.
async fn attempt(state: &AppState, part: &update::Model) -> Result<bool, AccountError> {
    let now = state.clock.now();
    if !store::customer_resets::claim(&state.db, part, now + LEASE).await? {
        return Ok(false);
    }
    let attempts = part.attempts + 1;
    let change = store::customer_resets::change(&state.db, part.change_id).await?;
    let product = particle_product::Entity::find_by_id(part.product_id)
        .one(&state.db)
        .await?;
    let (Some(change), Some(product)) = (change, product) else {
        return Ok(true);
    };
    let Some(sealed) = change.password_enc.as_deref() else {
        return Ok(true);
    };
    let password = state
        .particle
        .secrets
        .open(sealed)
        .map_err(AccountError::Internal)?;
    let set = state
        .particle
        .as_product(&product, |token| {
            let client = state.particle.client.clone();
            let (pid, email, password) =
                (product.particle_id, change.email.clone(), password.clone());
            async move {
                client
                    .set_customer_password(&token, pid, &email, &password)
                    .await
            }
        })
        .await;
    let now = state.clock.now();
    let (outcome, error, next) = match set {
        Ok(true) => (DONE, None, now),
        Ok(false) => (NOT_CUSTOMER, None, now),
        Err(err) => (PENDING, Some(err.to_string()), next_attempt(attempts, now)),
    };
    if let Some(error) = &error {
        tracing::warn!(product = product.particle_id, attempts, %error, "Particle did not take a customer's new password; retrying later");
    }
    let txn = state.writer.begin().await?;
    store::customer_resets::record(
        &*txn,
        change.id,
        product.id,
        outcome,
        error.clone(),
        next,
        now,
    )
    .await?;
    txn.audit(audit::Entry {
        actor_email: Some(change.email.clone()),
        action: "customer.password_set",
        target_kind: "product",
        target_id: Some(product.id.to_string()),
        after: Some(serde_json::json!({
            "change": change.id,
            "product": product.particle_id,
            "outcome": outcome,
            "attempts": attempts,
            "error": error,
            "next_attempt_at": (outcome == PENDING).then_some(next),
        })),
        ..Default::default()
    })
    .await?;
    let finished = store::customer_resets::finish_if_done(&*txn, change.id, now).await?;
    txn.commit().await?;
    // Told only when some product took it (a customer removed meanwhile everywhere has no
    // new password to be told about).
    let took = finished
        && store::customer_resets::updates_of(&state.db, change.id)
            .await?
            .iter()
            .any(|u| u.state == DONE);
    if took && let Some(family) = store::families::find(&state.db, change.family_id).await? {
        customer_reset::send_changed(state, &family, &change.email).await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_thirty_seconds_up_to_an_hour() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let waits: Vec<i64> = [1, 2, 3, 8, 50]
            .iter()
            .map(|&n| (next_attempt(n, now) - now).num_seconds())
            .collect();
        assert_eq!(waits, vec![30, 60, 120, 3600, 3600]);
    }
}
