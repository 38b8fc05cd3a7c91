//! Sessions and API tokens already looked up, so a busy client's requests don't each read the
//! database to learn who they are (the read was a large share of a device call's database
//! work; `cargo bench --bench calls`).
//!
//! Correctness rests on two rules. Every revocation, sign-out and password change, on any
//! instance or the command line, writes a `Credentials` change to the change log, and each
//! instance's follower calls [`KnownCredentials::forget_user`] as it applies it; a lookup
//! that started before such a forget is not remembered (the generation check in
//! [`KnownCredentials::remember`]), so it can't put back what was just revoked. An entry is
//! also re-read once it is [`FRESH_FOR`] old, whatever the log says. Expiry and idle time are
//! checked on every request from the remembered times. No password hash is remembered.
//!
//! When an entry goes stale, the first request to notice re-reads it and the others go on
//! with the stale copy meanwhile (for at most another [`FRESH_FOR`]): otherwise every request
//! in flight at that moment queries the database at once, every five seconds (at 256 in
//! flight, a p99 spike in `cargo bench --bench calls`).
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in session (cookie or bearer).
    Session(Uuid),
    /// A personal API token; it acts with exactly its owner's rights.
    ApiToken(Uuid),
}

/// How long a remembered credential is trusted without asking the database again.
pub const FRESH_FOR: Duration = Duration::seconds(5);
/// Beyond this many entries the map starts over (each is re-read on its next use).
const MAX_ENTRIES: usize = 100_000;

/// The account a credential acts for, as requests need it: no password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub is_platform_admin: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&entity::user::Model> for Account {
    fn from(u: &entity::user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            is_platform_admin: u.is_platform_admin,
            disabled_at: u.disabled_at,
            created_at: u.created_at,
        }
    }
}

impl From<entity::user::Model> for Account {
    fn from(u: entity::user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_platform_admin: u.is_platform_admin,
            disabled_at: u.disabled_at,
            created_at: u.created_at,
        }
    }
}

/// A credential as the database had it.
#[derive(Debug, Clone)]
pub struct Known {
    /// Whose it is.
    pub user: Account,
    /// Which session or API token.
    pub credential: Credential,
    /// When it stops working (`None`: an API token without expiry).
    pub expires_at: Option<DateTime<Utc>>,
    /// Last recorded use (`last_seen_at` of a session, `last_used_at` of a token).
    pub last_used: Option<DateTime<Utc>>,
    /// A session's CSRF token hash.
    pub csrf_hash: Option<String>,
}

struct Entry {
    known: Known,
    read_at: DateTime<Utc>,
    /// A request is re-reading it.
    refreshing: bool,
}

/// The remembered credentials, by the hash of the secret.
#[derive(Default)]
pub struct KnownCredentials {
    entries: Mutex<HashMap<String, Entry>>,
    generation: AtomicU64,
}

impl std::fmt::Debug for KnownCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownCredentials").finish_non_exhaustive()
    }
}

impl KnownCredentials {
    /// Take this before reading the database; hand it to [`Self::remember`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The credential for `hash`, if read less than [`FRESH_FOR`] ago, or a little staler
    /// while another request re-reads it. `None`: read it, then [`Self::remember`] it (or
    /// [`Self::forget`] it when the database no longer has it).
    pub fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<Known> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = entries.get_mut(hash)?;
        let age = now - entry.read_at;
        if entry.read_at > now || age >= FRESH_FOR * 2 {
            return None;
        }
        if age >= FRESH_FOR && !entry.refreshing {
            // This request re-reads it; the ones that follow use this copy meanwhile.
            entry.refreshing = true;
            return None;
        }
        Some(entry.known.clone())
    }

    /// Drops the entry for `hash`: the database no longer has a live credential for it, or
    /// reading it failed.
    pub fn forget(&self, hash: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(hash);
    }

    /// Remembers what was read, unless something was forgotten since `generation` was taken
    /// (the read may predate that revocation).
    pub fn remember(&self, generation: u64, hash: String, known: Known, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) != generation {
            // Not this read; the next request re-reads.
            if let Some(entry) = entries.get_mut(&hash) {
                entry.refreshing = false;
            }
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            hash,
            Entry {
                known,
                read_at: now,
                refreshing: false,
            },
        );
    }

    /// Records a use about to be written to the database, so the requests that follow don't
    /// write it again.
    pub fn touched(&self, hash: &str, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.get_mut(hash) {
            entry.known.last_used = Some(now);
        }
    }

    /// Forgets every credential of `user`: call after committing a revocation, a password
    /// change or anything else that changes what their credentials may do.
    pub fn forget_user(&self, user: Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|_, e| e.known.user.id != user);
    }

    /// Forgets everyone (the index was rebuilt from the tables).
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(user: Uuid) -> Known {
        Known {
            user: Account {
                id: user,
                email: "a@example.com".into(),
                display_name: "A".into(),
                is_platform_admin: false,
                disabled_at: None,
                created_at: t(0),
            },
            credential: Credential::Session(Uuid::nil()),
            expires_at: None,
            last_used: None,
            csrf_hash: None,
        }
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn an_entry_is_trusted_for_a_few_seconds_then_read_again() {
        let cache = KnownCredentials::default();
        let g = cache.generation();
        cache.remember(g, "h".into(), known(Uuid::nil()), t(0));
        assert!(cache.get("h", t(4)).is_some());
        assert!(cache.get("h", t(5)).is_none());
        assert!(cache.get("other", t(1)).is_none());
    }

    #[test]
    fn a_stale_entry_is_reread_by_one_request_while_the_others_use_it() {
        let cache = KnownCredentials::default();
        let g = cache.generation();
        cache.remember(g, "h".into(), known(Uuid::nil()), t(0));
        // The first request after five seconds re-reads; the next ones still get the copy.
        assert!(cache.get("h", t(5)).is_none());
        assert!(cache.get("h", t(6)).is_some());
        // A refresh that never came back doesn't keep the copy alive for ever.
        assert!(cache.get("h", t(10)).is_none());
        // Re-read: fresh again, and the next staleness is again noticed once.
        cache.remember(cache.generation(), "h".into(), known(Uuid::nil()), t(10));
        assert!(cache.get("h", t(14)).is_some());
        assert!(cache.get("h", t(15)).is_none());
        // The database said it's gone: nobody gets the copy.
        cache.forget("h");
        assert!(cache.get("h", t(15)).is_none());
    }

    #[test]
    fn forgetting_a_user_drops_their_entries_only() {
        let cache = KnownCredentials::default();
        let (alice, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let g = cache.generation();
        cache.remember(g, "a".into(), known(alice), t(0));
        cache.remember(g, "b".into(), known(bob), t(0));
        cache.forget_user(alice);
        assert!(cache.get("a", t(1)).is_none());
        assert!(cache.get("b", t(1)).is_some());
    }

    #[test]
    fn a_read_that_started_before_a_revocation_is_not_remembered() {
        let cache = KnownCredentials::default();
        let alice = Uuid::from_u128(1);
        let before = cache.generation();
        // The revocation commits and forgets while this read was in flight.
        cache.forget_user(alice);
        cache.remember(before, "a".into(), known(alice), t(0));
        assert!(cache.get("a", t(1)).is_none());
        let after = cache.generation();
        cache.remember(after, "a".into(), known(alice), t(0));
        assert!(cache.get("a", t(1)).is_some());
    }
}
