//! How this instance is doing, for `/health/ready` and the metrics: the database answers, the
//! change log is applied closely enough, the audit trail is written. Every check together
//! takes under a second, whatever the database does.
use std::time::Duration;

use chrono::Duration as Span;

use crate::metrics::Sample;
use crate::state::AppState;
use crate::store;

/// How long the database may take to answer a check.
const DATABASE_WAIT: Duration = Duration::from_millis(800);

/// What readiness found.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    /// Change-log entries not applied yet, when the database said.
    pub change_lag: Option<i64>,
    /// Why not ready, in words; empty when ready.
    pub reasons: Vec<String>,
}

impl Readiness {
    /// Ready to take traffic.
    pub fn ready(&self) -> bool {
        self.reasons.is_empty()
    }

    /// The database answered (it said how far behind this instance is).
    pub fn database(&self) -> bool {
        self.change_lag.is_some()
    }
}

/// Change-log entries this instance has yet to apply; `None` when the database doesn't
/// answer within the wait.
async fn change_lag(state: &AppState) -> Option<i64> {
    // The ping first: it also answers (an error) for a connection that was never opened,
    // where building a query would not.
    let asked = async {
        state.db.ping().await?;
        store::change_log::newest(&state.db).await
    };
    let newest = tokio::time::timeout(DATABASE_WAIT, asked).await;
    match newest {
        Ok(Ok(newest)) => Some((newest - state.writer.applied()).max(0)),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database refused");
            None
        }
        Err(_) => {
            tracing::warn!(
                wait_ms = DATABASE_WAIT.as_millis() as u64,
                "readiness: the database did not answer in time"
            );
            None
        }
    }
}

/// Checks the database, the change log and the audit writer.
pub async fn readiness(state: &AppState) -> Readiness {
    let mut found = Readiness {
        change_lag: change_lag(state).await,
        reasons: Vec::new(),
    };
    if !found.database() {
        found.reasons.push(format!(
            "the database did not answer within {} ms",
            DATABASE_WAIT.as_millis()
        ));
    }
    let health = &state.settings.health;
    if let Some(lag) = found.change_lag
        && lag > health.max_change_lag
    {
        found.reasons.push(format!(
            "{lag} change-log entries behind (more than health.max_change_lag, {})",
            health.max_change_lag
        ));
    }
    if !state.audit.is_writing() {
        found
            .reasons
            .push("the audit writer can't commit: device calls are refused".to_owned());
    }
    let now = state.clock.now();
    let diverted = state.diverts.seen(state.audit.diverted(), now);
    if let Some(at) = diverted
        && now - at < Span::seconds(health.diverted_unready_secs)
    {
        found.reasons.push(format!(
            "the audit writer diverted a record the database refused, at {at} (see audit_diverted)"
        ));
    }
    crate::metrics::ready(found.ready());
    found
}

/// What the metrics sample when they are read.
pub async fn sample(state: &AppState) -> Sample {
    let index = state.access.read().await.sizes();
    let change_lag = change_lag(state).await;
    // Only of a connection that answered (one never opened has no backend to ask).
    let pool = change_lag.and_then(|_| pool_use(&state.db));
    Sample {
        index,
        change_lag,
        audit_queue: state.audit.queued(),
        audit_diverted: state.audit.diverted(),
        pool,
    }
}

/// Connections in use, idle, and the pool's limit.
fn pool_use(db: &sea_orm::DatabaseConnection) -> Option<(u32, u32, u32)> {
    fn of<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> (u32, u32, u32) {
        let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
        let size = pool.size();
        (
            size.saturating_sub(idle),
            idle,
            pool.options().get_max_connections(),
        )
    }
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Some(of(db.get_postgres_connection_pool())),
        sea_orm::DbBackend::Sqlite => Some(of(db.get_sqlite_connection_pool())),
        _ => None,
    }
}
