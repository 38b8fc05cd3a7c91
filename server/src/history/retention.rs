//! Keeping device history for `history.retention_days`, or for the days a tenant's plan says:
//! the oldest events are deleted in small batches in the background, each its own short
//! statement, so ingest never waits long.
use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::state::AppState;
use crate::store::device_events::{self, Tenants};

/// Events deleted per statement.
const BATCH: u64 = 1_000;

/// How often the pruner wakes.
const EVERY: Duration = Duration::from_secs(3_600);

/// Prunes once: every event older than its tenant's retention period (the plan's where it sets
/// one, else the deployment's; 0 there keeps the others' for ever); returns how many went.
///
/// # Errors
/// Database failures (what was deleted before stays deleted).
pub async fn prune_once(state: &AppState) -> Result<u64, DbErr> {
    let now = state.clock.now();
    let own = crate::store::billing::history_retention_at(&state.db, now).await?;
    let mut total = 0;
    for (tenant, days) in &own {
        let before = now - TimeDelta::days(i64::from(*days));
        total += prune_before(state, before, Tenants::Only(*tenant)).await?;
    }
    let days = state.settings.history.retention_days;
    if days > 0 {
        let kept: Vec<Uuid> = own.iter().map(|(tenant, _)| *tenant).collect();
        let before = now - TimeDelta::days(i64::from(days));
        total += prune_before(state, before, Tenants::AllBut(&kept)).await?;
    }
    Ok(total)
}

async fn prune_before(
    state: &AppState,
    before: DateTime<Utc>,
    tenants: Tenants<'_>,
) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let deleted = device_events::prune(&state.db, before, tenants, BATCH).await?;
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
