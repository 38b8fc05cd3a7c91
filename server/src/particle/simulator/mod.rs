//! A simulated Particle cloud: a real HTTP server (actix-web, on loopback) answering the part
//! of the Particle REST API that Fleetwarden uses, with the real paths, bodies and error shapes
//! (reference `particle-api.md` §8). It holds a product, its two-legged OAuth client and a
//! seeded fleet of pump controllers (and, when asked, more products beside it, each with its
//! own client, customers and tokens, as one Particle cloud hosts many products), keeps its own clock, and injects faults on request. The
//! embedded default runs it in place of api.particle.io; tests drive it through
//! [`SimulatorHandle`]; `fleetwarden simulate` runs it alone.
mod clock;
mod events;
mod fault;
mod http;
mod pump;
mod state;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use chrono::{DateTime, Utc};

pub use fault::{Fault, Route};

use clock::SimClock;
use fault::{Effect, FaultBook};
use state::State;

/// How to start a [`Simulator`].
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on: loopback unless asked (a container of its own needs `0.0.0.0`).
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// How many unclaimed pump controllers the product starts with.
    pub devices: usize,
    /// Derives device ids, names and the OAuth client: the same seed gives the same fleet.
    pub seed: u64,
    /// Seconds between keep-alive newlines on idle event streams; 0 sends none.
    pub keepalive_secs: u64,
    /// How long a call to an offline device waits before `Timed out.` (the real cloud waits
    /// several seconds; tests want none).
    pub offline_timeout: Duration,
    /// Longest function argument, in UTF-8 bytes (Device OS ≥ 3 on Gen 3: 1024).
    pub max_arg_bytes: usize,
    /// The product's numeric id.
    pub product_id: i64,
    /// The product's slug, accepted wherever the id is.
    pub product_slug: String,
    /// How often every connected pump publishes its pressure and flow; zero publishes only
    /// when [`SimulatorHandle::publish_telemetry`] asks (tests).
    pub telemetry_every: Duration,
    /// More products on the same cloud (a maker's Wi-Fi and cellular variants), each with its
    /// own OAuth client, customers and devices.
    pub more_products: Vec<MoreProduct>,
}

/// Another product of the simulated cloud.
#[derive(Debug, Clone)]
pub struct MoreProduct {
    /// Its numeric id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// How many unclaimed pump controllers it starts with.
    pub devices: usize,
}

/// A product of the simulated cloud and its two-legged OAuth client.
#[derive(Debug, Clone)]
pub struct SimProduct {
    /// Its numeric id.
    pub id: i64,
    /// Its slug.
    pub slug: String,
    /// The product's OAuth client.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Ids of its seeded devices.
    pub devices: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 0,
            devices: 4,
            seed: 0,
            keepalive_secs: 9,
            offline_timeout: Duration::ZERO,
            max_arg_bytes: 1024,
            product_id: 30_301,
            product_slug: "fleetwarden-pumps-v101".to_owned(),
            telemetry_every: Duration::ZERO,
            more_products: Vec::new(),
        }
    }
}

/// Starts simulated clouds.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// Starts on 127.0.0.1:`config.port` with one product, one two-legged OAuth client and
    /// `config.devices` unclaimed, online pump controllers already imported into the product.
    /// Must be called inside a tokio runtime; the server runs until [`SimulatorHandle::stop`].
    ///
    /// # Errors
    /// The port cannot be bound.
    pub async fn start(config: SimConfig) -> anyhow::Result<SimulatorHandle> {
        let clock = SimClock::new();
        let state = State::seed(&config, clock.now());
        let (client_id, client_secret) = (state.client.id.clone(), state.client.secret.clone());
        let devices = state.devices.iter().map(|d| d.id.clone()).collect();
        let (product_id, product_slug) = (state.product.id, state.product.slug.clone());
        let more: Vec<State> = config
            .more_products
            .iter()
            .map(|more| {
                let config = SimConfig {
                    product_id: more.id,
                    product_slug: more.slug.clone(),
                    devices: more.devices,
                    // Another seed, so another client and other device ids.
                    seed: config.seed ^ more.id.unsigned_abs().rotate_left(17),
                    ..config.clone()
                };
                State::seed(&config, clock.now())
            })
            .collect();
        let more_products = more.iter().map(SimProduct::of).collect();
        let listener = std::net::TcpListener::bind((config.host.as_str(), config.port))
            .with_context(|| format!("binding the simulator to {}:{}", config.host, config.port))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            config,
            clock,
            state: Mutex::new(state),
            more: more.into_iter().map(Mutex::new).collect(),
            faults: Mutex::new(FaultBook::default()),
            token_requests: AtomicU64::new(0),
        });
        let data = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap_fn(|req, service| http::apply_faults(req, service))
                .configure(http::configure)
        })
        // Handlers never block: two workers are plenty, even with hanging and slow faults.
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)
        .context("starting the simulator")?
        .run();
        let server_handle = server.handle();
        tokio::spawn(async move {
            if let Err(error) = server.await {
                tracing::error!(%error, "particle simulator stopped with an error");
            }
        });
        if !shared.config.telemetry_every.is_zero() {
            let (shared, every) = (Arc::downgrade(&shared), shared.config.telemetry_every);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    // Ends with the simulator.
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    let now = shared.clock.now();
                    shared.each(|state| state.telemetry(now));
                }
            });
        }
        tracing::info!(port, product_id, "particle simulator listening");
        Ok(SimulatorHandle {
            base_url: format!("http://127.0.0.1:{port}"),
            product_id,
            product_slug,
            client_id,
            client_secret,
            devices,
            more_products,
            shared,
            server: server_handle,
        })
    }
}

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    config: SimConfig,
    clock: SimClock,
    /// The first product.
    state: Mutex<State>,
    /// The others, numbered from 1 after it.
    more: Vec<Mutex<State>>,
    faults: Mutex<FaultBook>,
    token_requests: AtomicU64,
}

impl Shared {
    /// Product `index` (0 the first, as found by [`Self::find`]). Never held across an
    /// `.await`, and never two at once.
    fn state_at(&self, index: usize) -> MutexGuard<'_, State> {
        index
            .checked_sub(1)
            .and_then(|i| self.more.get(i))
            .unwrap_or(&self.state)
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The first product (by index) for which `test` holds.
    fn find(&self, mut test: impl FnMut(&State) -> bool) -> Option<usize> {
        (0..=self.more.len()).find(|&i| test(&self.state_at(i)))
    }

    /// Runs `f` on every product in turn.
    fn each(&self, mut f: impl FnMut(&mut State)) {
        for i in 0..=self.more.len() {
            f(&mut self.state_at(i));
        }
    }

    /// Runs `f` on the product holding `device`; `None` if no product does.
    fn on_device<R>(&self, device: &str, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        let index = self.find(|s| s.device(device).is_some())?;
        Some(f(&mut self.state_at(index)))
    }

    fn faults(&self) -> MutexGuard<'_, FaultBook> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }
}

/// A running simulator: where it is, its credentials, and the controls tests use. Clones
/// control the same simulator.
#[derive(Clone)]
pub struct SimulatorHandle {
    /// `http://127.0.0.1:<port>`, to use instead of `https://api.particle.io`.
    pub base_url: String,
    /// The product's numeric id.
    pub product_id: i64,
    /// The product's slug (product routes accept either).
    pub product_slug: String,
    /// The two-legged OAuth client.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Ids of the seeded devices, in the order they were made.
    pub devices: Vec<String>,
    /// The other products (`SimConfig::more_products`), in that order.
    pub more_products: Vec<SimProduct>,
    shared: Arc<Shared>,
    server: ServerHandle,
}

impl std::fmt::Debug for SimulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorHandle")
            .field("base_url", &self.base_url)
            .field("product_id", &self.product_id)
            .field("client_id", &self.client_id)
            .field("devices", &self.devices)
            .finish_non_exhaustive()
    }
}

/// A device as the simulator sees it, for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSnapshot {
    /// 24 lower-case hex digits.
    pub id: String,
    /// `pump-01`, …
    pub name: String,
    /// Connected to the cloud.
    pub online: bool,
    /// The owning customer's (lower-cased) id, if claimed.
    pub owner: Option<String>,
    /// Bar, as last set.
    pub pressure: f64,
    /// Started and not stopped.
    pub running: bool,
    /// Litres per minute (0 when stopped).
    pub flow: f64,
    /// The application firmware string.
    pub firmware: String,
}

impl SimulatorHandle {
    /// Stops the server and closes its event streams (in-flight requests are dropped).
    pub fn stop(&self) {
        self.shared.each(State::drop_streams);
        // The command is sent at once; nobody needs to wait for the workers to finish.
        drop(self.server.stop(false));
    }

    /// How many `POST /oauth/token` requests arrived, answered or refused (faults included).
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Moves the simulator's clock forward (tokens expire, streams on lapsed tokens close);
    /// never sleeps.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
        let now = self.shared.clock.now();
        self.shared.each(|state| state.prune_streams(now));
    }

    /// The simulator's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    /// Injects a fault (see [`Fault`] for what each one looks like).
    pub fn set_fault(&self, fault: Fault) {
        let effect = self.shared.faults().add(fault);
        match effect {
            Effect::None => {}
            Effect::TakeOffline(device) => {
                let now = self.shared.clock.now();
                self.shared
                    .on_device(&device, |state| state.set_online(&device, false, now));
            }
            Effect::DropStreams => self.shared.each(State::drop_streams),
        }
    }

    /// Removes every fault and brings devices taken offline by a fault back online.
    pub fn clear_faults(&self) {
        let offline = self.shared.faults().clear();
        let now = self.shared.clock.now();
        for device in offline {
            self.shared
                .on_device(&device, |state| state.set_online(&device, true, now));
        }
    }

    /// Connects or disconnects a device (publishing `spark/status`); `false` if unknown.
    pub fn set_online(&self, device: &str, online: bool) -> bool {
        let now = self.shared.clock.now();
        self.shared
            .on_device(device, |state| state.set_online(device, online, now))
            .unwrap_or(false)
    }

    /// Publishes an event from a device, as its firmware would; `false` if unknown.
    pub fn publish(&self, device: &str, name: &str, data: Option<&str>) -> bool {
        let now = self.shared.clock.now();
        self.shared
            .on_device(device, |state| {
                state.device_event(device, name, data.map(str::to_owned), now);
            })
            .is_some()
    }

    /// How many event streams are open now.
    pub fn open_streams(&self) -> usize {
        let mut open = 0;
        self.shared.each(|state| open += state.open_streams());
        open
    }

    /// One round of telemetry now: every connected pump publishes `pressure` and `flow`.
    pub fn publish_telemetry(&self) {
        let now = self.shared.clock.now();
        self.shared.each(|state| state.telemetry(now));
    }

    /// The device's state, if it exists.
    pub fn device_state(&self, id: &str) -> Option<DeviceSnapshot> {
        let index = self.shared.find(|s| s.device(id).is_some())?;
        let state = self.shared.state_at(index);
        let device = state.device(id)?;
        Some(DeviceSnapshot {
            id: device.id.clone(),
            name: device.name.clone(),
            online: device.online,
            owner: device.owner.clone(),
            pressure: device.pump.pressure,
            running: device.pump.running,
            flow: device.pump.flow(),
            firmware: device.pump.firmware.clone(),
        })
    }

    /// The (lower-cased) ids of the first product's customers.
    pub fn customers(&self) -> Vec<String> {
        self.customers_of(self.product_id)
    }

    /// The (lower-cased) ids of a product's customers (none for an unknown product).
    pub fn customers_of(&self, product_id: i64) -> Vec<String> {
        let Some(index) = self.shared.find(|s| s.product.id == product_id) else {
            return Vec::new();
        };
        self.shared
            .state_at(index)
            .customers()
            .map(|c| c.username.clone())
            .collect()
    }

    /// Makes a customer of a product with a password, as a simple-auth app's sign-up does;
    /// `false` for an unknown product or a name taken already.
    pub fn add_customer(&self, product_id: i64, username: &str, password: &str) -> bool {
        let Some(index) = self.shared.find(|s| s.product.id == product_id) else {
            return false;
        };
        self.shared
            .state_at(index)
            .create_customer(&username.trim().to_lowercase(), Some(password.to_owned()))
    }

    /// The JSON line `fleetwarden simulate` prints: everything a Particle client needs.
    pub fn connection_json(&self) -> serde_json::Value {
        serde_json::json!({
            "base_url": self.base_url,
            "product_id": self.product_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "devices": self.devices,
            "more_products": self.more_products.iter().map(|p| serde_json::json!({
                "product_id": p.id,
                "client_id": p.client_id,
                "client_secret": p.client_secret,
                "devices": p.devices,
            })).collect::<Vec<_>>(),
        })
    }
}

impl SimProduct {
    fn of(state: &State) -> Self {
        Self {
            id: state.product.id,
            slug: state.product.slug.clone(),
            client_id: state.client.id.clone(),
            client_secret: state.client.secret.clone(),
            devices: state.devices.iter().map(|d| d.id.clone()).collect(),
        }
    }
}

/// `fleetwarden simulate`: starts, prints [`SimulatorHandle::connection_json`] as the first
/// line of stdout, and runs until SIGINT or SIGTERM. Logs go to stderr.
///
/// # Errors
/// The port cannot be bound, or stdout is closed.
pub async fn run_standalone(config: SimConfig) -> anyhow::Result<()> {
    let sim = Simulator::start(config).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", sim.connection_json()).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")?;
    drop(stdout);
    shutdown_signal().await;
    tracing::info!("particle simulator stopping");
    sim.shared.each(State::drop_streams);
    sim.server.stop(false).await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
