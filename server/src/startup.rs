//! Building and running the HTTP application.
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::email::Mailer;
use crate::state::AppState;
use crate::{accounts, db, domain, edge, openapi, routes, telemetry};

/// Events a live stream may fall behind by before it skips some.
const LIVE_BACKLOG: usize = 4_096;

/// A bound, migrated, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener, when `metrics.enabled`: its port and server.
    metrics: Option<(u16, Server)>,
    simulator: Option<crate::particle::simulator::SimulatorHandle>,
    demo_logins: Vec<crate::demo::DemoLogin>,
    /// How people reach the server (the dashboard's address).
    public_url: String,
    /// Flushed after the last request, for calls cut off by the shutdown.
    audit: crate::audit::AuditWriter,
    /// Flushed before `audit`, so the last refusals reach the log too.
    refusals: crate::audit::refusals::Refusals,
    /// How long that flush may take.
    shutdown_wait: Duration,
    /// This instance's follower of the change log.
    changes: crate::changes::FollowerHandle,
    /// What every request reaches.
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener (port 0 allowed).
    ///
    /// # Errors
    /// Any step above failing; the message names the setting involved.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, std::sync::Arc::new(SystemClock), false).await
    }

    /// As [`Application::build`], with an injected clock.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with_clock(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        Self::build_with(settings, clock, false).await
    }

    /// As [`Application::build`], with an injected clock; with `demo` and no Particle settings,
    /// an empty database is seeded with the demo fleet.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with(
        settings: Settings,
        clock: SharedClock,
        demo: bool,
    ) -> anyhow::Result<Self> {
        let mailer = Mailer::from_settings(&settings.email, &settings.brand).context("[email]")?;
        let address = (settings.http.host.as_str(), settings.http.port);
        let listener = TcpListener::bind(address).with_context(|| {
            format!(
                "cannot listen on http.host:http.port (FW_HTTP__HOST, FW_HTTP__PORT) = {}:{}",
                settings.http.host, settings.http.port
            )
        })?;
        let port = listener
            .local_addr()
            .context("reading the bound address")?
            .port();
        let db = db::connect(&settings.database).await?;
        // Until the instance can serve, the port answers: live, not ready, and 503 for the
        // rest, so an orchestrator neither kills it during long migrations nor sends it work.
        let starting = Starting::serve(&listener)?;
        starting.phase("applying database migrations");
        db::migrate_up(&db).await?;
        starting.phase("loading the access index");
        let workers = match settings.http.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let shutdown_timeout = settings.http.shutdown_timeout_secs;
        let max_connections = settings.http.max_connections.max(1);
        let public_url = settings
            .http
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{port}", settings.http.host))
            .trim_end_matches('/')
            .to_owned();
        let dummy_hash = accounts::hash_password(
            domain::secrets::mint(domain::secrets::Kind::Csrf).secret,
            accounts::hash_params(&settings.auth),
        )
        .await
        .map_err(|e| anyhow::anyhow!("[auth] argon2 parameters: {e}"))?;
        let (particle, simulator, demo_logins) =
            connect_particle(&settings, &db, clock.clone(), demo).await?;
        let listen_url =
            (!settings.database.url.is_sqlite()).then(|| settings.database.url.expose().to_owned());
        let follower = crate::changes::Follower::start(db.clone(), clock.clone(), listen_url)
            .await
            .context("following the change log")?;
        let audit = crate::audit::AuditWriter::start(
            db.clone(),
            Duration::from_millis(settings.database.audit_read_wait_ms),
        );
        let refusals = crate::audit::refusals::Refusals::start(
            audit.clone(),
            clock.clone(),
            Duration::from_secs(settings.database.audit_refusal_flush_secs.max(1)),
        );
        crate::audit::retention::spawn(
            db.clone(),
            clock.clone(),
            settings.database.audit_retention_days,
        );
        let state = web::Data::new(AppState {
            audit: audit.clone(),
            refusals: refusals.clone(),
            products: follower.products.clone(),
            known: follower.known.clone(),
            access: follower.access.clone(),
            writer: follower.writer.clone(),
            db,
            settings,
            clock,
            mailer,
            public_url: public_url.clone(),
            dummy_hash,
            particle,
            instance: uuid::Uuid::new_v4(),
            live: tokio::sync::broadcast::channel(LIVE_BACKLOG).0,
            recent_reads: Default::default(),
            diverts: Default::default(),
        });
        tokio::spawn(crate::billing::invoices::close_every_hour(state.clone()));
        tokio::spawn(crate::accounts::customer_updates::retry_forever(
            state.clone(),
        ));
        crate::history::stream::spawn(state.clone());
        crate::history::relay::spawn(state.clone());
        crate::history::retention::spawn(state.clone());
        let kept_state = state.clone();
        let metrics = if state.settings.metrics.enabled {
            Some(metrics_server(&state)?)
        } else {
            None
        };
        let document = web::Data::new(openapi::Document::build());
        let route_table = web::Data::new(document.routes.clone());
        let proxies = web::Data::new(
            domain::net::TrustedProxies::parse(&state.settings.http.trusted_proxies).map_err(
                |e| anyhow::anyhow!("http.trusted_proxies (FW_HTTP__TRUSTED_PROXIES): {e}"),
            )?,
        );
        let body_deadline = web::Data::new(edge::BodyDeadline(Duration::from_secs(
            state.settings.http.body_read_timeout_secs.max(1),
        )));
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(document.clone())
                .app_data(route_table.clone())
                .app_data(body_deadline.clone())
                .app_data(proxies.clone())
                .route(openapi::DOCUMENT_PATH, web::get().to(openapi::serve))
                .configure(routes::configure)
                .into_app()
                .configure(openapi::docs_ui)
                .configure(routes::pages::configure)
                .configure(routes::extractor_errors)
                .configure(routes::dashboard::configure)
                // Client-side routes load the dashboard; unknown /api/ paths stay JSON 404s.
                .default_service(web::to(openapi::fallback))
                .wrap(actix_web::middleware::from_fn(edge::check_request))
                .wrap(actix_web::middleware::from_fn(edge::measure))
                .wrap(TracingLogger::<telemetry::RequestSpan>::new())
        })
        .workers(workers)
        .max_connections(max_connections)
        .shutdown_timeout(shutdown_timeout)
        // We handle SIGTERM/SIGINT ourselves in `run_until_signalled`, the same way for both.
        .disable_signals();
        // The gate lets go of the port only now, and the real server takes it at once:
        // connections meanwhile wait in the listen queue.
        starting.stop().await;
        let server = server
            .listen(listener)
            .context("starting the HTTP server")?
            .run();
        Ok(Self {
            port,
            server,
            metrics,
            simulator,
            demo_logins,
            public_url,
            audit,
            refusals,
            shutdown_wait: Duration::from_secs(shutdown_timeout.max(1)),
            changes: follower,
            state: kept_state,
        })
    }

    /// The in-process simulated Particle cloud, when no Particle was configured.
    pub fn simulator(&self) -> Option<&crate::particle::simulator::SimulatorHandle> {
        self.simulator.as_ref()
    }

    /// The demo people and their passwords, once, right after the demo fleet was seeded.
    pub fn take_demo_logins(&mut self) -> Vec<crate::demo::DemoLogin> {
        std::mem::take(&mut self.demo_logins)
    }

    /// How people reach the server: `http.public_url`, else `http://<host>:<port>`.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// This instance's follower of the change log: its index, caches and position.
    pub fn changes(&self) -> crate::changes::FollowerHandle {
        self.changes.clone()
    }

    /// The shared state every request reaches (tests run background jobs through it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The refused attempts waiting for the audit log; tests flush them instead of waiting.
    pub fn refusals(&self) -> crate::audit::refusals::Refusals {
        self.refusals.clone()
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `metrics.enabled`.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through a handle.
    ///
    /// # Errors
    /// The server failed while running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // The metrics listener stops with the API's server.
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        if let Err(err) = self.changes.leave().await {
            tracing::warn!(error = %err, "could not leave the change log's readers");
        }
        // Every answered call's record is already stored; this only waits for the records of
        // calls cut off by the shutdown and the refusals gathered, and not for ever while the
        // database is down.
        let last = async {
            self.refusals.flush().await;
            self.audit.flush().await
        };
        match tokio::time::timeout(self.shutdown_wait, last).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                tracing::error!("the audit writer stopped before the last records were written");
            }
            Err(_) => tracing::error!(
                "stopping without the audit records of calls cut off by the shutdown: the \
                 database did not take them in time"
            ),
        }
        served
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish.
    ///
    /// # Errors
    /// The server failed while running.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let handle = self.handle();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown signal received; finishing in-flight requests");
            handle.stop(true).await;
        });
        self.run_until_stopped().await
    }
}

/// What the port answers while the instance starts (see `Application::build_with`).
struct Starting {
    phase: std::sync::Arc<std::sync::Mutex<&'static str>>,
    handle: ServerHandle,
}

impl Starting {
    fn serve(listener: &TcpListener) -> anyhow::Result<Self> {
        let phase = std::sync::Arc::new(std::sync::Mutex::new("starting"));
        let shown = phase.clone();
        let server = HttpServer::new(move || {
            let shown = shown.clone();
            App::new()
                .service(routes::health::live)
                .default_service(web::to(move |req: actix_web::HttpRequest| {
                    let phase = *shown
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    async move { routes::health::starting(&req, phase) }
                }))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener.try_clone().context("sharing the listener")?)
        .context("starting the HTTP server")?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self { phase, handle })
    }

    fn phase(&self, now: &'static str) {
        tracing::info!(phase = now, "starting");
        *self
            .phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
    }

    async fn stop(self) {
        self.handle.stop(true).await;
    }
}

impl Drop for Starting {
    /// A start that fails part-way leaves nothing answering on the port (sent at once; a
    /// second stop after [`Starting::stop`] changes nothing).
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The metrics listener (`metrics.host:metrics.port`): `GET /metrics` only, one worker.
fn metrics_server(state: &web::Data<AppState>) -> anyhow::Result<(u16, Server)> {
    let settings = &state.settings.metrics;
    let handle = crate::metrics::install().context("installing the metrics recorder")?;
    let listener = TcpListener::bind((settings.host.as_str(), settings.port)).with_context(|| {
        format!(
            "cannot listen on metrics.host:metrics.port (FW_METRICS__HOST, FW_METRICS__PORT) = {}:{}",
            settings.host, settings.port
        )
    })?;
    let port = listener
        .local_addr()
        .context("reading the metrics address")?
        .port();
    // Histograms are drained at each scrape; between scrapes, every few seconds.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    let (state, handle) = (state.clone(), web::Data::new(handle));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(handle.clone())
            .configure(routes::metrics::configure)
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .context("starting the metrics listener")?
    .run();
    tracing::info!(port, "metrics listening");
    Ok((port, server))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The Particle side: the configured cloud, or the simulator in-process (then the demo
/// product is registered and, with `demo`, the demo fleet seeded).
async fn connect_particle(
    settings: &Settings,
    db: &DatabaseConnection,
    clock: SharedClock,
    demo: bool,
) -> anyhow::Result<(
    crate::particle::credentials::Particle,
    Option<crate::particle::simulator::SimulatorHandle>,
    Vec<crate::demo::DemoLogin>,
)> {
    use crate::particle::{client::ParticleClient, secret_box::SecretBox, simulator, token_cache};
    let ps = &settings.particle;
    let secrets = match &ps.secret_key {
        Some(key) => SecretBox::from_base64(key)?,
        None => SecretBox::from_key_file(std::path::Path::new("data/particle.key")).context(
            "particle.secret_key (FW_PARTICLE__SECRET_KEY) unset and data/particle.key unusable",
        )?,
    };
    let (base_url, sim, logins) = match &ps.api_base_url {
        Some(url) => (url.clone(), None, Vec::new()),
        None => {
            let sim = simulator::Simulator::start(simulator::SimConfig {
                devices: 40,
                seed: 1,
                telemetry_every: Duration::from_secs(5),
                // The pump's cellular variant, for the simple-auth family.
                more_products: vec![simulator::MoreProduct {
                    id: 30_302,
                    slug: "fleetwarden-pumps-cell".into(),
                    devices: 0,
                }],
                ..Default::default()
            })
            .await
            .context("starting the built-in Particle simulator")?;
            tracing::info!(base_url = %sim.base_url, "no particle.api_base_url: using the built-in simulator");
            // Through the change log, so instances already running on this database see it.
            let writer = crate::changes::Writer::detached(db.clone(), clock.clone());
            let product = crate::demo::register_product(&writer, &sim, &secrets).await?;
            crate::demo::simple_auth_family(&writer, &sim, &secrets, product, &settings.email.from)
                .await?;
            let logins = if demo {
                let params = accounts::hash_params(&settings.auth);
                crate::demo::seed(&writer, &sim, product, params).await?
            } else {
                Vec::new()
            };
            (sim.base_url.clone(), Some(sim), logins)
        }
    };
    let client = ParticleClient::new(&base_url, ps)
        .map_err(|e| anyhow::anyhow!("particle.api_base_url (FW_PARTICLE__API_BASE_URL): {e}"))?
        .with_clock(clock.clone());
    let particle = crate::particle::credentials::Particle {
        client,
        tokens: token_cache::TokenCache::new(),
        secrets,
        margin: chrono::Duration::seconds(ps.token_refresh_margin_secs),
        clock,
        customers: Default::default(),
    };
    Ok((particle, sim, logins))
}
