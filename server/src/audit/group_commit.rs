//! The audit records of device calls, the one write on their path, group-committed: a call is
//! answered only once its record is stored, and many calls share one commit.
//!
//! A device call changes nothing of ours, so there is no transaction for its record to join,
//! and by the time the record exists the device has already acted. Answering before the
//! commit would leave answered calls without a record after a crash (kill -9 under load lost
//! dozens), so a call hands its record to one writer task and waits for the commit. The writer
//! never sleeps to gather: while it commits one batch the next one queues, so under load each
//! commit carries every call that arrived during the one before.
//!
//! Nothing blocks the queue:
//! - a commit the database refuses for now (down, busy, pool exhausted: [`db::is_transient`])
//!   is retried with backoff until it succeeds, logged at error each time; meanwhile
//!   [`AuditWriter::is_writing`] is false, so device calls are refused up front (503) rather
//!   than made without a trail;
//! - a commit refused for good (a value the database can't store, a constraint) is split:
//!   each record is committed alone, and one still refused is diverted whole, as text, to
//!   `audit_diverted` with the database's refusal, logged at error and counted
//!   ([`AuditWriter::diverted`]), and its caller answered: the record is kept, where an
//!   operator sees it;
//! - the queue is bounded, so callers wait to enqueue instead of memory growing.
//!
//! [`AuditWriter::caught_up`] waits until everything handed over before it is stored (the
//! audit log's readers, so the log shows every call already answered), giving up after the
//! configured wait; [`AuditWriter::flush`] waits for as long as it takes.
//!
//! [`db::is_transient`]: crate::db::is_transient
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TryIntoModel};
use tokio::sync::{mpsc, oneshot};

use super::{Entry, model};
use crate::db;
use crate::store::audit_log;
use entity::audit_record;

/// Most records written in one transaction.
const MAX_BATCH: usize = 512;
/// Records waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;
/// First and longest wait before retrying a commit the database refused for now.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(5);

enum Job {
    /// A record, and its caller waiting for it to be stored.
    Write(Box<audit_record::ActiveModel>, oneshot::Sender<()>),
    /// Answered once every record queued before it is stored.
    Flush(oneshot::Sender<()>),
}

/// What the writer reports, shared with every handle.
#[derive(Debug, Default)]
struct Health {
    /// False while commits fail for a reason that passes (the database is down).
    failing: AtomicBool,
    /// Records refused for good and diverted to `audit_diverted` since the start.
    diverted: AtomicU64,
}

/// Hands audit records to the writer task.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    queue: mpsc::Sender<Job>,
    health: Arc<Health>,
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
        let health = Arc::new(Health::default());
        tokio::spawn(write_batches(db, receiver, health.clone()));
        Self {
            queue,
            health,
            read_wait,
        }
    }

    /// Stores `entry`, stamped with the time now, and returns once it is committed (or, if
    /// the database refuses it for good, diverted).
    ///
    /// # Errors
    /// The writer is gone.
    pub async fn record(&self, entry: Entry) -> Result<(), NotWritten> {
        let (stored, answer) = oneshot::channel();
        self.queue
            .send(Job::Write(
                Box::new(model(entry, chrono::Utc::now())),
                stored,
            ))
            .await
            .map_err(|_| NotWritten)?;
        answer.await.map_err(|_| NotWritten)
    }

    /// Whether records are being stored: false while the database refuses commits for a
    /// reason that passes. Device calls check it before acting.
    pub fn is_writing(&self) -> bool {
        !self.health.failing.load(Ordering::Relaxed)
    }

    /// Records diverted to `audit_diverted` since the start.
    pub fn diverted(&self) -> u64 {
        self.health.diverted.load(Ordering::Relaxed)
    }

    /// Records handed over and not yet taken by the writer.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Returns once every record queued before this call is stored.
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
    health: Arc<Health>,
) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut records = Vec::with_capacity(jobs.len());
        let mut waiting = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            match job {
                Job::Write(record, stored) => {
                    records.push(*record);
                    waiting.push(stored);
                }
                Job::Flush(done) => waiting.push(done),
            }
        }
        store(&db, records, &health).await;
        for done in waiting {
            // A caller that went away (client disconnected) needs no answer.
            let _ = done.send(());
        }
    }
}

/// Stores `records`: in one commit, or when the database refuses that for good, one by one,
/// diverting each it still refuses.
async fn store(db: &DatabaseConnection, records: Vec<audit_record::ActiveModel>, health: &Health) {
    if records.is_empty() {
        return;
    }
    let insert = audit_log::insert_statement(db.get_database_backend(), records.clone());
    if commit_until_decided(db, &insert, records.len(), health)
        .await
        .is_ok()
    {
        return;
    }
    for record in records {
        let one = audit_log::insert_statement(db.get_database_backend(), vec![record.clone()]);
        if let Err(refusal) = commit_until_decided(db, &one, 1, health).await {
            divert(db, record, &refusal, health).await;
        }
    }
}

/// Commits `insert`, retrying for as long as the database refuses it for a reason that
/// passes; returns the refusal when it is for good.
async fn commit_until_decided(
    db: &DatabaseConnection,
    insert: &Statement,
    count: usize,
    health: &Health,
) -> Result<(), DbErr> {
    let mut wait = RETRY_FIRST;
    loop {
        let started = std::time::Instant::now();
        match commit(db, insert.clone()).await {
            Ok(()) => {
                crate::metrics::audit_commit(started.elapsed());
                health.failing.store(false, Ordering::Relaxed);
                return Ok(());
            }
            Err(e) if db::is_transient(&e) => {
                health.failing.store(true, Ordering::Relaxed);
                tracing::error!(
                    error = %e,
                    records = count,
                    retry_in_ms = wait.as_millis() as u64,
                    "writing audit records failed; retrying"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Keeps a record the database refused for good in `audit_diverted`, as JSON text.
async fn divert(
    db: &DatabaseConnection,
    record: audit_record::ActiveModel,
    refusal: &DbErr,
    health: &Health,
) {
    let Ok(record) = record.try_into_model() else {
        // Every record is built whole by `model`; nothing to keep otherwise.
        return;
    };
    let text = record_json(&record).to_string();
    health.diverted.fetch_add(1, Ordering::Relaxed);
    tracing::error!(
        error = %refusal,
        audit_record = %record.id,
        "the database refused an audit record; diverted to audit_diverted"
    );
    let insert = audit_log::diverted_statement(
        db.get_database_backend(),
        record.id,
        text.clone(),
        refusal.to_string().replace('\0', "\\0"),
        Utc::now(),
    );
    if let Err(e) = commit_until_decided(db, &insert, 1, health).await {
        // Nowhere left to keep it but the log.
        tracing::error!(error = %e, audit_record = %text, "diverting an audit record failed");
    }
}

/// The record as JSON; serde_json escapes any NUL, so the text is storable anywhere.
fn record_json(r: &audit_record::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "tenant_id": r.tenant_id,
        "actor_user_id": r.actor_user_id,
        "actor_email": r.actor_email,
        "action": r.action,
        "target_kind": r.target_kind,
        "target_id": r.target_id,
        "before": r.before,
        "after": r.after,
        "request_id": r.request_id,
        "ip": r.ip,
        "created_at": r.created_at,
    })
}

/// One multi-row INSERT is atomic on its own: sent without BEGIN and COMMIT around it, a
/// commit is one round trip to the database instead of three.
async fn commit(db: &DatabaseConnection, insert: Statement) -> Result<(), DbErr> {
    db.execute_raw(insert).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverted_record_keeps_every_field_as_json_text() {
        let record = model(
            Entry {
                action: "device.function_call",
                target_kind: "device",
                target_id: Some("e00fce68".into()),
                after: Some(serde_json::json!({ "arg": "4\u{0}2" })),
                ..Default::default()
            },
            chrono::Utc::now(),
        )
        .try_into_model()
        .unwrap_or_else(|e| panic!("{e}"));
        let text = record_json(&record).to_string();
        assert!(text.contains(r#""arg":"4\u00002""#), "{text}");
        assert!(!text.contains('\0'));
        assert!(text.contains(r#""action":"device.function_call""#));
    }
}

/// When this instance last saw the audit writer divert a record, by the server's clock:
/// readiness asks it, each time with the count so far.
#[derive(Debug, Default)]
pub struct DivertWatch(std::sync::Mutex<(u64, Option<chrono::DateTime<Utc>>)>);

impl DivertWatch {
    /// Notes `diverted` (the writer's count so far) at `now`; when a diversion was last seen.
    pub fn seen(&self, diverted: u64, now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if diverted > seen.0 {
            *seen = (diverted, Some(now));
        }
        seen.1
    }
}
