//! Taking in events, however they arrive (the product stream, a webhook): each stored once,
//! with the tenant that owns its device now (so a device transferred later takes none of its
//! history along), the device's last-heard time and connection moved forward, and what was new
//! passed to the live streams of every instance. Events of devices Fleetwarden doesn't know are
//! counted and dropped.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, TransactionTrait};

use super::relay;
use crate::domain::history::{LiveEvent, STATUS_EVENT, event_key, numeric, status};
use crate::particle::client::CloudEvent;
use crate::state::AppState;
use crate::store::device_events::{self, NewEvent};

/// What became of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taken {
    /// Stored for the first time.
    pub stored: u64,
    /// Already stored (a repeated delivery).
    pub repeated: u64,
    /// Of devices Fleetwarden doesn't know, or with a name the cloud never sends (empty or
    /// over 64 bytes): dropped.
    pub unknown: u64,
}

/// The longest event name the cloud sends, in bytes.
const MAX_NAME_BYTES: usize = 64;

/// The newest report of one device in a batch.
struct Heard {
    at: DateTime<Utc>,
    online: Option<bool>,
}

/// Stores `events` (in one transaction, one statement) and passes the new ones to the live
/// streams.
///
/// # Errors
/// Database failures: nothing of the batch is stored, and it may be offered again.
pub async fn take(state: &AppState, events: Vec<CloudEvent>) -> Result<Taken, DbErr> {
    let received_at = state.clock.now();
    let mut taken = Taken::default();
    let mut known = Vec::with_capacity(events.len());
    let mut product_of: HashMap<String, uuid::Uuid> = HashMap::new();
    {
        let index = state.access.read().await;
        for event in events {
            if event.name.is_empty() || event.name.len() > MAX_NAME_BYTES {
                taken.unknown += 1;
                continue;
            }
            match index.device(&event.device) {
                Some(device) => {
                    if crate::metrics::on() {
                        product_of.insert(event.device.clone(), device.product);
                    }
                    known.push((device.tenant, event));
                }
                None => taken.unknown += 1,
            }
        }
    }
    let rows: Vec<NewEvent> = known
        .iter()
        .map(|(tenant, event)| NewEvent {
            key: event_key(
                &event.device,
                &event.name,
                event.published_at,
                event.data.as_deref(),
            ),
            device: event.device.clone(),
            tenant: *tenant,
            name: event.name.clone(),
            data: event.data.clone(),
            value: numeric(event.data.as_deref()),
            published_at: event.published_at,
            received_at,
        })
        .collect();
    // What the loop below needs of each row once the insert has taken them.
    let stored: Vec<(String, Option<f64>)> = rows
        .iter()
        .map(|row| (row.key.clone(), row.value))
        .collect();
    let txn = state.db.begin().await?;
    let mut new = device_events::insert(&txn, rows).await?;
    let mut heard: HashMap<String, Heard> = HashMap::new();
    let mut live = Vec::new();
    for ((tenant, event), (key, value)) in known.into_iter().zip(stored) {
        // The first of a key in the batch is the one stored.
        if !new.remove(&key) {
            taken.repeated += 1;
            continue;
        }
        taken.stored += 1;
        let online = (event.name == STATUS_EVENT)
            .then(|| status(event.data.as_deref()))
            .flatten();
        // A device publishes only while connected: any other event of it says it is online.
        let connected = if event.name == STATUS_EVENT {
            online
        } else {
            Some(true)
        };
        let newest = heard.entry(event.device.clone()).or_insert(Heard {
            at: event.published_at,
            online: connected,
        });
        if event.published_at >= newest.at {
            newest.at = event.published_at;
            newest.online = connected.or(newest.online);
        }
        live.push(LiveEvent {
            device: event.device,
            tenant,
            name: event.name,
            data: event.data,
            value,
            published_at: event.published_at,
            online,
        });
    }
    for (device, report) in heard {
        device_events::heard(&txn, &device, report.at, report.online).await?;
    }
    relay::announce(state, &txn, &live).await?;
    txn.commit().await?;
    measure(&live, &product_of, received_at);
    for event in live {
        // No one listening is fine.
        let _ = state.live.send(event);
    }
    Ok(taken)
}

/// The metrics of a stored batch: events per product, and how old the newest was when stored.
fn measure(
    stored: &[LiveEvent],
    product_of: &HashMap<String, uuid::Uuid>,
    received_at: DateTime<Utc>,
) {
    if !crate::metrics::on() {
        return;
    }
    let mut per_product: HashMap<uuid::Uuid, (usize, DateTime<Utc>)> = HashMap::new();
    for event in stored {
        let Some(product) = product_of.get(&event.device) else {
            continue;
        };
        let entry = per_product
            .entry(*product)
            .or_insert((0, event.published_at));
        entry.0 += 1;
        entry.1 = entry.1.max(event.published_at);
    }
    for (product, (count, newest)) in per_product {
        let lag = (received_at - newest).to_std().unwrap_or_default();
        crate::metrics::events_ingested(&product.to_string(), count, lag);
    }
}
