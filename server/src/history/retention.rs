//! Keeping device history for `history.retention_days`: the oldest events are deleted in
//! small batches in the background, each its own short statement, so ingest never waits long.
use std::time::Duration;

use actix_web::web;
use chrono::TimeDelta;

use crate::state::AppState;
use crate::store::device_events;

/// Events deleted per statement.
const BATCH: u64 = 1_000;

/// How often the pruner wakes.
const EVERY: Duration = Duration::from_secs(3_600);

/// Prunes once: every event older than the retention period; returns how many went.
///
/// # Errors
/// Database failures (what was deleted before stays deleted).
pub async fn prune_once(state: &AppState) -> Result<u64, sea_orm::DbErr> {
    let days = state.settings.history.retention_days;
    if days == 0 {
        return Ok(0);
    }
    let before = state.clock.now() - TimeDelta::days(i64::from(days));
    let mut total = 0;
    loop {
        let deleted = device_events::prune(&state.db, before, None, BATCH).await?;
        total += deleted;
        if deleted < BATCH {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Prunes every hour in the background.
pub fn spawn(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            match prune_once(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "pruned old device events"),
                Err(err) => tracing::warn!(error = %err, "pruning device events failed"),
            }
        }
    });
}
