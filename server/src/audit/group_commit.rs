//! Group commit for the audit records of device calls, the one write on the hot path.
//!
//! Each call's record must be stored before the call is answered ("every call audited"), but
//! a commit per call makes every call wait for its own write lock and sync: on SQLite
//! concurrent writers queue in the busy handler's sleeps (`cargo bench --bench calls`
//! measured ~780 calls/s). Here one task writes whatever records are waiting in one
//! transaction and then answers each caller, so a caller still returns only once its record
//! is committed, and a burst of calls costs one commit.
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::{Entry, model};

/// Most records written in one transaction.
const MAX_BATCH: usize = 512;
/// Records waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<(), String>>;

/// Hands audit records to the writer task.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    queue: mpsc::Sender<(Entry, Reply)>,
}

/// Why a record could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the audit record was not written: {0}")]
pub struct NotWritten(String);

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime; it ends when every
    /// [`AuditWriter`] is dropped.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, receiver));
        Self { queue }
    }

    /// Writes `entry`, returning once it is committed.
    ///
    /// # Errors
    /// The transaction failed (the caller's request then fails too), or the writer is gone.
    pub async fn record(&self, entry: Entry) -> Result<(), NotWritten> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((entry, reply))
            .await
            .map_err(|_| NotWritten("the audit writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| NotWritten("the audit writer has stopped".into()))?
            .map_err(NotWritten)
    }
}

async fn write_batches(db: DatabaseConnection, mut receiver: mpsc::Receiver<(Entry, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (entries, replies): (Vec<Entry>, Vec<Reply>) = batch.drain(..).unzip();
        let outcome = commit(&db, entries).await.map_err(|e| {
            tracing::error!(error = %e, "writing audit records failed");
            e.to_string()
        });
        for reply in replies {
            // A caller that went away (client disconnected) needs no answer.
            let _ = reply.send(outcome.clone());
        }
    }
}

async fn commit(db: &DatabaseConnection, entries: Vec<Entry>) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    entity::audit_record::Entity::insert_many(entries.into_iter().map(model))
        .exec(&txn)
        .await?;
    txn.commit().await
}
