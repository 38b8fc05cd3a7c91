//! The `fleetwarden` command line: `serve` (the default), `migrate`, `create-admin`, `config`.
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::clock::SystemClock;
use crate::config::{self, Settings};
use crate::domain::{email::Email, password};
use crate::startup::Application;
use crate::{db, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "fleetwarden",
    version,
    about = "Device access for fleets on the Particle cloud"
)]
struct Cli {
    /// Settings file (default: ./fleetwarden.toml when present).
    #[arg(long, global = true, env = "FW_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve HTTP until SIGTERM/SIGINT (the default).
    Serve,
    /// Apply (or roll back) database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Create a platform admin; the password is read from stdin.
    CreateAdmin {
        /// Their login email.
        #[arg(long)]
        email: String,
        /// Name shown in the UI (default: the email's local part).
        #[arg(long)]
        name: Option<String>,
    },
    /// Settings helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Run the simulated Particle cloud alone; prints its connection JSON as stdout's first line.
    Simulate {
        /// Address to listen on (loopback unless asked; `0.0.0.0` in a container).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// How many unclaimed pump controllers to seed.
        #[arg(long, default_value_t = 4)]
        devices: usize,
        /// Seed for device ids and the OAuth client.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Seconds between keep-alives on idle event streams.
        #[arg(long, default_value_t = 9)]
        keepalive_secs: u64,
    },
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Roll back the newest migrations.
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Print a commented example fleetwarden.toml.
    Example,
}

/// Parses the command line and runs the command.
///
/// # Errors
/// Anything that stops the command; `main` prints it on one line and exits non-zero.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Config {
        action: ConfigAction::Example,
    } = command
    {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    // One-shot commands print their own result; only warnings belong beside it (RUST_LOG wins).
    let filter = match command {
        Command::Serve => settings.telemetry.filter.as_str(),
        _ => "warn",
    };
    telemetry::init(filter, settings.telemetry.format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match command {
            Command::Serve => serve(settings).await,
            Command::Migrate { action } => migrate(settings, action).await,
            Command::CreateAdmin { email, name } => create_admin(settings, &email, name).await,
            Command::Config { .. } => Ok(()),
            Command::Simulate {
                host,
                port,
                devices,
                seed,
                keepalive_secs,
            } => {
                crate::particle::simulator::run_standalone(crate::particle::simulator::SimConfig {
                    host,
                    port,
                    devices,
                    seed,
                    keepalive_secs,
                    telemetry_every: std::time::Duration::from_secs(5),
                    ..Default::default()
                })
                .await
            }
        }
    })
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let clock = std::sync::Arc::new(SystemClock);
    let mut app = Application::build_with(settings, clock, true).await?;
    let logins = app.take_demo_logins();
    if !logins.is_empty() {
        println!("Demo fleet seeded (simulated Particle cloud, 40 pump controllers). Sign in as:");
        for l in &logins {
            println!("  {:<36} {:<18} {}", l.email, l.password, l.role);
        }
        println!(
            "These passwords are shown once; use \"forgot password\" (emails land in data/mail)."
        );
    }
    if app.simulator().is_some() {
        println!(
            "Simple-auth customer of both pump products (signs in at the simulated cloud): {} / {:?}; \
             its app's \"forgot password\": POST /api/v1/simple-auth/30302/password/forgot",
            crate::demo::DEMO_CUSTOMER,
            crate::demo::DEMO_CUSTOMER_PASSWORD
        );
    }
    println!("Dashboard: {}/", app.public_url());
    tracing::info!(port = app.port(), "fleetwarden listening");
    app.run_until_signalled().await.context("HTTP server")?;
    tracing::info!("fleetwarden stopped");
    Ok(())
}

async fn migrate(settings: Settings, action: Option<MigrateAction>) -> anyhow::Result<()> {
    let db = db::connect(&settings.database).await?;
    match action.unwrap_or(MigrateAction::Up) {
        MigrateAction::Up => {
            let applied = db::migrate_up(&db).await?;
            println!("applied {applied} migration(s); database is up to date");
        }
        MigrateAction::Down { steps } => {
            Migrator::down(&db, Some(steps))
                .await
                .context("rolling back migrations")?;
            println!("rolled back {steps} migration(s)");
        }
        MigrateAction::Status => {
            let applied = Migrator::get_applied_migrations(&db).await?;
            let pending = Migrator::get_pending_migrations(&db).await?;
            for m in applied {
                println!("applied  {}", m.name());
            }
            for m in pending {
                println!("pending  {}", m.name());
            }
        }
    }
    Ok(())
}

async fn create_admin(settings: Settings, email: &str, name: Option<String>) -> anyhow::Result<()> {
    let email = Email::parse(email).context("--email")?;
    let password = read_password().context("reading the password from stdin")?;
    password::validate(&password).map_err(|e| anyhow::anyhow!("password {e}"))?;
    let hash = password::hash(&password, password::HashParams::default())?;
    let display_name = name.unwrap_or_else(|| {
        email
            .display
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned()
    });

    let db = db::connect(&settings.database).await?;
    db::migrate_up(&db).await?;
    let writer = crate::changes::Writer::detached(db, std::sync::Arc::new(SystemClock));
    let user = crate::accounts::admins::create(&writer, &email, &display_name, hash).await?;
    println!("created platform admin {} ({})", user.email, user.id);
    Ok(())
}

/// Prompts twice without echo on a terminal; otherwise reads the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given on stdin");
    }
    Ok(password)
}
