//! The simulated cloud's data and rules: one product with its two-legged OAuth client,
//! customers, tokens, devices and open event streams. No HTTP here.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::SimConfig;
use super::events::{Event, StreamScope, Subscriber};
use super::pump::Pump;

/// 90 days, Particle's default (also particle-api-js `Defaults.tokenDuration`).
pub(crate) const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 7_776_000;
/// Refresh tokens outlive their access token by 14 days (the OAuth fork's rule).
const REFRESH_GRACE: TimeDelta = TimeDelta::days(14);
/// P2 / Photon 2.
pub(crate) const PLATFORM_ID: u32 = 32;
pub(crate) const PRODUCT_FIRMWARE_VERSION: u32 = 3;
pub(crate) const SYSTEM_FIRMWARE_VERSION: &str = "6.3.0";
const APP_FIRMWARE: &str = "pump-controller 1.4.2";

/// The one product.
#[derive(Debug)]
pub(crate) struct Product {
    pub(crate) id: i64,
    pub(crate) slug: String,
}

impl Product {
    /// Product routes take the numeric id or the slug.
    pub(crate) fn matches(&self, id_or_slug: &str) -> bool {
        id_or_slug == self.slug || id_or_slug.parse::<i64>().ok() == Some(self.id)
    }
}

/// The product's two-legged ("installed") OAuth client.
#[derive(Debug)]
pub(crate) struct OAuthClient {
    pub(crate) id: String,
    pub(crate) secret: String,
}

/// A product ("shadow") customer.
#[derive(Debug)]
pub(crate) struct Customer {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) password: Option<String>,
}

/// Whom a token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A product bearer token: every device of the product.
    Product,
    /// A customer-scoped token: the customer's own devices (the lower-cased username).
    Customer(String),
}

impl Principal {
    fn scope(&self) -> Option<String> {
        match self {
            Self::Product => None,
            Self::Customer(username) => Some(format!("customer={username}")),
        }
    }
}

/// An access token.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) client_id: String,
    pub(crate) principal: Principal,
    /// `None` never expires (`expires_in=0`).
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

impl Token {
    fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

#[derive(Debug)]
struct Refresh {
    client_id: String,
    principal: Principal,
    expires_at: DateTime<Utc>,
}

/// Why a token (or refresh token) was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Invalid,
    Expired,
}

/// A newly minted token, as `/oauth/token` answers it.
#[derive(Debug)]
pub(crate) struct Minted {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    pub(crate) refresh_token: Option<String>,
    pub(crate) scope: Option<String>,
}

/// A device of the product.
#[derive(Debug)]
pub(crate) struct Device {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) serial_number: String,
    pub(crate) online: bool,
    /// The owning customer's username.
    pub(crate) owner: Option<String>,
    pub(crate) last_heard: DateTime<Utc>,
    pub(crate) last_handshake_at: DateTime<Utc>,
    pub(crate) last_ip_address: String,
    pub(crate) pump: Pump,
}

/// Why a claim was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ClaimError {
    Unknown,
    OwnedByOther,
}

/// What an import did with one id.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Imported {
    Added,
    Existing,
    Invalid,
}

/// Everything the simulated cloud knows, behind one lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) product: Product,
    pub(crate) client: OAuthClient,
    customers: BTreeMap<String, Customer>,
    tokens: HashMap<String, Token>,
    refresh_tokens: HashMap<String, Refresh>,
    pub(crate) devices: Vec<Device>,
    subscribers: Vec<Subscriber>,
    claim_codes: HashMap<String, String>,
    /// Tokens and ids minted at run time: unpredictable, unlike the seeded fixtures.
    rng: StdRng,
}

impl State {
    /// The product, its client and `config.devices` unclaimed, online pumps, all derived from
    /// `config.seed` so that a given seed always gives the same fleet.
    pub(crate) fn seed(config: &SimConfig, now: DateTime<Utc>) -> Self {
        let mut seeded = StdRng::seed_from_u64(config.seed);
        let devices = (0..config.devices)
            .map(|i| {
                let minutes_ago = i64::try_from(i).unwrap_or(i64::MAX).saturating_mul(7);
                let at = now - TimeDelta::minutes(minutes_ago);
                let pressure = f64::from(seeded.random_range(10..=40_u8)) / 10.0;
                Device {
                    id: hex(&mut seeded, 12),
                    name: format!("pump-{:02}", i + 1),
                    serial_number: format!("P2PUMP{}", hex(&mut seeded, 5).to_uppercase()),
                    online: true,
                    owner: None,
                    last_heard: at,
                    last_handshake_at: at,
                    last_ip_address: format!("10.20.{}.{}", i / 250, i % 250 + 2),
                    pump: Pump::new(pressure, APP_FIRMWARE),
                }
            })
            .collect();
        let client = OAuthClient {
            id: format!("fleetwarden-{:04}", seeded.random_range(0..10_000_u16)),
            secret: hex(&mut seeded, 20),
        };
        Self {
            product: Product {
                id: config.product_id,
                slug: config.product_slug.clone(),
            },
            client,
            customers: BTreeMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            devices,
            subscribers: Vec::new(),
            claim_codes: HashMap::new(),
            rng: StdRng::from_os_rng(),
        }
    }

    // --- tokens ---

    pub(crate) fn token(&self, value: &str, now: DateTime<Utc>) -> Result<&Token, TokenProblem> {
        let token = self.tokens.get(value).ok_or(TokenProblem::Invalid)?;
        if token.expired(now) {
            return Err(TokenProblem::Expired);
        }
        Ok(token)
    }

    /// `lifetime_secs == 0` never expires and, as in Particle's OAuth server, gets no
    /// refresh token.
    pub(crate) fn mint(
        &mut self,
        principal: Principal,
        lifetime_secs: u64,
        now: DateTime<Utc>,
    ) -> Minted {
        let access_token = hex(&mut self.rng, 20);
        let lifetime = TimeDelta::seconds(i64::try_from(lifetime_secs).unwrap_or(i64::MAX));
        let expires_at = (lifetime_secs > 0).then(|| {
            now.checked_add_signed(lifetime)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        });
        let refresh_token = expires_at.map(|at| {
            let value = hex(&mut self.rng, 20);
            self.refresh_tokens.insert(
                value.clone(),
                Refresh {
                    client_id: self.client.id.clone(),
                    principal: principal.clone(),
                    expires_at: at.checked_add_signed(REFRESH_GRACE).unwrap_or(at),
                },
            );
            value
        });
        let scope = principal.scope();
        self.tokens.insert(
            access_token.clone(),
            Token {
                client_id: self.client.id.clone(),
                principal,
                expires_at,
            },
        );
        Minted {
            access_token,
            expires_in: lifetime_secs,
            refresh_token,
            scope,
        }
    }

    /// Trades a refresh token (used once) for a new token.
    pub(crate) fn refresh(
        &mut self,
        value: &str,
        client_id: &str,
        lifetime_secs: u64,
        now: DateTime<Utc>,
    ) -> Result<Minted, TokenProblem> {
        let refresh = self
            .refresh_tokens
            .get(value)
            .filter(|r| r.client_id == client_id)
            .ok_or(TokenProblem::Invalid)?;
        if refresh.expires_at < now {
            return Err(TokenProblem::Expired);
        }
        let principal = refresh.principal.clone();
        self.refresh_tokens.remove(value);
        Ok(self.mint(principal, lifetime_secs, now))
    }

    pub(crate) fn revoke(&mut self, token: &str) {
        self.tokens.remove(token);
        self.subscribers.retain(|s| s.token != token);
    }

    // --- customers ---

    pub(crate) fn customer(&self, username: &str) -> Option<&Customer> {
        self.customers.get(username)
    }

    pub(crate) fn customers(&self) -> impl Iterator<Item = &Customer> {
        self.customers.values()
    }

    /// `false` when the (lower-cased) username is taken.
    pub(crate) fn create_customer(&mut self, username: &str, password: Option<String>) -> bool {
        if self.customers.contains_key(username) {
            return false;
        }
        let id = hex(&mut self.rng, 12);
        self.customers.insert(
            username.to_owned(),
            Customer {
                id,
                username: username.to_owned(),
                password,
            },
        );
        true
    }

    pub(crate) fn set_customer_password(&mut self, username: &str, password: String) -> bool {
        self.customers
            .get_mut(username)
            .map(|c| c.password = Some(password))
            .is_some()
    }

    /// Deletes the customer and, as Particle does, revokes its tokens and claim codes. Its
    /// devices are released as well, so they can be claimed again.
    pub(crate) fn delete_customer(&mut self, username: &str) -> bool {
        if self.customers.remove(username).is_none() {
            return false;
        }
        let principal = Principal::Customer(username.to_owned());
        self.tokens.retain(|_, t| t.principal != principal);
        self.refresh_tokens.retain(|_, r| r.principal != principal);
        self.claim_codes.retain(|_, owner| owner != username);
        self.subscribers.retain(|s| s.principal != principal);
        for device in &mut self.devices {
            if device.owner.as_deref() == Some(username) {
                device.owner = None;
            }
        }
        true
    }

    pub(crate) fn customer_id(&self, username: &str) -> Option<&str> {
        self.customers.get(username).map(|c| c.id.as_str())
    }

    pub(crate) fn new_claim_code(&mut self, username: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let code: String = (0..63)
            .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
            .collect();
        self.claim_codes.insert(code.clone(), username.to_owned());
        code
    }

    // --- devices ---

    pub(crate) fn device(&self, id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    fn device_mut(&mut self, id: &str) -> Option<&mut Device> {
        self.devices.iter_mut().find(|d| d.id == id)
    }

    pub(crate) fn can_see(principal: &Principal, device: &Device) -> bool {
        match principal {
            Principal::Product => true,
            Principal::Customer(username) => device.owner.as_deref() == Some(username),
        }
    }

    /// The device by id or name, if the principal may see it. Unknown and foreign devices
    /// look the same, as the real API does on purpose.
    pub(crate) fn visible(&self, principal: &Principal, id_or_name: &str) -> Option<&Device> {
        self.devices
            .iter()
            .filter(|d| Self::can_see(principal, d))
            .find(|d| d.id == id_or_name)
            .or_else(|| {
                self.devices
                    .iter()
                    .filter(|d| Self::can_see(principal, d))
                    .find(|d| d.name == id_or_name)
            })
    }

    pub(crate) fn claim(&mut self, id: &str, username: &str) -> Result<&Device, ClaimError> {
        let device = self
            .devices
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or(ClaimError::Unknown)?;
        match device.owner.as_deref() {
            Some(owner) if owner != username => Err(ClaimError::OwnedByOther),
            _ => {
                device.owner = Some(username.to_owned());
                Ok(device)
            }
        }
    }

    pub(crate) fn release(&mut self, id: &str) {
        if let Some(device) = self.device_mut(id) {
            device.owner = None;
        }
    }

    pub(crate) fn import(&mut self, id: &str, now: DateTime<Utc>) -> Imported {
        if !is_device_id(id) {
            return Imported::Invalid;
        }
        if self.device(id).is_some() {
            return Imported::Existing;
        }
        let n = self.devices.len() + 1;
        let serial = hex(&mut self.rng, 5).to_uppercase();
        self.devices.push(Device {
            id: id.to_owned(),
            name: format!("pump-{n:02}"),
            serial_number: format!("P2PUMP{serial}"),
            online: true,
            owner: None,
            last_heard: now,
            last_handshake_at: now,
            last_ip_address: format!("10.20.{}.{}", n / 250, n % 250 + 2),
            pump: Pump::new(0.0, APP_FIRMWARE),
        });
        Imported::Added
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.devices.retain(|d| d.id != id);
    }

    /// Changes connectivity; publishes `spark/status` when it actually changed.
    pub(crate) fn set_online(&mut self, id: &str, online: bool, now: DateTime<Utc>) -> bool {
        let Some(device) = self.device_mut(id) else {
            return false;
        };
        if device.online == online {
            return true;
        }
        device.online = online;
        if online {
            device.last_handshake_at = now;
            device.last_heard = now;
        }
        let status = if online { "online" } else { "offline" };
        self.device_event(id, "spark/status", Some(status.to_owned()), now);
        true
    }

    /// Runs a function on the device's firmware and publishes what it publishes; `None` when
    /// the device or the function does not exist.
    pub(crate) fn call_function(
        &mut self,
        id: &str,
        function: &str,
        arg: &str,
        now: DateTime<Utc>,
    ) -> Option<i32> {
        let device = self.device_mut(id)?;
        let called = device.pump.call(function, arg)?;
        device.last_heard = now;
        for (name, data) in called.events {
            self.device_event(id, name, Some(data), now);
        }
        Some(called.return_value)
    }

    pub(crate) fn touch(&mut self, id: &str, now: DateTime<Utc>) {
        if let Some(device) = self.device_mut(id) {
            device.last_heard = now;
        }
    }

    // --- events ---

    /// An event from a device (as if its firmware called `Particle.publish`).
    pub(crate) fn device_event(
        &mut self,
        id: &str,
        name: &str,
        data: Option<String>,
        now: DateTime<Utc>,
    ) {
        let userid = self
            .device(id)
            .and_then(|d| d.owner.as_deref())
            .and_then(|owner| self.customer_id(owner))
            .unwrap_or_default()
            .to_owned();
        self.publish(Event {
            name: name.to_owned(),
            data,
            published_at: now,
            coreid: id.to_owned(),
            userid,
            version: Some(PRODUCT_FIRMWARE_VERSION),
            public: false,
            product_id: self.product.id,
        });
    }

    /// One round of telemetry: every connected pump publishes `pressure` (bar) and `flow`
    /// (litres per minute), as its firmware does every few seconds.
    pub(crate) fn telemetry(&mut self, now: DateTime<Utc>) {
        let readings: Vec<(String, f64, f64)> = self
            .devices
            .iter()
            .filter(|d| d.online)
            .map(|d| {
                (
                    d.id.clone(),
                    d.pump.measured_pressure(now),
                    d.pump.measured_flow(now),
                )
            })
            .collect();
        for (id, pressure, flow) in readings {
            self.device_event(&id, "pressure", Some(format!("{pressure:.2}")), now);
            self.device_event(&id, "flow", Some(format!("{flow:.2}")), now);
            self.touch(&id, now);
        }
    }

    /// An event published through the REST API (`coreid: "api"`).
    pub(crate) fn api_event(
        &mut self,
        name: &str,
        data: Option<String>,
        publisher: &Principal,
        now: DateTime<Utc>,
    ) {
        let userid = match publisher {
            Principal::Product => String::new(),
            Principal::Customer(username) => {
                self.customer_id(username).unwrap_or_default().to_owned()
            }
        };
        self.publish(Event {
            name: name.to_owned(),
            data,
            published_at: now,
            coreid: "api".to_owned(),
            userid,
            version: None,
            public: false,
            product_id: self.product.id,
        });
    }

    fn publish(&mut self, event: Event) {
        let now = event.published_at;
        let mut subscribers = std::mem::take(&mut self.subscribers);
        subscribers.retain(|s| {
            if self.token(&s.token, now).is_err() {
                return false; // the stream closes when its token lapses
            }
            if !self.wants(s, &event) {
                return true;
            }
            s.tx.send(event.frame(s.product_view)).is_ok()
        });
        self.subscribers = subscribers;
    }

    fn wants(&self, subscriber: &Subscriber, event: &Event) -> bool {
        if !event.name.starts_with(&subscriber.prefix) {
            return false;
        }
        let visible = |id: &str| {
            self.device(id)
                .is_some_and(|d| Self::can_see(&subscriber.principal, d))
        };
        match &subscriber.scope {
            StreamScope::Product => true,
            StreamScope::Device(id) => event.coreid == *id && visible(id),
            StreamScope::Mine if event.coreid == "api" => {
                subscriber.principal == Principal::Product
            }
            StreamScope::Mine => visible(&event.coreid),
        }
    }

    pub(crate) fn subscribe(&mut self, subscriber: Subscriber) {
        self.subscribers.push(subscriber);
    }

    /// Closes streams whose client left or whose token has lapsed (after the clock moved).
    pub(crate) fn prune_streams(&mut self, now: DateTime<Utc>) {
        let subscribers = std::mem::take(&mut self.subscribers);
        self.subscribers = subscribers
            .into_iter()
            .filter(|s| !s.tx.is_closed() && self.token(&s.token, now).is_ok())
            .collect();
    }

    pub(crate) fn drop_streams(&mut self) {
        self.subscribers.clear();
    }

    /// Event streams open now (their clients still there).
    pub(crate) fn open_streams(&self) -> usize {
        self.subscribers
            .iter()
            .filter(|s| !s.tx.is_closed())
            .count()
    }
}

/// 24 lower-case hex digits: upper-case ids are what SoftAP tools sent and the cloud refused.
pub(crate) fn is_device_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(rng: &mut StdRng, bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(seed: u64) -> SimConfig {
        SimConfig {
            seed,
            devices: 3,
            ..SimConfig::default()
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_fleet_and_client() {
        // Arrange
        let now = Utc::now();

        // Act
        let a = State::seed(&config(7), now);
        let b = State::seed(&config(7), now);
        let c = State::seed(&config(8), now);

        // Assert
        let ids = |s: &State| s.devices.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        assert_eq!(a.client.secret, b.client.secret);
        assert!(ids(&a).iter().all(|id| is_device_id(id)));
    }

    #[test]
    fn a_token_expires_at_its_lifetime_and_a_zero_lifetime_never_does() {
        // Arrange
        let now = Utc::now();
        let mut state = State::seed(&config(1), now);

        // Act
        let short = state.mint(Principal::Product, 60, now);
        let forever = state.mint(Principal::Product, 0, now);

        // Assert
        let later = now + TimeDelta::seconds(61);
        assert!(state.token(&short.access_token, now).is_ok());
        assert_eq!(
            state.token(&short.access_token, later).err(),
            Some(TokenProblem::Expired)
        );
        assert!(
            state
                .token(&forever.access_token, later + TimeDelta::days(9999))
                .is_ok()
        );
        assert!(forever.refresh_token.is_none());
        assert!(short.refresh_token.is_some());
    }

    #[test]
    fn a_refresh_token_works_once_and_only_for_its_client() {
        // Arrange
        let now = Utc::now();
        let mut state = State::seed(&config(1), now);
        let minted = state.mint(Principal::Customer("a@b.c".to_owned()), 60, now);
        let refresh = minted.refresh_token.unwrap_or_default();
        let client = state.client.id.clone();

        // Act
        let wrong_client = state.refresh(&refresh, "someone-else", 60, now);
        let first = state.refresh(&refresh, &client, 60, now);
        let second = state.refresh(&refresh, &client, 60, now);

        // Assert
        assert_eq!(wrong_client.err(), Some(TokenProblem::Invalid));
        assert_eq!(
            first.map(|m| m.scope).ok().flatten().as_deref(),
            Some("customer=a@b.c")
        );
        assert_eq!(second.err(), Some(TokenProblem::Invalid));
    }

    #[test]
    fn claiming_is_refused_when_someone_else_owns_the_device() {
        // Arrange
        let mut state = State::seed(&config(1), Utc::now());
        let id = state.devices[0].id.clone();
        state.create_customer("ann", None);
        state.create_customer("bob", None);

        // Act
        let ann = state.claim(&id, "ann").map(|d| d.id.clone());
        let again = state.claim(&id, "ann").map(|d| d.id.clone());
        let bob = state.claim(&id, "bob").map(|d| d.id.clone());

        // Assert
        assert_eq!(ann.as_deref(), Ok(id.as_str()));
        assert!(again.is_ok());
        assert_eq!(bob, Err(ClaimError::OwnedByOther));
        assert_eq!(
            state.claim("0".repeat(24).as_str(), "bob").err(),
            Some(ClaimError::Unknown)
        );
    }

    #[test]
    fn device_ids_must_be_24_lower_case_hex_digits() {
        assert!(is_device_id("0123456789abcdef01234567"));
        assert!(!is_device_id("0123456789ABCDEF01234567"));
        assert!(!is_device_id("0123456789abcdef0123456"));
        assert!(!is_device_id("0123456789abcdef0123456g"));
    }
}
