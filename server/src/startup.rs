//! Building and running the HTTP application.
use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::{db, openapi, routes};

/// What every handler may reach: one value, shared by all workers.
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The settings the server started with.
    pub settings: Settings,
}

/// A bound, migrated, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener (port 0 allowed).
    ///
    /// # Errors
    /// Any step above failing; the message names the setting involved.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::connect(&settings.database).await?;
        Migrator::up(&db, None)
            .await
            .context("applying database migrations")?;
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
        let workers = match settings.http.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let shutdown_timeout = settings.http.shutdown_timeout_secs;
        let state = web::Data::new(AppState { db, settings });
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .openapi(openapi::base())
                .app_data(state.clone())
                .configure(routes::configure)
                .openapi_service(openapi::serve)
                .into_app()
                .configure(openapi::docs_ui)
                .configure(routes::extractor_errors)
                .default_service(web::to(routes::not_found))
                .wrap(TracingLogger::default())
        })
        .workers(workers)
        .shutdown_timeout(shutdown_timeout)
        // We handle SIGTERM/SIGINT ourselves in `run_until_signalled`, the same way for both.
        .disable_signals()
        .listen(listener)
        .context("starting the HTTP server")?
        .run();
        Ok(Self { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
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
        self.server.await
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
