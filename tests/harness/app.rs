//! `spawn_app()`: a real server on a free loopback port, over its own fresh database.
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use fleetwarden_server::clock::ManualClock;
use fleetwarden_server::config::{DatabaseUrl, EmailTransport, LogFormat, Settings, SmtpTls};
use fleetwarden_server::startup::Application;

use crate::db::TestDb;
use crate::smtp::SmtpSink;

/// One test's server. Dropping it stops the server and removes its database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// A client that keeps cookies, like a browser.
    pub client: reqwest::Client,
    /// The server's database, for arranging and asserting directly.
    pub db: TestDb,
    /// The server's clock: tests move it instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// The SMTP server the app sends its email to, over a real SMTP exchange.
    pub mail: SmtpSink,
    /// The instance's follower of the change log (its index, for `verify`).
    pub changes: fleetwarden_server::changes::FollowerHandle,
    /// The refused attempts waiting for the audit log.
    pub refusals: fleetwarden_server::audit::refusals::Refusals,
    /// The instance's shared state, for running its background jobs now.
    pub state: actix_web::web::Data<fleetwarden_server::state::AppState>,
    /// The metrics listener's port, when `metrics.enabled`.
    pub metrics_port: Option<u16>,
    settings: Settings,
    handle: ServerHandle,
}

/// A server with the settings tests use by default.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server whose settings `customise` may change first.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    start(TestDb::fresh().await, customise).await
}

/// A server over `db` (which may still need migrations), with settings `customise` may change.
pub async fn spawn_app_on(db: TestDb, customise: impl FnOnce(&mut Settings)) -> TestApp {
    start(db, customise).await
}

/// The key tests seal Particle secrets with.
pub const TEST_SECRET_KEY: &str = "dGVzdC1rZXktZm9yLWZsZWV0d2FyZGVuLXRlc3RzISE=";

/// A server over a database that already holds the demo-like fleet of `crate::fleet`, whose
/// devices live in a simulated Particle cloud of their own (reached over real HTTP).
pub async fn spawn_fleet() -> (TestApp, crate::fleet::Fleet) {
    spawn_fleet_with(|_| {}).await
}

/// As [`spawn_fleet`], with settings `customise` may change first.
pub async fn spawn_fleet_with(
    customise: impl FnOnce(&mut Settings),
) -> (TestApp, crate::fleet::Fleet) {
    spawn_fleet_on(
        fleetwarden_server::particle::simulator::SimConfig::default(),
        customise,
    )
    .await
}

/// As [`spawn_fleet_with`], on a simulated cloud started from `sim` (its device count and
/// seed are the fleet's own; more products may be asked for).
pub async fn spawn_fleet_on(
    sim: fleetwarden_server::particle::simulator::SimConfig,
    customise: impl FnOnce(&mut Settings),
) -> (TestApp, crate::fleet::Fleet) {
    use fleetwarden_server::particle::{secret_box::SecretBox, simulator};
    let db = TestDb::migrated().await;
    #[expect(clippy::expect_used, reason = "test set-up")]
    let sim = simulator::Simulator::start(simulator::SimConfig {
        devices: 10,
        seed: 7,
        ..sim
    })
    .await
    .expect("simulator starts");
    #[expect(clippy::expect_used, reason = "test set-up")]
    let secrets = SecretBox::from_base64(&secrecy::SecretString::from(TEST_SECRET_KEY.to_owned()))
        .expect("test key");
    let base_url = sim.base_url.clone();
    let fleet = crate::fleet::Fleet::seed(&db.conn, sim, &secrets).await;
    let app = start(db, |s| {
        s.particle.api_base_url = Some(base_url);
        customise(s);
    })
    .await;
    (app, fleet)
}

async fn start(db: TestDb, customise: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
    let mail = SmtpSink::start().await;
    let mut settings = Settings::default();
    settings.http.host = "127.0.0.1".into();
    settings.http.port = 0;
    settings.http.workers = 1;
    settings.http.shutdown_timeout_secs = 1;
    settings.database.url = DatabaseUrl::new(db.url.clone());
    settings.database.max_connections = 5;
    settings.email.transport = EmailTransport::Smtp;
    settings.email.smtp.host = "127.0.0.1".into();
    settings.email.smtp.port = mail.port();
    settings.email.smtp.tls = SmtpTls::None;
    // Cheaper argon2 keeps the suite quick; the production parameters have their own tests.
    settings.auth.argon2_memory_kib = 1024;
    settings.auth.argon2_iterations = 1;
    settings.particle.secret_key = Some(secrecy::SecretString::from(TEST_SECRET_KEY.to_owned()));
    customise(&mut settings);
    launch(db, settings, ManualClock::new(), mail).await
}

async fn launch(
    db: TestDb,
    settings: Settings,
    clock: Arc<ManualClock>,
    mail: SmtpSink,
) -> TestApp {
    #[expect(clippy::expect_used, reason = "test set-up")]
    let app = Application::build_with_clock(settings.clone(), clock.clone())
        .await
        .expect("the application builds");
    let port = app.port();
    let handle = app.handle();
    let changes = app.changes();
    let refusals = app.refusals();
    let state = app.state();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());

    #[expect(clippy::expect_used, reason = "test set-up")]
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Loopback only: never route test traffic through a proxy from the environment.
        .no_proxy()
        .build()
        .expect("reqwest client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        db,
        clock,
        mail,
        changes,
        refusals,
        state,
        metrics_port,
        settings,
        handle,
    }
}

impl TestApp {
    /// Another server instance over the same database and clock, as a second instance behind
    /// a load balancer: its own port, index, caches and mail sink.
    pub async fn spawn_sibling(&self) -> TestApp {
        let mail = SmtpSink::start().await;
        let mut settings = self.settings.clone();
        settings.email.smtp.port = mail.port();
        launch(self.db.shared().await, settings, self.clock.clone(), mail).await
    }

    /// Stops this instance's HTTP server (as a restart would; a sibling over the same database
    /// carries on). Its database stays until the value is dropped.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Whether the database is PostgreSQL (several instances get each other's changes at once
    /// there; on SQLite, within the follower's poll).
    pub fn on_postgres(&self) -> bool {
        self.db.url.starts_with("postgres")
    }

    /// Writes the refused attempts gathered so far to the audit log, as the server does every
    /// `database.audit_refusal_flush_secs`; returns once they are stored.
    pub async fn flush_refusals(&self) {
        self.refusals.flush().await;
    }

    /// `GET {address}{path}`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        #[expect(clippy::expect_used, reason = "test helper")]
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; worker threads wind down on their own.
        drop(self.handle.stop(false));
    }
}

/// Server logs in tests only with `TEST_LOG=1`, so failures stay readable.
fn init_test_logging() {
    if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
        fleetwarden_server::telemetry::init("debug,sqlx=warn", LogFormat::Pretty);
    }
}

/// A person signed in through their own browser-like client (own cookie jar).
pub struct Session {
    /// Their client; it holds the `fw_session` cookie.
    pub client: reqwest::Client,
    /// The CSRF token to send on unsafe requests.
    pub csrf: String,
    /// The session as a bearer token.
    pub token: String,
    /// The login answer.
    pub login: serde_json::Value,
    address: String,
}

/// A client that keeps cookies and never uses a proxy.
pub fn browser() -> reqwest::Client {
    #[expect(clippy::expect_used, reason = "test set-up")]
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("reqwest client")
}

impl TestApp {
    /// `POST {address}{path}` with a JSON body, from the app's shared client.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        #[expect(clippy::expect_used, reason = "test helper")]
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates an account directly in the database, hashed as the server would.
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        platform_admin: bool,
    ) -> uuid::Uuid {
        use fleetwarden_server::domain::{email::Email, password as pw};
        #[expect(clippy::expect_used, reason = "test fixture")]
        let email = Email::parse(email).expect("fixture email");
        let params = pw::HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        #[expect(clippy::expect_used, reason = "test fixture")]
        let hash = pw::hash(password, params).expect("hash");
        if platform_admin {
            // Through the server's write path, as `fleetwarden create-admin` does, so its
            // index learns of the new administrator from the change log.
            let name = email
                .display
                .split('@')
                .next()
                .unwrap_or("someone")
                .to_owned();
            #[expect(clippy::expect_used, reason = "test fixture")]
            return fleetwarden_server::accounts::admins::create(
                &self.changes.writer,
                &email,
                &name,
                hash,
            )
            .await
            .expect("fixture administrator")
            .id;
        }
        #[expect(clippy::expect_used, reason = "test fixture")]
        fleetwarden_server::store::users::insert(
            &self.db.conn,
            fleetwarden_server::store::users::NewUser {
                email: &email,
                display_name: email.display.split('@').next().unwrap_or("someone"),
                password_hash: Some(hash),
                is_platform_admin: platform_admin,
            },
        )
        .await
        .expect("fixture user")
        .id
    }

    /// The server's current time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use fleetwarden_server::clock::Clock;
        self.clock.now()
    }

    /// Signs in with a fresh client; panics unless it succeeds.
    pub async fn sign_in(&self, email: &str, password: &str) -> Session {
        let client = browser();
        #[expect(clippy::expect_used, reason = "test helper")]
        let response = client
            .post(format!("{}/api/v1/auth/login", self.address))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "sign-in as {email} should succeed");
        #[expect(clippy::expect_used, reason = "test helper")]
        let login: serde_json::Value = response.json().await.expect("login JSON");
        Session {
            client,
            csrf: login["csrf_token"].as_str().unwrap_or_default().to_owned(),
            token: login["token"].as_str().unwrap_or_default().to_owned(),
            login,
            address: self.address.clone(),
        }
    }
}

impl TestApp {
    /// Signs in and makes a personal API token that lasts until revoked; the session sends it
    /// as a bearer. For tests that move the clock across months, where a signed-in session
    /// would expire at every step.
    pub async fn token_session(&self, email: &str, password: &str) -> Session {
        let signed_in = self.sign_in(email, password).await;
        let made = signed_in
            .post(
                "/api/v1/me/tokens",
                &serde_json::json!({"name": "test run"}),
            )
            .await;
        assert_eq!(made.status(), 201, "a token for {email}");
        #[expect(clippy::expect_used, reason = "test helper")]
        let made: serde_json::Value = made.json().await.expect("token JSON");
        let token = made["token"].as_str().unwrap_or_default().to_owned();
        let mut headers = reqwest::header::HeaderMap::new();
        #[expect(clippy::expect_used, reason = "test helper")]
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header value"),
        );
        #[expect(clippy::expect_used, reason = "test set-up")]
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("reqwest client");
        Session {
            client,
            csrf: String::new(),
            token,
            login: signed_in.login,
            address: self.address.clone(),
        }
    }
}

impl Session {
    /// The server's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `GET` with the session cookie.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        #[expect(clippy::expect_used, reason = "test helper")]
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// Asks `GET path` again and again until it answers `status` or `within` passes; how long
    /// that took, if it did. For a change another server instance applies on its own time.
    pub async fn until_status(
        &self,
        path: &str,
        status: u16,
        within: std::time::Duration,
    ) -> Option<std::time::Duration> {
        let started = std::time::Instant::now();
        while started.elapsed() < within {
            if self.get(path).await.status() == status {
                return Some(started.elapsed());
            }
            tokio::task::yield_now().await;
        }
        None
    }

    /// A request with the session's cookie and CSRF token, for bodies other than JSON.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .header("X-CSRF-Token", &self.csrf)
    }

    /// An unsafe request with the session cookie and the CSRF header, as our pages send it.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        #[expect(clippy::expect_used, reason = "test helper")]
        request.send().await.expect("request sent")
    }

    /// `POST` JSON with cookie and CSRF header.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// `DELETE` with cookie and CSRF header.
    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}
