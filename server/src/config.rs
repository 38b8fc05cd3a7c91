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
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: 0,
            shutdown_timeout_secs: 10,
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
    /// Seconds to wait for a connection before giving up.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: DatabaseUrl::new("sqlite://data/fleetwarden.db"),
            max_connections: 10,
            connect_timeout_secs: 5,
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
            filter: "info".into(),
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
