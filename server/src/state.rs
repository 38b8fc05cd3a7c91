//! What every request may reach: one value, shared by all workers. It sits above the parts it
//! holds (store, access, cache, changes, particle, audit, email) and below the services.
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::RwLock;

use crate::access::AccessIndex;
use crate::audit::AuditWriter;
use crate::audit::refusals::Refusals;
use crate::cache::credentials::KnownCredentials;
use crate::cache::products::ProductCache;
use crate::changes::Writer;
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::email::{Mailer, Template};

/// The server's shared state.
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The settings the server started with.
    pub settings: Settings,
    /// Where "now" comes from (tests move it).
    pub clock: SharedClock,
    /// Outgoing email.
    pub mailer: Mailer,
    /// Base of links in emails, without a trailing slash.
    pub public_url: String,
    /// The Particle cloud: client, token cache, secret box.
    pub particle: crate::particle::credentials::Particle,
    /// Products and catalogs, for device calls; emptied by the change log.
    pub products: Arc<ProductCache>,
    /// Sessions and API tokens recently looked up; emptied by the change log.
    pub known: Arc<KnownCredentials>,
    /// Writes device calls' audit records, many per transaction.
    pub audit: AuditWriter,
    /// Gathers refused attempts and writes them to the audit log, coalesced, in the
    /// background.
    pub refusals: Refusals,
    /// Who may do what: the in-memory grant index, changed only by the change log's follower.
    pub access: Arc<RwLock<AccessIndex>>,
    /// Begins every state change: the change, its audit records and its change-log entry in
    /// one transaction.
    pub writer: Writer,
    /// A hash of a random password with the configured parameters: sign-ins for unknown
    /// accounts verify against it, so they take as long as real ones.
    pub dummy_hash: String,
    /// Variable reads recorded lately: later ones in the same window are not audited.
    pub recent_reads: crate::audit::reads::RecentReads,
    /// This instance, among the deployment's (random at each start): tells its own live
    /// announcements from the others'.
    pub instance: uuid::Uuid,
    /// When the audit writer was last seen diverting a record (readiness).
    pub diverts: crate::audit::DivertWatch,
    /// Device events as they are taken in, here or by another instance, for every live stream
    /// of this instance.
    pub live: tokio::sync::broadcast::Sender<crate::domain::history::LiveEvent>,
}

impl AppState {
    /// Sends an email after the request, logging (never returning) a failure: the change it
    /// reports is already committed, and the person can ask again.
    pub fn send_later(&self, to: String, template: Template) {
        let mailer = self.mailer.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(&to, template).await {
                tracing::error!(error = %format!("{err:#}"), "sending an email failed");
            }
        });
    }
}
