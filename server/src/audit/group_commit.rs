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
//! - [`AuditWriter::flush`] waits until everything handed over before it is committed: the
//!   audit log's readers call it, so anyone reading the log sees every call already answered,
//!   and the server calls it on shutdown, after the last request.
use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::{Entry, model};
use entity::audit_record;

/// Most records written in one transaction.
const MAX_BATCH: usize = 512;
/// Records waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;
/// How long the writer gathers records after the first before committing: nobody waits for
/// the commit, and at a steady 1,000 calls/s this makes ~50 commits a second instead of ~500.
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
}

/// The writer task has stopped (the server is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the audit writer has stopped")]
pub struct NotWritten;

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime; it ends when every
    /// [`AuditWriter`] is dropped and the queue is written.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, receiver));
        Self { queue }
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
        answer.await.map_err(|_| NotWritten)
    }
}

async fn write_batches(db: DatabaseConnection, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // Gather more unless someone waits (a flush) or the batch is full.
        let deadline = tokio::time::Instant::now() + GATHER;
        while jobs.len() < MAX_BATCH && !jobs.iter().any(|j| matches!(j, Job::Flush(_))) {
            let room = MAX_BATCH - jobs.len();
            match tokio::time::timeout_at(deadline, receiver.recv_many(&mut jobs, room)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
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

/// Commits `records`, retrying until the database takes them.
async fn commit_until_stored(db: &DatabaseConnection, records: Vec<audit_record::ActiveModel>) {
    if records.is_empty() {
        return;
    }
    let mut wait = RETRY_FIRST;
    loop {
        match commit(db, records.clone()).await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(
                    error = %e,
                    records = records.len(),
                    retry_in_ms = wait.as_millis() as u64,
                    "writing audit records failed; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    }
}

async fn commit(
    db: &DatabaseConnection,
    records: Vec<audit_record::ActiveModel>,
) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    audit_record::Entity::insert_many(records)
        .exec(&txn)
        .await?;
    txn.commit().await
}
