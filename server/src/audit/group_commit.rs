//! The audit records of device calls, the one write on their path, written behind the answer
//! and group-committed.
//!
//! A device call changes nothing of ours, so there is no transaction for its record to join,
//! and by the time the record exists the device has already acted: waiting for the commit
//! before answering would not make the trail more complete, only every call slower (on
//! SQLite ~2.4 ms more at p50 and ~13 ms at p99, checkpoints included, at 1,000 calls/s in
//! `cargo bench --bench calls`; more on PostgreSQL, where a commit is an fsync). So a call
//! hands its record to one writer task and is answered; the writer stores whatever is
//! waiting in one transaction, and nothing is dropped:
//! - a failed commit is retried, with backoff, until it succeeds (logged at error each time);
//! - the queue is bounded, so a database that stays down makes callers wait to enqueue
//!   instead of piling records up in memory;
//! - [`AuditWriter::caught_up`] waits until everything handed over before it is committed:
//!   the audit log's readers call it, so anyone reading the log sees every call already
//!   answered; while the database refuses records it gives up after the configured wait, so
//!   the reader is told to retry (503) instead of hanging;
//! - [`AuditWriter::flush`] waits for as long as it takes: the server calls it on shutdown,
//!   after the last request.
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, QueryTrait, Statement, TransactionTrait,
};
use tokio::sync::{Notify, mpsc, oneshot};

use super::{Entry, model};
use entity::audit_record;

/// Most records written in one transaction.
const MAX_BATCH: usize = 512;
/// Records waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;
/// How long the writer gathers records after the first before committing: nobody waits for
/// the commit, and at a steady 1,000 calls/s this makes ~50 commits a second instead of ~500.
/// It sleeps through the gathering instead of waking for every record (a thread wake-up per
/// device call); only a flush cuts it short.
const GATHER: Duration = Duration::from_millis(20);
/// First and longest wait before retrying a failed commit.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(5);

enum Job {
    Write(Box<audit_record::ActiveModel>),
    /// Answered once every record queued before it is committed.
    Flush(oneshot::Sender<()>),
}

/// Hands audit records to the writer task.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    queue: mpsc::Sender<Job>,
    /// Wakes the writer from its gathering when a flush is queued.
    flushing: Arc<Notify>,
    /// How long [`AuditWriter::caught_up`] waits.
    read_wait: Duration,
}

/// The writer task has stopped (the server is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the audit writer has stopped")]
pub struct NotWritten;

/// Why the records handed over are not all stored yet.
#[derive(Debug, thiserror::Error)]
pub enum NotCaughtUp {
    /// Still being written after the reader's wait (the database refuses them for now).
    #[error("recent audit records are still being written")]
    Pending,
    /// The writer task has stopped.
    #[error(transparent)]
    Stopped(#[from] NotWritten),
}

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime; it ends when every
    /// [`AuditWriter`] is dropped and the queue is written. Readers wait at most `read_wait`
    /// in [`AuditWriter::caught_up`].
    pub fn start(db: DatabaseConnection, read_wait: Duration) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let flushing = Arc::new(Notify::new());
        tokio::spawn(write_batches(db, receiver, flushing.clone()));
        Self {
            queue,
            flushing,
            read_wait,
        }
    }

    /// Queues `entry`, stamped with the time now; waits only while the queue is full.
    ///
    /// # Errors
    /// The writer is gone.
    pub async fn record(&self, entry: Entry) -> Result<(), NotWritten> {
        self.queue
            .send(Job::Write(Box::new(model(entry))))
            .await
            .map_err(|_| NotWritten)
    }

    /// Returns once every record queued before this call is committed.
    ///
    /// # Errors
    /// The writer is gone.
    pub async fn flush(&self) -> Result<(), NotWritten> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job::Flush(done))
            .await
            .map_err(|_| NotWritten)?;
        // A permit left while the writer wasn't gathering only ends its next gathering early.
        self.flushing.notify_one();
        answer.await.map_err(|_| NotWritten)
    }

    /// As [`AuditWriter::flush`], for a reader of the log: gives up after the reader's wait.
    ///
    /// # Errors
    /// [`NotCaughtUp::Pending`] when records are still unwritten after the wait (the database
    /// is refusing them); the writer is gone.
    pub async fn caught_up(&self) -> Result<(), NotCaughtUp> {
        match tokio::time::timeout(self.read_wait, self.flush()).await {
            Ok(done) => Ok(done?),
            Err(_) => Err(NotCaughtUp::Pending),
        }
    }
}

async fn write_batches(
    db: DatabaseConnection,
    mut receiver: mpsc::Receiver<Job>,
    flushing: Arc<Notify>,
) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // Gather more unless someone waits (a flush) or the batch is full: sleep, then take
        // whatever arrived meanwhile.
        if jobs.len() < MAX_BATCH && !jobs.iter().any(|j| matches!(j, Job::Flush(_))) {
            tokio::select! {
                () = tokio::time::sleep(GATHER) => {}
                () = flushing.notified() => {}
            }
            while jobs.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
        }
        let mut records = Vec::with_capacity(jobs.len());
        let mut flushes = Vec::new();
        for job in jobs.drain(..) {
            match job {
                Job::Write(record) => records.push(*record),
                Job::Flush(done) => flushes.push(done),
            }
        }
        commit_until_stored(&db, records).await;
        for done in flushes {
            // A flusher that went away (client disconnected) needs no answer.
            let _ = done.send(());
        }
    }
}

/// Commits `records`, retrying until the database takes them. The statement is built once
/// (one multi-row INSERT, nothing returned): a retry sends the same one again.
async fn commit_until_stored(db: &DatabaseConnection, records: Vec<audit_record::ActiveModel>) {
    if records.is_empty() {
        return;
    }
    let count = records.len();
    let insert = audit_record::Entity::insert_many(records).build(db.get_database_backend());
    let mut wait = RETRY_FIRST;
    loop {
        match commit(db, insert.clone()).await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(
                    error = %e,
                    records = count,
                    retry_in_ms = wait.as_millis() as u64,
                    "writing audit records failed; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    }
}

async fn commit(db: &DatabaseConnection, insert: Statement) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    txn.execute_raw(insert).await?;
    txn.commit().await
}
