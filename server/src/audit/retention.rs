//! Audit retention: records older than `database.audit_retention_days` are deleted in the
//! background, a bounded chunk per statement, so pruning a large backlog never holds the
//! table (or SQLite's one write lock) for long.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::clock::SharedClock;

/// Records deleted per statement.
const CHUNK: u64 = 5_000;
/// How often the background task prunes.
const EVERY: Duration = Duration::from_secs(3600);

/// Deletes every audit record created before `cutoff`, [`CHUNK`] at a time; returns how
/// many.
///
/// # Errors
/// Database failures (what was deleted before stays deleted).
pub async fn prune(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut deleted = 0;
    loop {
        let done = crate::store::audit_log::prune_chunk(db, cutoff, CHUNK).await?;
        deleted += done;
        if done < CHUNK {
            return Ok(deleted);
        }
        // Let writers in between chunks.
        tokio::task::yield_now().await;
    }
}

/// Prunes now and then every hour, keeping `days` days (0: keeps everything).
pub fn spawn(db: DatabaseConnection, clock: SharedClock, days: u32) {
    if days == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            let cutoff = clock.now() - chrono::Duration::days(i64::from(days));
            match prune(&db, cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, %cutoff, "pruned old audit records"),
                Err(e) => tracing::warn!(error = %e, "pruning old audit records failed"),
            }
        }
    });
}
