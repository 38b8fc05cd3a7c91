//! The one write path: a transaction that carries the change, its audit records and its
//! change-log entry, and answers only once this instance has applied the entry.
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use tokio::sync::{Notify, watch};

use super::Change;
use crate::audit;
use crate::clock::SharedClock;

/// How long a request waits for its own entry to be applied before answering anyway (the
/// change is committed; the follower applies it as soon as it can read the log again).
const APPLY_WAIT: Duration = Duration::from_secs(5);

/// Begins writes; one per instance, shared by every request.
#[derive(Clone)]
pub struct Writer {
    db: DatabaseConnection,
    clock: SharedClock,
    wake: Arc<Notify>,
    /// `None` in a process that follows no log (the command line): it answers at commit.
    applied: Option<watch::Receiver<i64>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("applied", &self.applied())
            .finish_non_exhaustive()
    }
}

impl Writer {
    pub(super) fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        wake: Arc<Notify>,
        applied: Option<watch::Receiver<i64>>,
    ) -> Self {
        Self {
            db,
            clock,
            wake,
            applied,
        }
    }

    /// A writer for a process that keeps no index (the command line): its changes reach the
    /// running servers through the log like any other.
    pub fn detached(db: DatabaseConnection, clock: SharedClock) -> Self {
        Self::new(db, clock, Arc::new(Notify::new()), None)
    }

    /// Begins a write transaction (see `db::begin_write`).
    ///
    /// # Errors
    /// The database refuses or is unreachable.
    pub async fn begin(&self) -> Result<Write<'_>, DbErr> {
        Ok(Write {
            txn: crate::db::begin_write(&self.db).await?,
            changes: Vec::new(),
            writer: self,
        })
    }

    /// The last entry this instance has applied.
    pub fn applied(&self) -> i64 {
        self.applied.as_ref().map_or(0, |a| *a.borrow())
    }

    /// Waits (boundedly) until this instance has applied every entry committed so far, and
    /// returns the newest one's number: for a request that read something newer in a table
    /// than the index shows (an administrator the command line made a moment ago).
    ///
    /// # Errors
    /// The log can't be read.
    pub async fn catch_up(&self) -> Result<i64, DbErr> {
        let newest = crate::store::change_log::newest(&self.db).await?;
        self.wait_applied(newest).await;
        Ok(newest)
    }

    /// Waits (boundedly) until this instance has applied entry `seq`.
    pub async fn wait_applied(&self, seq: i64) {
        self.wake.notify_one();
        let Some(mut applied) = self.applied.clone() else {
            return;
        };
        let waited = tokio::time::timeout(APPLY_WAIT, applied.wait_for(|a| *a >= seq)).await;
        if !matches!(waited, Ok(Ok(_))) {
            tracing::warn!(
                seq,
                "answering before this instance applied its own change; the index follows \
                 as soon as the change log can be read"
            );
        }
    }
}

/// One change in progress: write rows through `Deref` to the transaction, add audit records
/// and [`Change`]s, then [`Write::commit`].
pub struct Write<'w> {
    txn: DatabaseTransaction,
    changes: Vec<Change>,
    writer: &'w Writer,
}

impl Deref for Write<'_> {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Write<'_> {
    /// Records what changed, for every instance's index and caches.
    pub fn change(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Several changes at once.
    pub fn changes(&mut self, changes: impl IntoIterator<Item = Change>) {
        self.changes.extend(changes);
    }

    /// Writes an audit record in this transaction, stamped with the server's clock.
    ///
    /// # Errors
    /// Database failures; the whole change then rolls back.
    pub async fn audit(&self, entry: audit::Entry) -> Result<(), DbErr> {
        audit::record_at(&self.txn, entry, self.writer.clock.now()).await
    }

    /// Appends the change-log entry (when anything changed), commits, and waits until this
    /// instance has applied it.
    ///
    /// # Errors
    /// Database failures; nothing is then committed.
    pub async fn commit(self) -> Result<(), DbErr> {
        let Self {
            txn,
            changes,
            writer,
        } = self;
        if changes.is_empty() {
            return txn.commit().await;
        }
        let text = serde_json::to_string(&changes)
            .map_err(|e| DbErr::Custom(format!("encoding a change-log entry: {e}")))?;
        let seq = crate::store::change_log::append(&txn, text, writer.clock.now()).await?;
        txn.commit().await?;
        writer.wait_applied(seq).await;
        Ok(())
    }
}
