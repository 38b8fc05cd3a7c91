//! Refused attempts (a device, grant or directory change someone may not reach) become audit
//! records without slowing the refusal: [`Refusals::record`] only adds to a map in memory, and
//! a flusher task writes what gathered every period, one record per actor, attempted action
//! and reason. A scan of many ids is thus one record with a count and a sample of the
//! targets, and the keys per period are bounded, so a flood from many accounts can neither
//! grow the map nor the log without bound: what is beyond the bound is only counted, per
//! tenant.
//!
//! Refusals gathered when the process dies are lost; they are evidence of probing, not of a
//! change, and the shutdown flushes them.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{AuditWriter, Entry};
use crate::clock::SharedClock;

/// Distinct keys gathered per period; refusals beyond them are only counted.
const MAX_KEYS: usize = 1_000;
/// Distinct target ids kept per key, as a sample of what was tried.
const MAX_TARGETS: usize = 20;
/// The action of the records written.
const ACTION: &str = crate::store::audit_log::REFUSED;

/// One refused attempt.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Whose audit log it goes to; `None` for platform-level attempts.
    pub tenant_id: Option<Uuid>,
    /// The organization the attempt was made in, if any.
    pub organization_id: Option<Uuid>,
    /// Who tried.
    pub actor_user_id: Uuid,
    /// Their email at the time.
    pub actor_email: String,
    /// The dotted action refused, e.g. `grant.create`, `device.function.call`.
    pub attempted: &'static str,
    /// The kind of object tried, e.g. `device`, `grant`.
    pub target_kind: &'static str,
    /// Its id, as given.
    pub target_id: String,
    /// `not_found`, `forbidden`, `exceeds_own_rights` or `seat_limit`.
    pub reason: &'static str,
    /// Client address.
    pub ip: Option<String>,
    /// The HTTP request id.
    pub request_id: Option<String>,
}

/// Refusals alike enough to share one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    tenant_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    actor_user_id: Uuid,
    attempted: &'static str,
    reason: &'static str,
}

impl Key {
    fn of(refusal: &Refusal) -> Self {
        Self {
            tenant_id: refusal.tenant_id,
            organization_id: refusal.organization_id,
            actor_user_id: refusal.actor_user_id,
            attempted: refusal.attempted,
            reason: refusal.reason,
        }
    }
}

/// The refusals of one key so far.
#[derive(Debug)]
struct Tally {
    /// The first one, whose target, address and request the record names.
    first: Refusal,
    count: u64,
    targets: Vec<String>,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
}

/// What is beyond [`MAX_KEYS`], per tenant.
#[derive(Debug)]
struct Overflow {
    count: u64,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
}

/// The refusals of one period. Plain data: adding and draining do no I/O.
#[derive(Debug, Default)]
struct Gathered {
    /// Index into `tallies`, which keeps arrival order so records read in it.
    keys: HashMap<Key, usize>,
    tallies: Vec<Tally>,
    overflow: HashMap<Option<Uuid>, usize>,
    overflows: Vec<(Option<Uuid>, Overflow)>,
}

impl Gathered {
    fn add(&mut self, refusal: Refusal, at: DateTime<Utc>) {
        let key = Key::of(&refusal);
        if let Some(&i) = self.keys.get(&key) {
            let tally = &mut self.tallies[i];
            tally.count += 1;
            tally.last_at = tally.last_at.max(at);
            if tally.targets.len() < MAX_TARGETS && !tally.targets.contains(&refusal.target_id) {
                tally.targets.push(refusal.target_id);
            }
        } else if self.tallies.len() < MAX_KEYS {
            self.keys.insert(key, self.tallies.len());
            self.tallies.push(Tally {
                targets: vec![refusal.target_id.clone()],
                first: refusal,
                count: 1,
                first_at: at,
                last_at: at,
            });
        } else {
            let overflows = &mut self.overflows;
            let i = *self.overflow.entry(refusal.tenant_id).or_insert_with(|| {
                overflows.push((
                    refusal.tenant_id,
                    Overflow {
                        count: 0,
                        first_at: at,
                        last_at: at,
                    },
                ));
                overflows.len() - 1
            });
            let overflow = &mut overflows[i].1;
            overflow.count += 1;
            overflow.last_at = overflow.last_at.max(at);
        }
    }

    /// The records of everything gathered, which is then forgotten.
    fn drain(&mut self) -> Vec<Entry> {
        self.keys.clear();
        self.overflow.clear();
        let tallies = std::mem::take(&mut self.tallies);
        let overflows = std::mem::take(&mut self.overflows);
        let mut entries = Vec::with_capacity(tallies.len() + overflows.len());
        entries.extend(tallies.into_iter().map(tally_entry));
        entries.extend(overflows.into_iter().map(|(tenant_id, o)| Entry {
            tenant_id,
            action: ACTION,
            target_kind: "tenant",
            target_id: tenant_id.map(|t| t.to_string()),
            after: Some(json!({
                "attempted": "many",
                "reason": "overflow",
                "count": o.count,
                "first_at": o.first_at,
                "last_at": o.last_at,
            })),
            ..Default::default()
        }));
        entries
    }
}

fn tally_entry(tally: Tally) -> Entry {
    let refusal = tally.first;
    Entry {
        tenant_id: refusal.tenant_id,
        organization_id: refusal.organization_id,
        actor_user_id: Some(refusal.actor_user_id),
        actor_email: Some(refusal.actor_email),
        action: ACTION,
        target_kind: refusal.target_kind,
        target_id: Some(refusal.target_id),
        after: Some(json!({
            "attempted": refusal.attempted,
            "reason": refusal.reason,
            "count": tally.count,
            "targets": tally.targets,
            "first_at": tally.first_at,
            "last_at": tally.last_at,
        })),
        request_id: refusal.request_id,
        ip: refusal.ip,
        ..Default::default()
    }
}

struct Shared {
    gathered: Mutex<Gathered>,
    /// Held while a period's records are written, so a [`Refusals::flush`] returns only after
    /// the flusher's write in progress is stored too.
    writing: tokio::sync::Mutex<()>,
    writer: AuditWriter,
    clock: SharedClock,
}

/// Gathers refused attempts and writes them, coalesced, to the audit log.
#[derive(Clone)]
pub struct Refusals {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Refusals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refusals").finish_non_exhaustive()
    }
}

impl Refusals {
    /// Starts the flusher task on the current Tokio runtime: every `period` it writes what
    /// gathered, stamping refusals with `clock`. It ends once every handle is dropped.
    pub fn start(writer: AuditWriter, clock: SharedClock, period: Duration) -> Self {
        let shared = Arc::new(Shared {
            gathered: Mutex::default(),
            writing: tokio::sync::Mutex::new(()),
            writer,
            clock,
        });
        tokio::spawn(flush_every(Arc::downgrade(&shared), period));
        Self { shared }
    }

    /// Notes a refusal; never waits on I/O.
    pub fn record(&self, refusal: Refusal) {
        let at = self.shared.clock.now();
        self.shared
            .gathered
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .add(refusal, at);
    }

    /// Writes everything gathered so far and returns once it is stored.
    pub async fn flush(&self) {
        flush(&self.shared).await;
    }
}

async fn flush(shared: &Shared) {
    let _writing = shared.writing.lock().await;
    let entries = shared
        .gathered
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .drain();
    if entries.is_empty() {
        return;
    }
    let count = entries.len();
    // Handed over together, they share the writer's commits instead of one commit each.
    let written = futures_util::future::join_all(
        entries.into_iter().map(|entry| shared.writer.record(entry)),
    )
    .await;
    let lost = written.iter().filter(|w| w.is_err()).count();
    if lost > 0 {
        tracing::error!(
            lost,
            records = count,
            "the audit writer stopped before refusals were written"
        );
    }
}

async fn flush_every(shared: Weak<Shared>, period: Duration) {
    let mut every = tokio::time::interval(period);
    // A period missed while the database was slow needs no catching up: the map holds it.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        flush(&shared).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(actor: Uuid, attempted: &'static str, target: &str) -> Refusal {
        Refusal {
            tenant_id: Some(Uuid::from_u128(1)),
            organization_id: None,
            actor_user_id: actor,
            actor_email: "tech@example.com".into(),
            attempted,
            target_kind: "device",
            target_id: target.into(),
            reason: "not_found",
            ip: Some("192.0.2.1".into()),
            request_id: Some("req-1".into()),
        }
    }

    fn after(entry: &Entry) -> &serde_json::Value {
        entry
            .after
            .as_ref()
            .unwrap_or_else(|| panic!("no after in {entry:?}"))
    }

    #[test]
    fn a_scan_of_many_ids_by_one_actor_is_one_record_with_a_sample_of_targets() {
        // Arrange
        let mut gathered = Gathered::default();
        let actor = Uuid::from_u128(7);
        let start = Utc::now();

        // Act
        for i in 0..10_000 {
            gathered.add(
                refusal(actor, "device.read", &format!("{i:024x}")),
                start + chrono::Duration::milliseconds(i),
            );
        }
        let entries = gathered.drain();

        // Assert
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.action, "access.refused");
        assert_eq!(entry.actor_user_id, Some(actor));
        assert_eq!(entry.target_kind, "device");
        assert_eq!(entry.target_id.as_deref(), Some(&*format!("{:024x}", 0)));
        assert_eq!(entry.ip.as_deref(), Some("192.0.2.1"));
        let after = after(entry);
        assert_eq!(after["count"], 10_000);
        assert_eq!(after["attempted"], "device.read");
        assert_eq!(after["reason"], "not_found");
        assert_eq!(after["targets"].as_array().map(Vec::len), Some(20));
        assert_eq!(after["first_at"], json!(start));
        assert_eq!(
            after["last_at"],
            json!(start + chrono::Duration::milliseconds(9_999))
        );
        assert!(gathered.drain().is_empty(), "a drained period starts empty");
    }

    #[test]
    fn the_same_target_tried_again_is_counted_but_sampled_once() {
        let mut gathered = Gathered::default();
        let actor = Uuid::from_u128(7);
        for _ in 0..3 {
            gathered.add(refusal(actor, "grant.create", "g1"), Utc::now());
        }
        gathered.add(refusal(actor, "grant.create", "g2"), Utc::now());

        let entries = gathered.drain();

        assert_eq!(entries.len(), 1);
        assert_eq!(after(&entries[0])["count"], 4);
        assert_eq!(after(&entries[0])["targets"], json!(["g1", "g2"]));
    }

    #[test]
    fn keys_beyond_the_bound_are_counted_in_one_record_per_tenant() {
        // Arrange
        let mut gathered = Gathered::default();
        let other_tenant = Uuid::from_u128(2);

        // Act
        for i in 0..1_500u128 {
            let mut r = refusal(Uuid::from_u128(1_000 + i), "device.read", "d");
            if i >= 1_400 {
                r.tenant_id = Some(other_tenant);
            }
            gathered.add(r, Utc::now());
        }
        let entries = gathered.drain();

        // Assert
        assert_eq!(entries.len(), 1_002);
        let overflow: Vec<&Entry> = entries
            .iter()
            .filter(|e| after(e)["reason"] == "overflow")
            .collect();
        assert_eq!(overflow.len(), 2);
        assert_eq!(overflow[0].tenant_id, Some(Uuid::from_u128(1)));
        assert_eq!(after(overflow[0])["count"], 400);
        assert_eq!(after(overflow[0])["attempted"], "many");
        assert_eq!(overflow[1].tenant_id, Some(other_tenant));
        assert_eq!(after(overflow[1])["count"], 100);
        assert!(overflow.iter().all(|e| e.actor_user_id.is_none()));
    }

    #[test]
    fn different_reasons_or_actions_are_different_records() {
        let mut gathered = Gathered::default();
        let actor = Uuid::from_u128(7);
        gathered.add(refusal(actor, "device.read", "d"), Utc::now());
        gathered.add(refusal(actor, "device.function.call", "d"), Utc::now());
        let mut forbidden = refusal(actor, "device.read", "d");
        forbidden.reason = "forbidden";
        gathered.add(forbidden, Utc::now());

        assert_eq!(gathered.drain().len(), 3);
    }

    #[tokio::test]
    async fn flush_stores_the_gathered_refusals_through_the_audit_writer() {
        use entity::audit_record;
        use sea_orm::EntityTrait;

        // Arrange
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let settings = crate::config::DatabaseSettings {
            url: crate::config::DatabaseUrl::new(format!(
                "sqlite://{}",
                dir.path().join("fw.db").display()
            )),
            ..Default::default()
        };
        let db = crate::db::connect(&settings)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        crate::db::migrate_up(&db)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        let writer = AuditWriter::start(db.clone(), Duration::from_secs(1));
        // A period no test waits for: only the explicit flush writes.
        let refusals = Refusals::start(
            writer,
            Arc::new(crate::clock::SystemClock),
            Duration::from_secs(3_600),
        );
        let actor = Uuid::from_u128(7);

        // Act
        for i in 0..50 {
            refusals.record(refusal(actor, "device.function.call", &format!("d{i}")));
        }
        refusals.flush().await;

        // Assert
        let stored = audit_record::Entity::find()
            .all(&db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].action, "access.refused");
        assert_eq!(stored[0].actor_user_id, Some(actor));
        assert_eq!(stored[0].target_id.as_deref(), Some("d0"));
        let after = stored[0].after.clone().unwrap_or_default();
        assert_eq!(after["count"], 50);
        assert_eq!(after["attempted"], "device.function.call");
    }
}
