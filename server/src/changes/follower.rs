//! Each instance's one follower: reads the change log in order and applies it to the index and
//! caches (see the module docs in `changes`).
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, RwLock, watch};
use uuid::Uuid;

use super::{Change, DEAD_AFTER, KEEP, POLL, Views, Writer, apply, rebuild};
use crate::access::AccessIndex;
use crate::cache::credentials::KnownCredentials;
use crate::cache::products::ProductCache;
use crate::clock::SharedClock;
use crate::store::change_log;

/// Entries read per query.
const BATCH: u64 = 500;
/// How often an instance reports its position.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How often old entries are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// What the follower keeps up to date, shared with the requests.
#[derive(Clone)]
pub struct FollowerHandle {
    /// Who may do what.
    pub access: Arc<RwLock<AccessIndex>>,
    /// Remembered sessions and API tokens.
    pub known: Arc<KnownCredentials>,
    /// Remembered products and catalogs.
    pub products: Arc<ProductCache>,
    /// Begins writes that go through the change log.
    pub writer: Writer,
    db: DatabaseConnection,
    id: Uuid,
}

impl FollowerHandle {
    /// Compares the live index with one built from the tables now; the differences, if any.
    /// Meaningful once no change is in flight (tests call it after their writers finish).
    ///
    /// # Errors
    /// Database failures, or the log can't be caught up within a few seconds.
    pub async fn verify(&self) -> anyhow::Result<Vec<String>> {
        let newest = self.writer.catch_up().await?;
        anyhow::ensure!(
            self.writer.applied() >= newest,
            "this instance is behind the change log ({} of {newest})",
            self.writer.applied()
        );
        let fresh = rebuild::build_index(&self.db).await?.snapshot();
        let live = self.access.read().await.snapshot();
        Ok(live.differences(&fresh))
    }

    /// Takes this instance out of `change_log_readers`, so pruning stops waiting for it.
    ///
    /// # Errors
    /// Database failures.
    pub async fn leave(&self) -> Result<(), sea_orm::DbErr> {
        change_log::unregister_reader(&self.db, self.id).await
    }
}

/// Reads and applies the log.
pub struct Follower {
    db: DatabaseConnection,
    clock: SharedClock,
    handle: FollowerHandle,
    wake: Arc<Notify>,
    applied: watch::Sender<i64>,
    last_heartbeat: Instant,
}

impl Follower {
    /// Builds the index from the tables, registers this instance as a reader, and starts
    /// following the log; with `listen_url` (PostgreSQL), also listening for other instances'
    /// commits.
    ///
    /// # Errors
    /// The database can't be read, or a stored policy line is refused.
    pub async fn start(
        db: DatabaseConnection,
        clock: SharedClock,
        listen_url: Option<String>,
    ) -> anyhow::Result<FollowerHandle> {
        let from = change_log::newest(&db).await?;
        let index = rebuild::build_index(&db)
            .await
            .context("loading the access index")?;
        let id = Uuid::now_v7();
        change_log::register_reader(&db, id, from, clock.now()).await?;
        let (applied, applied_rx) = watch::channel(from);
        let wake = Arc::new(Notify::new());
        let handle = FollowerHandle {
            access: Arc::new(RwLock::new(index)),
            known: Arc::default(),
            products: Arc::default(),
            writer: Writer::new(db.clone(), clock.clone(), wake.clone(), Some(applied_rx)),
            db: db.clone(),
            id,
        };
        if let Some(url) = listen_url {
            // Woken at every notification, and after every (re)connection and loss, since
            // notifications sent while the listener was away are lost.
            let wake = wake.clone();
            tokio::spawn(crate::db::listen(
                url,
                change_log::CHANNEL,
                "change log",
                move |_| wake.notify_one(),
            ));
        }
        let follower = Self {
            db,
            clock,
            handle: handle.clone(),
            wake,
            applied,
            last_heartbeat: Instant::now(),
        };
        tokio::spawn(follower.run());
        Ok(handle)
    }

    async fn run(mut self) {
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let start = tokio::time::Instant::now() + PRUNE_EVERY;
        let mut prune = tokio::time::interval_at(start, PRUNE_EVERY);
        loop {
            tokio::select! {
                () = self.wake.notified() => {}
                _ = poll.tick() => {}
                _ = prune.tick() => self.prune().await,
            }
            if let Err(err) = self.catch_up().await {
                tracing::warn!(error = %format!("{err:#}"), "reading the change log failed; retrying");
            }
        }
    }

    fn applied(&self) -> i64 {
        *self.applied.borrow()
    }

    /// Applies every entry after the last applied one, in order.
    async fn catch_up(&mut self) -> anyhow::Result<()> {
        if self.last_heartbeat.elapsed() >= HEARTBEAT {
            let now = self.clock.now();
            if !change_log::heartbeat(&self.db, self.handle.id, self.applied(), now).await? {
                tracing::warn!(
                    "this instance was taken for gone and the change log may have been pruned \
                     past it; rebuilding the access index from the tables"
                );
                self.rebuild().await?;
                change_log::register_reader(&self.db, self.handle.id, self.applied(), now).await?;
            }
            self.last_heartbeat = Instant::now();
        }
        loop {
            let entries = change_log::after(&self.db, self.applied(), BATCH).await?;
            let Some(last) = entries.last().map(|e| e.seq) else {
                return Ok(());
            };
            let mut unreadable = false;
            {
                let mut index = self.handle.access.write().await;
                let mut views = Views {
                    access: &mut index,
                    known: &self.handle.known,
                    products: &self.handle.products,
                };
                for entry in entries {
                    let changes: Vec<Change> = match serde_json::from_str(&entry.changes) {
                        Ok(changes) => changes,
                        Err(err) => {
                            tracing::error!(seq = entry.seq, error = %err, "a change-log entry this version can't read; rebuilding the index");
                            unreadable = true;
                            break;
                        }
                    };
                    for change in changes {
                        if let Err(err) = apply(change, &mut views).await {
                            tracing::error!(seq = entry.seq, error = %err, "applying a change failed");
                        }
                    }
                }
            }
            if unreadable {
                return self.rebuild().await;
            }
            self.applied.send_replace(last);
        }
    }

    /// Replaces the index with one built from the tables and forgets the caches.
    async fn rebuild(&mut self) -> anyhow::Result<()> {
        let from = change_log::newest(&self.db).await?;
        let index = rebuild::build_index(&self.db).await?;
        *self.handle.access.write().await = index;
        self.handle.known.clear();
        self.handle.products.clear();
        self.applied.send_replace(from.max(self.applied()));
        Ok(())
    }

    async fn prune(&self) {
        let now = self.clock.now();
        match change_log::prune(&self.db, now - DEAD_AFTER, now - KEEP).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "pruned the change log"),
            Err(err) => tracing::warn!(error = %err, "pruning the change log failed"),
        }
    }
}
