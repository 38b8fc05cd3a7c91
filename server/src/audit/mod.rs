//! The audit trail: who did what to which object, with before/after, written by the caller in
//! the same transaction as the change it describes.
use chrono::{DateTime, Utc};
use entity::audit_record;
use sea_orm::{ConnectionTrait, DbErr, Set};
use uuid::Uuid;

mod group_commit;
pub mod reads;
pub mod refusals;
pub mod retention;
pub use group_commit::{AuditWriter, DivertWatch, NotCaughtUp, NotWritten};

/// One audit record to write.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The tenant it concerns; `None` for platform-level actions.
    pub tenant_id: Option<Uuid>,
    /// The organization of the tenant it concerns; `None` for the tenant as a whole.
    pub organization_id: Option<Uuid>,
    /// Who acted; `None` for the system or the command line.
    pub actor_user_id: Option<Uuid>,
    /// The actor's email at the time, kept in case the account is later removed.
    pub actor_email: Option<String>,
    /// Dotted verb, e.g. `user.create`, `grant.revoke`.
    pub action: &'static str,
    /// The kind of object acted on, e.g. `user`, `device`.
    pub target_kind: &'static str,
    /// Its id.
    pub target_id: Option<String>,
    /// State before (never secrets).
    pub before: Option<serde_json::Value>,
    /// State after (never secrets).
    pub after: Option<serde_json::Value>,
    /// The HTTP request id, to find the matching log lines.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
}

/// Writes the record.
///
/// # Errors
/// Database failures; callers let them abort the surrounding transaction.
pub async fn record(db: &impl ConnectionTrait, entry: Entry) -> Result<(), DbErr> {
    record_at(db, entry, Utc::now()).await
}

/// Writes the record, stamped `at` (the server's clock).
///
/// # Errors
/// Database failures; callers let them abort the surrounding transaction.
pub async fn record_at(
    db: &impl ConnectionTrait,
    entry: Entry,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    crate::store::audit_log::insert(db, model(entry, at)).await
}

fn model(entry: Entry, at: DateTime<Utc>) -> audit_record::ActiveModel {
    audit_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(entry.tenant_id),
        organization_id: Set(entry.organization_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_email: Set(entry.actor_email),
        action: Set(entry.action.to_owned()),
        target_kind: Set(entry.target_kind.to_owned()),
        target_id: Set(entry.target_id),
        before: Set(entry.before),
        after: Set(entry.after),
        request_id: Set(entry.request_id),
        ip: Set(entry.ip),
        created_at: Set(at),
    }
}
