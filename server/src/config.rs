//! Settings, layered: built-in defaults, then an optional `fleetwarden.toml`, then `FW_*`
//! environment variables (`FW_HTTP__PORT`, `FW_DATABASE__URL`, …). Nothing global: tests build
//! their own value.
use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The commented example printed by `fleetwarden config example`.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

/// The file read when no `--config` is given; it may be absent.
pub const DEFAULT_FILE: &str = "fleetwarden.toml";

/// Every setting of the server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The HTTP listener.
    pub http: HttpSettings,
    /// The database connection.
    pub database: DatabaseSettings,
    /// Logging.
    pub telemetry: TelemetrySettings,
    /// Sign-in, sessions, tokens and password resets.
    pub auth: AuthSettings,
    /// Outgoing email.
    pub email: EmailSettings,
    /// Product name, colours and logo in emails and pages.
    pub brand: BrandSettings,
    /// The Particle cloud (or, with no `api_base_url`, the built-in simulator).
    pub particle: ParticleSettings,
    /// Device history: the event stream's ingest and how long events are kept.
    pub history: HistorySettings,
    /// The metrics listener.
    pub metrics: MetricsSettings,
    /// What readiness asks of this instance beyond a database that answers.
    pub health: HealthSettings,
}

/// Prometheus metrics, on a listener of their own so they are never exposed with the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// Serve `GET /metrics`.
    pub enabled: bool,
    /// Address of the metrics listener.
    pub host: String,
    /// Its port; `0` picks a free one.
    pub port: u16,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 9898,
        }
    }
}

/// Readiness.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HealthSettings {
    /// Change-log entries this instance may be behind before it says it isn't ready.
    pub max_change_lag: i64,
    /// Seconds an instance stays unready after the audit writer diverted a record the
    /// database refused for good.
    pub diverted_unready_secs: i64,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            max_change_lag: 100,
            diverted_unready_secs: 60,
        }
    }
}

/// Device history.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HistorySettings {
    /// Consume each product's event stream (one instance of a deployment at a time).
    pub ingest: bool,
    /// Days events are kept; older ones are pruned in the background (0: for ever).
    pub retention_days: u32,
    /// Seconds without a byte (keep-alives included) before an event stream counts as dead
    /// and is opened again.
    pub stream_idle_secs: u64,
    /// Longest wait, in seconds, between attempts to open a failing stream (the wait doubles
    /// from one second up to this).
    pub max_backoff_secs: u64,
}

impl Default for HistorySettings {
    fn default() -> Self {
        Self {
            ingest: true,
            retention_days: 90,
            stream_idle_secs: 30,
            max_backoff_secs: 60,
        }
    }
}

/// How to reach the Particle cloud.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ParticleSettings {
    /// `https://api.particle.io`; unset runs the built-in simulator with a demo fleet.
    pub api_base_url: Option<String>,
    /// Milliseconds to establish a connection.
    pub connect_timeout_ms: u64,
    /// Milliseconds for a whole request (device calls wait on the device, so allow for it).
    pub request_timeout_ms: u64,
    /// Retries of idempotent calls after 5xx/429/connection failures.
    pub max_retries: u32,
    /// Mint a new token this many seconds before the cached one expires.
    pub token_refresh_margin_secs: i64,
    /// Key that encrypts Particle OAuth client secrets at rest (32 bytes, base64). Unset in
    /// the embedded default, where a key is derived for the demo data only.
    pub secret_key: Option<SecretString>,
}

impl Default for ParticleSettings {
    fn default() -> Self {
        Self {
            api_base_url: None,
            connect_timeout_ms: 3_000,
            request_timeout_ms: 35_000,
            max_retries: 2,
            token_refresh_margin_secs: 300,
            secret_key: None,
        }
    }
}

/// Where and how the server listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// The address people reach us at, for links in emails; `https://…` also marks the session
    /// cookie `Secure`. Default: `http://<host>:<bound port>`.
    pub public_url: Option<String>,
    /// Seconds a request's whole body may take to arrive; slower gets 408 and the connection
    /// is closed, so a client that never finishes its body holds nothing for long.
    pub body_read_timeout_secs: u64,
    /// Open connections per worker thread beyond which new ones wait to be accepted.
    pub max_connections: usize,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed: the
    /// client address, used for sign-in throttling and the audit trail, is then the nearest
    /// address in that header that is not one of them. Empty: the peer address, always.
    pub trusted_proxies: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            shutdown_timeout_secs: 10,
            public_url: None,
            body_read_timeout_secs: 30,
            max_connections: 10_000,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Sign-in, sessions, tokens and password resets.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// A session unused for this many minutes ends.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, however active.
    pub session_absolute_hours: i64,
    /// Minutes a password-reset link stays valid.
    pub reset_token_minutes: i64,
    /// Hours an invitation stays valid.
    pub invitation_hours: i64,
    /// Failed sign-ins per account within `throttle_window_minutes` before it is locked.
    pub max_failures_per_account: i32,
    /// Failed sign-ins per client address within the window before it is locked.
    pub max_failures_per_address: i32,
    /// The window failures are counted in, and how long a lock lasts, in minutes.
    pub throttle_window_minutes: i64,
    /// "Forgot password" requests for a maker's simple-auth customers: per email and family,
    /// and per client address, within `customer_reset_window_minutes`, before 429.
    pub customer_resets_per_email: i32,
    /// See `customer_resets_per_email`.
    pub customer_resets_per_address: i32,
    /// The window those requests are counted in, and how long a limit lasts, in minutes.
    pub customer_reset_window_minutes: i64,
    /// Seconds between background rounds that retry new customer passwords Particle hasn't
    /// taken yet.
    pub customer_password_retry_secs: u64,
    /// argon2id memory in KiB (OWASP: 19456).
    pub argon2_memory_kib: u32,
    /// argon2id iterations (OWASP: 2).
    pub argon2_iterations: u32,
    /// argon2id lanes (OWASP: 1).
    pub argon2_parallelism: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            reset_token_minutes: 30,
            invitation_hours: 7 * 24,
            max_failures_per_account: 5,
            max_failures_per_address: 50,
            throttle_window_minutes: 15,
            customer_resets_per_email: 5,
            customer_resets_per_address: 30,
            customer_reset_window_minutes: 60,
            customer_password_retry_secs: 30,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
        }
    }
}

/// Outgoing email.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    /// `file` writes each message as an .eml file into `file_dir` (the embedded default);
    /// `smtp` sends through `[email.smtp]`.
    pub transport: EmailTransport,
    /// Folder for `file` transport.
    pub file_dir: PathBuf,
    /// The From header, e.g. `Fleetwarden <no-reply@example.com>`.
    pub from: String,
    /// The SMTP relay.
    pub smtp: SmtpSettings,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            transport: EmailTransport::File,
            file_dir: PathBuf::from("data/mail"),
            from: "Fleetwarden <no-reply@fleetwarden.localhost>".into(),
            smtp: SmtpSettings::default(),
        }
    }
}

/// How email leaves the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTransport {
    /// .eml files in a folder.
    File,
    /// An SMTP relay.
    Smtp,
}

/// An SMTP relay.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    /// Relay host.
    pub host: String,
    /// Relay port (587 for STARTTLS, 465 for TLS, 25 plain).
    pub port: u16,
    /// Login, when the relay wants one.
    pub username: Option<String>,
    /// Password for `username`.
    pub password: Option<SecretString>,
    /// `starttls`, `tls` (implicit) or `none` (loopback relays only).
    pub tls: SmtpTls,
    /// Seconds before giving up on the relay.
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 587,
            username: None,
            password: None,
            tls: SmtpTls::Starttls,
            timeout_secs: 10,
        }
    }
}

/// Transport security towards the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text; only for a relay on the same machine.
    None,
    /// Upgrade with STARTTLS (required).
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// How emails and server-rendered pages look.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BrandSettings {
    /// Product name shown to people.
    pub product_name: String,
    /// Main colour (buttons, headings), CSS hex.
    pub primary_color: String,
    /// Background colour, CSS hex.
    pub background_color: String,
    /// Absolute URL of a logo image, if any.
    pub logo_url: Option<String>,
}

impl Default for BrandSettings {
    fn default() -> Self {
        Self {
            product_name: "Fleetwarden".into(),
            primary_color: "#0f766e".into(),
            background_color: "#f8fafc".into(),
            logo_url: None,
        }
    }
}

/// The database: a SQLite file by default, PostgreSQL in production.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` or `postgres://user:password@host:port/db`.
    pub url: DatabaseUrl,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Seconds to wait for a new connection to the database before giving up.
    pub connect_timeout_secs: u64,
    /// Milliseconds a request waits for a pooled connection; then it answers 503 with
    /// Retry-After (the database is down or overloaded) instead of waiting on.
    pub acquire_timeout_ms: u64,
    /// Milliseconds a reader of the audit log waits for device calls' records that are still
    /// being written (the database refusing them for now) before being told to retry: 503.
    pub audit_read_wait_ms: u64,
    /// Days audit records are kept; older ones are deleted in the background (0: for ever).
    pub audit_retention_days: u32,
    /// Seconds refused attempts gather before they are written to the audit log, alike ones
    /// coalesced into one record.
    pub audit_refusal_flush_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: DatabaseUrl::new("sqlite://data/fleetwarden.db"),
            max_connections: 10,
            connect_timeout_secs: 5,
            acquire_timeout_ms: 2_000,
            audit_read_wait_ms: 10_000,
            audit_retention_days: 400,
            audit_refusal_flush_secs: 10,
        }
    }
}

/// A database URL; it may hold a password, so `Debug` and `Display` show it redacted.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }

    /// The URL itself, for connecting only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether this is a SQLite URL.
    pub fn is_sqlite(&self) -> bool {
        self.expose().starts_with("sqlite:")
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(self.expose()) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("redacted"));
                }
                write!(f, "{url}")
            }
            // Unparseable: show the scheme only, in case the rest holds a secret.
            Err(_) => write!(f, "{}:…", self.expose().split(':').next().unwrap_or("?")),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Log output.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TelemetrySettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `fleetwarden_server=debug,info`; `RUST_LOG` wins.
    pub filter: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            // sea-orm-migration says two lines per migration applied; `db::migrate_up` logs one.
            filter: "info,sea_orm_migration=warn".into(),
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// A setting that could not be read, named the way the user wrote it.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {key} ({env}){source_desc}: {reason}")]
pub struct SettingsError {
    key: String,
    env: String,
    source_desc: String,
    reason: String,
}

impl From<figment::Error> for SettingsError {
    fn from(err: figment::Error) -> Self {
        let key = err.path.join(".");
        let env = format!("FW_{}", err.path.join("__").to_uppercase());
        let source_desc = err
            .metadata
            .as_ref()
            .and_then(|m| m.source.as_ref())
            .map(|s| match s {
                figment::Source::File(path) => format!(" in {}", path.display()),
                _ => String::new(),
            })
            .unwrap_or_default();
        Self {
            key,
            env,
            source_desc,
            reason: err.kind.to_string(),
        }
    }
}

impl Settings {
    /// Reads the layers. An explicitly named file must exist; the default one may be absent.
    ///
    /// # Errors
    /// A missing explicit file, or a value of the wrong type or out of range.
    pub fn load(explicit_file: Option<&Path>) -> Result<Self, SettingsError> {
        let file: PathBuf = match explicit_file {
            Some(path) => {
                if !path.is_file() {
                    return Err(SettingsError {
                        key: "config".into(),
                        env: "FW_CONFIG".into(),
                        source_desc: String::new(),
                        reason: format!("no such file: {}", path.display()),
                    });
                }
                path.to_path_buf()
            }
            None => PathBuf::from(DEFAULT_FILE),
        };
        Self::figment(&file).extract().map_err(SettingsError::from)
    }

    fn figment(file: &Path) -> Figment {
        Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("FW_").split("__").ignore(&["config"]))
    }
}

#[cfg(test)]
mod tests {
    // figment's Jail fixes the closure's error type; it is large, and only tests use it.
    #![expect(clippy::unwrap_used, clippy::result_large_err, reason = "tests")]
    use super::*;

    #[test]
    fn zero_configuration_means_a_sqlite_file_on_port_8080() {
        figment::Jail::expect_with(|_jail| {
            let s = Settings::load(None).unwrap();
            assert_eq!(s.http.port, 8080);
            assert!(s.database.url.is_sqlite());
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "fleetwarden.toml",
                "[http]\nport = 9000\nhost = \"0.0.0.0\"",
            )?;
            jail.set_env("FW_HTTP__PORT", "9100");
            let s = Settings::load(None).unwrap();
            assert_eq!((s.http.host.as_str(), s.http.port), ("0.0.0.0", 9100));
            Ok(())
        });
    }

    #[test]
    fn a_bad_port_names_the_setting_and_its_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FW_HTTP__PORT", "abc");
            let msg = Settings::load(None).unwrap_err().to_string();
            assert!(
                msg.contains("http.port") && msg.contains("FW_HTTP__PORT"),
                "{msg}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let err = Settings::load(Some(Path::new("/nonexistent/fw.toml"))).unwrap_err();
        assert!(err.to_string().contains("no such file"));
    }

    #[test]
    fn the_printed_example_is_valid_and_matches_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("example.toml", EXAMPLE)?;
            let s = Settings::load(Some(Path::new("example.toml"))).unwrap();
            let d = Settings::default();
            assert_eq!((s.http.host, s.http.port), (d.http.host, d.http.port));
            assert_eq!(s.database.url.expose(), d.database.url.expose());
            assert_eq!(s.telemetry.format, d.telemetry.format);
            Ok(())
        });
    }

    #[test]
    fn database_passwords_never_show() {
        let url = DatabaseUrl::new("postgres://fw:hunter2hunter2@db:5432/fw");
        assert!(!format!("{url} {url:?}").contains("hunter2"));
        assert!(url.to_string().contains("db:5432/fw"));
    }
}
