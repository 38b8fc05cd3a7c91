//! Token cache with single-flight minting. Particle allows 100 token requests per 5 minutes
//! per address and blocks the address for 30 minutes after 10 failures, so however many
//! requests need a customer's token at once, exactly one mint per credential is in flight;
//! the others wait for its result, success or failure. Tokens are replaced `margin` before
//! they expire, and [`with_token`] replaces one the cloud rejected and retries the call once.
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;

use super::client::Token;
use super::error::Error;

/// What waiters receive when the mint they wait on ends.
type Outcome = Option<Result<SecretString, Error>>;

/// Cached access tokens, one per credential key.
#[derive(Default)]
pub struct TokenCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<String, Slot>,
    /// Tells mints apart, so a cancelled one cannot clear its successor's slot.
    next_generation: u64,
}

enum Slot {
    Ready(Cached),
    Minting {
        generation: u64,
        done: watch::Receiver<Outcome>,
    },
}

struct Cached {
    token: SecretString,
    expires_at: Option<DateTime<Utc>>,
    minted_at: DateTime<Utc>,
}

impl Cached {
    fn is_fresh(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        let Some(expires_at) = self.expires_at else {
            return true;
        };
        // A token living shorter than twice the margin would be stale on arrival and
        // re-minted on every call; refresh such tokens at half their life instead.
        let margin = margin
            .min((expires_at - self.minted_at) / 2)
            .max(Duration::zero());
        now.checked_add_signed(margin)
            .is_some_and(|refresh_at| refresh_at < expires_at)
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("keys", &self.lock().slots.len())
            .finish()
    }
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key of a product's own token.
    pub fn product_key(product: i64) -> String {
        format!("product:{product}")
    }

    /// The key of a customer-scoped token; customer ids are case-insensitive at Particle.
    pub fn customer_key(product: i64, customer: &str) -> String {
        format!("customer:{product}:{}", customer.trim().to_lowercase())
    }

    /// The cached token for `key` if it is valid for more than `margin` after `now`; otherwise
    /// mints one with `mint`. Concurrent callers for the same key share a single mint and its
    /// result; `mint` is not called when another caller's mint is used. If the minting caller
    /// is cancelled, a waiting caller takes over.
    ///
    /// # Errors
    /// The error of the mint this call used, whoever started it.
    pub async fn get_or_mint<F, Fut>(
        &self,
        key: &str,
        now: DateTime<Utc>,
        margin: Duration,
        mint: F,
    ) -> Result<SecretString, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, Error>>,
    {
        let (generation, sender) = loop {
            let mut waiting = {
                let mut inner = self.lock();
                match inner.slots.get(key) {
                    Some(Slot::Ready(cached)) if cached.is_fresh(now, margin) => {
                        crate::metrics::particle_token("hit");
                        return Ok(cached.token.clone());
                    }
                    // A closed channel is a cancelled mint whose guard has not run yet.
                    Some(Slot::Minting { done, .. }) if done.has_changed().is_ok() => done.clone(),
                    _ => break inner.start_mint(key),
                }
            };
            if let Ok(outcome) = waiting.wait_for(Option::is_some).await
                && let Some(result) = outcome.as_ref()
            {
                return result.clone();
            }
            // The minter was cancelled: look again, and maybe become the minter.
        };
        let guard = MintGuard {
            cache: self,
            key,
            generation,
            sender: Some(sender),
        };
        let minted = mint().await;
        crate::metrics::particle_token(if minted.is_ok() { "minted" } else { "failed" });
        let minted = minted.map(|token| Cached {
            token: token.access_token,
            expires_at: token.expires_at,
            minted_at: now,
        });
        guard.finish(minted)
    }

    /// Forgets the token for `key`, e.g. after the cloud answered 401. A mint in flight stays.
    pub fn invalidate(&self, key: &str) {
        let mut inner = self.lock();
        if matches!(inner.slots.get(key), Some(Slot::Ready(_))) {
            inner.slots.remove(key);
        }
    }

    /// Forgets the token for `key` only if it is still `rejected`: when many calls fail with
    /// the same stale token, the first one's replacement survives the others' invalidations.
    pub fn invalidate_token(&self, key: &str, rejected: &SecretString) {
        let mut inner = self.lock();
        if let Some(Slot::Ready(cached)) = inner.slots.get(key)
            && cached.token.expose_secret() == rejected.expose_secret()
        {
            inner.slots.remove(key);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map stays consistent across a panic (every change is a single insert/remove).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn start_mint(&mut self, key: &str) -> (u64, watch::Sender<Outcome>) {
        let generation = self.next_generation;
        self.next_generation += 1;
        let (sender, done) = watch::channel(None);
        self.slots
            .insert(key.to_owned(), Slot::Minting { generation, done });
        (generation, sender)
    }
}

/// Owns a mint in flight: publishes its result, or on cancellation clears the slot so that a
/// waiter takes over (dropping the sender wakes them).
struct MintGuard<'a> {
    cache: &'a TokenCache,
    key: &'a str,
    generation: u64,
    sender: Option<watch::Sender<Outcome>>,
}

impl MintGuard<'_> {
    /// Stores the token (or clears the slot) and hands the result to the waiters.
    fn finish(mut self, minted: Result<Cached, Error>) -> Result<SecretString, Error> {
        let shared = minted
            .as_ref()
            .map(|c| c.token.clone())
            .map_err(Clone::clone);
        self.settle(minted.ok());
        if let Some(sender) = self.sender.take() {
            sender.send_replace(Some(shared.clone()));
        }
        shared
    }

    fn settle(&self, cached: Option<Cached>) {
        let mut inner = self.cache.lock();
        let ours = matches!(
            inner.slots.get(self.key),
            Some(Slot::Minting { generation, .. }) if *generation == self.generation
        );
        if ours {
            match cached {
                Some(cached) => {
                    inner.slots.insert(self.key.to_owned(), Slot::Ready(cached));
                }
                None => {
                    inner.slots.remove(self.key);
                }
            }
        }
    }
}

impl Drop for MintGuard<'_> {
    fn drop(&mut self) {
        if self.sender.is_some() {
            self.settle(None);
        }
    }
}

/// Runs `call` with the cached (or freshly minted) token for `key`. If the cloud rejects the
/// token as expired or invalid, forgets it, mints once more and repeats `call` once; a second
/// rejection is returned, since another mint would not help.
///
/// # Errors
/// The mint's error, or `call`'s.
pub async fn with_token<T, M, MFut, C, CFut>(
    cache: &TokenCache,
    key: &str,
    now: DateTime<Utc>,
    margin: Duration,
    mint: M,
    call: C,
) -> Result<T, Error>
where
    M: Fn() -> MFut,
    MFut: Future<Output = Result<Token, Error>>,
    C: Fn(SecretString) -> CFut,
    CFut: Future<Output = Result<T, Error>>,
{
    let token = cache.get_or_mint(key, now, margin, &mint).await?;
    match call(token.clone()).await {
        Err(error) if error.is_auth() => {
            tracing::debug!(key, %error, "Particle rejected a cached token; minting a new one");
            cache.invalidate_token(key, &token);
            let fresh = cache.get_or_mint(key, now, margin, &mint).await?;
            call(fresh).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A fake minter: counts calls and hands out `token-1`, `token-2`, … valid for `lifetime`.
    #[derive(Clone)]
    struct Minter {
        calls: Arc<AtomicUsize>,
        lifetime: Option<Duration>,
        issued_at: DateTime<Utc>,
    }

    impl Minter {
        fn new(lifetime: Option<Duration>) -> Self {
            Self {
                calls: Arc::new(AtomicUsize::new(0)),
                lifetime,
                issued_at: t0(),
            }
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }

        async fn mint(&self) -> Result<Token, Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            // Give every other task the chance to pile up behind this mint.
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            Ok(Token {
                access_token: SecretString::from(format!("token-{n}")),
                expires_at: self.lifetime.map(|l| self.issued_at + l),
            })
        }
    }

    const MARGIN: Duration = Duration::seconds(300);

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_thousand_concurrent_callers_share_one_mint() {
        // Arrange
        let cache = Arc::new(TokenCache::new());
        let minter = Minter::new(Some(Duration::hours(1)));
        // Act
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let (cache, minter) = (cache.clone(), minter.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_mint("customer:1:jane", t0(), MARGIN, || minter.mint())
                        .await
                })
            })
            .collect();
        let mut tokens = Vec::new();
        for task in tasks {
            tokens.push(task.await.unwrap().unwrap().expose_secret().to_owned());
        }
        // Assert
        assert_eq!(minter.calls(), 1);
        assert!(tokens.iter().all(|t| t == "token-1"));
    }

    #[tokio::test]
    async fn different_keys_mint_separately() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        for key in ["product:1", "customer:1:a", "customer:1:b", "product:1"] {
            cache
                .get_or_mint(key, t0(), MARGIN, || minter.mint())
                .await
                .unwrap();
        }
        assert_eq!(minter.calls(), 3);
    }

    #[tokio::test]
    async fn a_token_is_refreshed_only_within_the_margin_of_its_expiry() {
        // Arrange
        let cache = TokenCache::new();
        let minter = Minter::new(Some(Duration::hours(1)));
        let get = |now| {
            let (cache, minter) = (&cache, &minter);
            async move {
                let token = cache
                    .get_or_mint("product:7", now, MARGIN, || minter.mint())
                    .await
                    .unwrap();
                token.expose_secret().to_owned()
            }
        };
        // Act / Assert
        assert_eq!(get(t0()).await, "token-1");
        assert_eq!(get(t0() + Duration::seconds(3299)).await, "token-1");
        assert_eq!(minter.calls(), 1);
        assert_eq!(get(t0() + Duration::seconds(3300)).await, "token-2");
        assert_eq!(minter.calls(), 2);
    }

    #[tokio::test]
    async fn tokens_shorter_than_the_margin_are_kept_for_half_their_life() {
        let cache = TokenCache::new();
        let minter = Minter::new(Some(Duration::seconds(60)));
        let margin = Duration::seconds(300);
        for now in [t0(), t0() + Duration::seconds(29)] {
            cache
                .get_or_mint("k", now, margin, || minter.mint())
                .await
                .unwrap();
        }
        assert_eq!(minter.calls(), 1);
        cache
            .get_or_mint("k", t0() + Duration::seconds(30), margin, || minter.mint())
            .await
            .unwrap();
        assert_eq!(minter.calls(), 2);
    }

    #[tokio::test]
    async fn a_token_without_expiry_is_never_refreshed() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        for days in [0, 400, 40_000] {
            cache
                .get_or_mint("k", t0() + Duration::days(days), MARGIN, || minter.mint())
                .await
                .unwrap();
        }
        assert_eq!(minter.calls(), 1);
    }

    // Single-threaded, so that every task is parked behind the mint before the gate opens.
    #[tokio::test]
    async fn a_failed_mint_fails_its_waiters_and_is_not_cached() {
        // Arrange
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let (release, gate) = watch::channel(false);
        let failing = {
            let calls = calls.clone();
            move || {
                let (calls, mut gate) = (calls.clone(), gate.clone());
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    let _ = gate.wait_for(|open| *open).await;
                    Err::<Token, _>(Error::BadRequest {
                        message: "Client credentials are invalid".into(),
                    })
                }
            }
        };
        // Act
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, failing) = (cache.clone(), failing.clone());
                tokio::spawn(async move { cache.get_or_mint("k", t0(), MARGIN, failing).await })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        release.send_replace(true);
        // Assert: every caller saw the one failure; nobody started a second mint meanwhile.
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Err(Error::BadRequest { .. })));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let minter = Minter::new(None);
        let token = cache.get_or_mint("k", t0(), MARGIN, || minter.mint()).await;
        assert_eq!(token.unwrap().expose_secret(), "token-1");
    }

    #[tokio::test]
    async fn a_cancelled_mint_lets_the_next_caller_mint() {
        // Arrange: a mint that never finishes, abandoned by its caller.
        let cache = TokenCache::new();
        let stuck = cache.get_or_mint("k", t0(), MARGIN, || {
            std::future::pending::<Result<Token, Error>>()
        });
        let abandoned = tokio::time::timeout(std::time::Duration::from_millis(5), stuck).await;
        assert!(abandoned.is_err());
        // Act
        let minter = Minter::new(None);
        let token = cache.get_or_mint("k", t0(), MARGIN, || minter.mint()).await;
        // Assert
        assert_eq!(token.unwrap().expose_secret(), "token-1");
    }

    #[tokio::test]
    async fn a_waiter_takes_over_when_the_minter_is_cancelled() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        let stuck = cache.get_or_mint("k", t0(), MARGIN, std::future::pending);
        let waiter = cache.get_or_mint("k", t0(), MARGIN, || minter.mint());
        let (stuck, waiter) = tokio::join!(
            tokio::time::timeout(std::time::Duration::from_millis(5), stuck),
            async {
                // Start waiting while the stuck mint is in flight.
                tokio::task::yield_now().await;
                waiter.await
            }
        );
        assert!(stuck.is_err());
        assert_eq!(waiter.unwrap().expose_secret(), "token-1");
        assert_eq!(minter.calls(), 1);
    }

    #[tokio::test]
    async fn with_token_re_mints_once_after_a_rejected_token() {
        // Arrange: the cloud rejects token-1 and accepts token-2.
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        let calls = AtomicUsize::new(0);
        // Act
        let result = with_token(
            &cache,
            "k",
            t0(),
            MARGIN,
            || minter.mint(),
            |token| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    match token.expose_secret() {
                        "token-1" => Err(Error::TokenExpired),
                        other => Ok(other.to_owned()),
                    }
                }
            },
        )
        .await;
        // Assert
        assert_eq!(result.unwrap(), "token-2");
        assert_eq!((minter.calls(), calls.load(Ordering::SeqCst)), (2, 2));
    }

    #[tokio::test]
    async fn with_token_gives_up_after_the_second_rejection() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        let result: Result<(), _> = with_token(
            &cache,
            "k",
            t0(),
            MARGIN,
            || minter.mint(),
            |_| async { Err(Error::TokenInvalid) },
        )
        .await;
        assert_eq!(result.unwrap_err(), Error::TokenInvalid);
        assert_eq!(minter.calls(), 2);
    }

    #[tokio::test]
    async fn with_token_does_not_re_mint_for_other_errors() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        let result: Result<(), _> = with_token(
            &cache,
            "k",
            t0(),
            MARGIN,
            || minter.mint(),
            |_| async { Err(Error::DeviceOffline) },
        )
        .await;
        assert_eq!(result.unwrap_err(), Error::DeviceOffline);
        assert_eq!(minter.calls(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_calls_rejecting_the_same_token_cause_one_re_mint() {
        // Arrange: token-1 is cached, then expires at the cloud.
        let cache = Arc::new(TokenCache::new());
        let minter = Minter::new(None);
        cache
            .get_or_mint("k", t0(), MARGIN, || minter.mint())
            .await
            .unwrap();
        // Act
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let (cache, minter) = (cache.clone(), minter.clone());
                tokio::spawn(async move {
                    with_token(
                        &cache,
                        "k",
                        t0(),
                        MARGIN,
                        || minter.mint(),
                        |token| async move {
                            tokio::task::yield_now().await;
                            match token.expose_secret() {
                                "token-1" => Err(Error::TokenExpired),
                                other => Ok(other.to_owned()),
                            }
                        },
                    )
                    .await
                })
            })
            .collect();
        // Assert
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "token-2");
        }
        assert_eq!(minter.calls(), 2);
    }

    #[test]
    fn keys_are_normalised() {
        assert_eq!(TokenCache::product_key(42), "product:42");
        assert_eq!(
            TokenCache::customer_key(42, " Jane@Example.com "),
            "customer:42:jane@example.com"
        );
    }

    #[tokio::test]
    async fn invalidate_forgets_a_ready_token() {
        let cache = TokenCache::new();
        let minter = Minter::new(None);
        let first = cache
            .get_or_mint("k", t0(), MARGIN, || minter.mint())
            .await
            .unwrap();
        cache.invalidate_token("k", &SecretString::from("some-other-token"));
        let same = cache
            .get_or_mint("k", t0(), MARGIN, || minter.mint())
            .await
            .unwrap();
        assert_eq!(first.expose_secret(), same.expose_secret());
        cache.invalidate("k");
        let fresh = cache
            .get_or_mint("k", t0(), MARGIN, || minter.mint())
            .await
            .unwrap();
        assert_eq!(fresh.expose_secret(), "token-2");
    }
}
