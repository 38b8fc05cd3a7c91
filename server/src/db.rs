//! Opening the database named in the settings, and bringing its schema up to date.
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::DatabaseSettings;

/// Applies every pending migration and returns how many, saying so in one log line:
/// sea-orm-migration's own two lines per migration are quieted in the default filter, so a
/// first start shows the demo logins rather than 49 lines above them.
///
/// # Errors
/// The migrations can't be read or one fails.
pub async fn migrate_up(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let pending = Migrator::get_pending_migrations(db)
        .await
        .context("reading database migrations")?
        .len();
    Migrator::up(db, None)
        .await
        .context("applying database migrations")?;
    if pending > 0 {
        tracing::info!(count = pending, "database migrations applied");
    }
    Ok(pending)
}

/// Connects (creating a SQLite file and its folder when needed) and checks the connection.
///
/// # Errors
/// The database is unreachable, refuses us, or the SQLite folder can't be created. The message
/// names the setting and shows the URL with any password redacted.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let shown = &settings.url;
    let url = if settings.url.is_sqlite() {
        prepare_sqlite(settings.url.expose())
            .with_context(|| format!("database.url (FW_DATABASE__URL) = {shown}"))?
    } else {
        settings.url.expose().to_owned()
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections.max(1))
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)))
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms.max(100)))
        // sqlx logs every statement at info with its bound values; ours are not for logs.
        .sqlx_logging(false)
        // On every pooled connection: WAL lets readers go on while one writer commits, and
        // with WAL, synchronous=NORMAL syncs at checkpoints instead of at every commit — a
        // commit survives a crash of the process, only an OS crash or power cut can lose the
        // last ones. At FULL, one fsync per audited device call capped the call rate (README,
        // Performance).
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to database.url (FW_DATABASE__URL) = {shown}"))?;
    Ok(db)
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (IMMEDIATE), so concurrent writers queue in the busy handler; a deferred transaction that
/// read first would instead fail at its first write with SQLITE_BUSY_SNAPSHOT, at once, as
/// soon as another writer committed in between. PostgreSQL ignores the mode.
///
/// # Errors
/// The database refuses or is unreachable.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether `err` says the database is unreachable, overloaded or busy for now, so the same
/// statement may well succeed later (503 and a retry), rather than that it refuses this
/// statement for good (a constraint, a value it can't store, a bug).
pub fn is_transient(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs and SQLite result codes that pass: connection exceptions (08…),
/// insufficient resources (53…), operator intervention such as a shutdown (57P…),
/// serialization failures and deadlocks (40001, 40P01); SQLite's BUSY (5) and LOCKED (6),
/// with their extended codes.
fn transient_code(code: &str) -> bool {
    // A SQLSTATE is always five characters; SQLite's (extended) result codes have at most four
    // digits.
    if code.len() < 5 {
        return code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
    }
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "40001"
        || code == "40P01"
}

/// Adds `mode=rwc` so a missing file is created, and creates its folder.
fn prepare_sqlite(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let parent = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| path != ":memory:") {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
    }
    let mode = if query.contains("mode=") {
        ""
    } else {
        "mode=rwc"
    };
    let joined = [query, mode]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>();
    Ok(format!("sqlite://{path}?{}", joined.join("&")))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::{prepare_sqlite, transient_code};

    #[test]
    fn outages_and_contention_pass_but_refusals_do_not() {
        for code in ["08006", "57P01", "53300", "40001", "40P01", "5", "517", "6"] {
            assert!(transient_code(code), "{code}");
        }
        // NUL in text (22021), unique (23505), a foreign key (787 on SQLite), not null (1299).
        for code in ["22021", "23505", "22P05", "787", "1299", "19"] {
            assert!(!transient_code(code), "{code}");
        }
    }

    #[test]
    fn sqlite_urls_create_missing_files() {
        let dir = std::env::temp_dir().join(format!("fw-{}", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}/x/fw.db", dir.display());
        assert_eq!(prepare_sqlite(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.join("x").is_dir());
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!(
            prepare_sqlite("sqlite::memory:").unwrap(),
            "sqlite://:memory:?mode=rwc"
        );
        assert_eq!(
            prepare_sqlite("sqlite://a.db?mode=ro").unwrap(),
            "sqlite://a.db?mode=ro"
        );
    }
}

/// What a [`listen`]er hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard<'a> {
    /// Listening (again): what was sent while it wasn't is lost.
    Connected,
    /// A notification's payload.
    Notification(&'a str),
    /// The connection is gone; it reconnects.
    Lost,
}

/// The longest wait between attempts to listen again.
const MAX_LISTEN_BACKOFF: Duration = Duration::from_secs(5);

/// Listens on the PostgreSQL `channel` for ever on a connection of its own, telling `on` what
/// it hears; after any loss it connects again, waiting from 100 ms doubling up to 5 s.
/// `what` names the listener in the log.
pub async fn listen(
    url: String,
    channel: &'static str,
    what: &'static str,
    mut on: impl FnMut(Heard<'_>),
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let connected = async {
            let mut listener = sea_orm::sqlx::postgres::PgListener::connect(&url).await?;
            listener.listen(channel).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        match connected.await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(100);
                on(Heard::Connected);
                while let Ok(Some(notification)) = listener.try_recv().await {
                    on(Heard::Notification(notification.payload()));
                }
                tracing::warn!(
                    listener = what,
                    "lost a listener's connection; reconnecting"
                );
                on(Heard::Lost);
            }
            Err(err) => tracing::warn!(listener = what, error = %err, "cannot listen; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_LISTEN_BACKOFF);
    }
}
