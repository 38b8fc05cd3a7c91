//! One consumer of each product's event stream per deployment. On PostgreSQL the instance
//! holding an advisory lock on its own connection leads; it checks every few seconds that its
//! session still holds the lock and steps down (stopping its consumers) the moment it doesn't,
//! and another instance takes over. On SQLite there is one instance, and it leads.
//!
//! A consumer reopens its stream with backoff (doubling from one second, with jitter, up to
//! `history.max_backoff_secs`), and after each open sets every known device's `online` and
//! `last_heard_at` from the product's device list: Particle's stream has no resume, so what
//! happened during the gap is only known from there.
use std::collections::HashMap;
use std::time::Duration;

use actix_web::web;
use entity::particle_product;
use futures_util::{FutureExt, StreamExt};
use rand::Rng;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    Statement,
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::ingest;
use crate::domain::history::{LiveEvent, STATUS_EVENT};
use crate::particle::Error;
use crate::state::AppState;
use crate::store::device_events;

/// The advisory lock key of the ingest leader (any constant no other lock uses).
const LEADER_LOCK: i64 = 0x0F1E_E7E5_7EA3;

/// How often a leader checks that it still leads, and a follower tries to lead.
const LEADER_CHECK: Duration = Duration::from_secs(2);

/// Events taken per batch at most (a batch is one transaction).
const BATCH: usize = 200;

/// Starts leading (or waiting to lead) in the background, when `history.ingest` is on.
pub fn spawn(state: web::Data<AppState>) {
    if !state.settings.history.ingest {
        return;
    }
    tokio::spawn(async move {
        if state.db.get_database_backend() == DbBackend::Postgres {
            follow_the_leader(state).await;
        } else {
            lead(&state, None).await;
        }
    });
}

/// Takes the lead whenever it is free, for as long as this instance holds it.
async fn follow_the_leader(state: web::Data<AppState>) {
    loop {
        match leader_session(&state).await {
            Ok(Some(session)) => {
                // A leader whose connection died still consumes until its next check finds
                // out; waiting that long first means two never consume at once.
                tokio::time::sleep(LEADER_CHECK * 3 / 2).await;
                tracing::info!("leading the event-stream ingest");
                lead(&state, Some(&session)).await;
                tracing::warn!("stepped down from leading the event-stream ingest");
                let _ = session.close().await;
                // Let another instance, with a working connection, take over first.
                tokio::time::sleep(LEADER_CHECK * 2).await;
            }
            Ok(None) => {}
            Err(err) => tracing::debug!(error = %err, "can't try to lead the ingest now"),
        }
        tokio::time::sleep(LEADER_CHECK).await;
    }
}

/// A connection of its own holding the leader lock, or `None` if another instance holds it.
async fn leader_session(state: &AppState) -> Result<Option<DatabaseConnection>, DbErr> {
    let mut options = ConnectOptions::new(state.settings.database.url.expose().to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .connect_timeout(LEADER_CHECK)
        .acquire_timeout(LEADER_CHECK)
        .sqlx_logging(false);
    let session = Database::connect(options).await?;
    let got = session
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_try_advisory_lock({LEADER_LOCK}) AS got"),
        ))
        .await?
        .and_then(|row| row.try_get::<bool>("", "got").ok())
        .unwrap_or(false);
    if got {
        Ok(Some(session))
    } else {
        let _ = session.close().await;
        Ok(None)
    }
}

/// Whether `session` (still) holds the leader lock: false when its connection is gone or was
/// replaced, so the lock went with it.
async fn still_leading(session: &DatabaseConnection) -> bool {
    let check = session.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "SELECT COUNT(*) AS held FROM pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_backend_pid() AND granted \
             AND ((classid::bigint << 32) | objid::bigint) = {LEADER_LOCK}"
        ),
    ));
    match tokio::time::timeout(LEADER_CHECK, check).await {
        Ok(Ok(Some(row))) => row.try_get::<i64>("", "held").is_ok_and(|held| held > 0),
        _ => false,
    }
}

/// Runs a consumer per product (picking up products registered meanwhile) until `session`
/// stops holding the lead; with no session, for ever.
async fn lead(state: &web::Data<AppState>, session: Option<&DatabaseConnection>) {
    let mut consumers: HashMap<Uuid, JoinHandle<()>> = HashMap::new();
    loop {
        if let Some(session) = session
            && !still_leading(session).await
        {
            break;
        }
        match particle_product::Entity::find().all(&state.db).await {
            Ok(products) => {
                for product in products {
                    consumers
                        .entry(product.id)
                        .or_insert_with(|| tokio::spawn(consume(state.clone(), product.id)));
                }
            }
            Err(err) => tracing::debug!(error = %err, "can't list products to ingest"),
        }
        tokio::time::sleep(LEADER_CHECK).await;
    }
    for (_, consumer) in consumers {
        consumer.abort();
    }
}

/// Consumes one product's stream for ever: open, reconcile, take events until it ends, wait,
/// open again.
async fn consume(state: web::Data<AppState>, product: Uuid) {
    let settings = &state.settings.history;
    let idle = Duration::from_secs(settings.stream_idle_secs.max(1));
    let most = Duration::from_secs(settings.max_backoff_secs.max(1));
    let mut backoff = Duration::from_secs(1);
    loop {
        match stream_once(&state, product, idle).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(err) => {
                tracing::warn!(%product, error = %err, "the product's event stream failed");
            }
        }
        // Equal jitter: instances and products that failed together don't retry together.
        let half = backoff / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis().min(60_000) as u64);
        tokio::time::sleep(half + Duration::from_millis(jitter)).await;
        backoff = (backoff * 2).min(most);
    }
}

/// Opens the stream once and takes its events until it ends. `Ok` when it was open (so the
/// next wait starts short again).
async fn stream_once(state: &AppState, product: Uuid, idle: Duration) -> anyhow::Result<()> {
    let Some(product) = particle_product::Entity::find_by_id(product)
        .one(&state.db)
        .await?
    else {
        // Removed: nothing to consume.
        std::future::pending::<()>().await;
        return Ok(());
    };
    let token = state.particle.product_token(&product).await?;
    let mut events = match state
        .particle
        .client
        .product_events(&token, product.particle_id, idle)
        .await
    {
        Ok(events) => events,
        Err(err) => {
            if err.is_auth() {
                state.particle.forget_product_token(&product);
            }
            return Err(err.into());
        }
    };
    reconcile(state, &product).await?;
    loop {
        // What is already here joins the first event in one batch.
        let mut batch = Vec::new();
        let mut next = events.next().await;
        let ended = loop {
            match next {
                None | Some(Err(Error::Transport(_))) => break true,
                Some(Ok(event)) => batch.push(event),
                Some(Err(err)) => tracing::debug!(error = %err, "skipped a malformed event"),
            }
            if batch.len() >= BATCH {
                break false;
            }
            match events.next().now_or_never() {
                Some(item) => next = item,
                None => break false,
            }
        };
        if !batch.is_empty() {
            let taken = ingest::take(state, batch).await?;
            if taken.unknown > 0 {
                tracing::debug!(unknown = taken.unknown, "dropped events of unknown devices");
            }
        }
        if ended {
            return Ok(());
        }
    }
}

/// Sets every known device of `product` as the cloud's device list has it now, and tells the
/// live stream of connections that changed.
async fn reconcile(state: &AppState, product: &particle_product::Model) -> anyhow::Result<()> {
    let token = state.particle.product_token(product).await?;
    let mut page = 1;
    loop {
        let listed = state
            .particle
            .client
            .list_product_devices(&token, product.particle_id, page, 100)
            .await?;
        for device in listed.devices {
            let Some(current) = entity::device::Entity::find_by_id(device.id.clone())
                .one(&state.db)
                .await?
            else {
                continue;
            };
            if current.online == device.online && current.last_heard_at == device.last_heard {
                continue;
            }
            device_events::reconcile(&state.db, &device.id, device.online, device.last_heard)
                .await?;
            if current.online != device.online {
                let change = LiveEvent {
                    device: device.id.clone(),
                    tenant: current.tenant_id,
                    name: STATUS_EVENT.to_owned(),
                    data: Some(if device.online { "online" } else { "offline" }.to_owned()),
                    value: None,
                    published_at: state.clock.now(),
                    online: Some(device.online),
                };
                super::relay::announce(state, &state.db, std::slice::from_ref(&change)).await?;
                let _ = state.live.send(change);
            }
        }
        if page >= listed.total_pages {
            return Ok(());
        }
        page += 1;
    }
}
