//! `spawn_app()`: a real server on a free loopback port, over its own fresh database.
use actix_web::dev::ServerHandle;
use fleetwarden_server::config::{DatabaseUrl, LogFormat, Settings};
use fleetwarden_server::startup::Application;

use crate::db::TestDb;

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
    handle: ServerHandle,
}

/// A server with the settings tests use by default.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server whose settings `customise` may change first.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    init_test_logging();
    let db = TestDb::fresh().await;
    let mut settings = Settings::default();
    settings.http.host = "127.0.0.1".into();
    settings.http.port = 0;
    settings.http.workers = 1;
    settings.http.shutdown_timeout_secs = 1;
    settings.database.url = DatabaseUrl::new(db.url.clone());
    settings.database.max_connections = 5;
    customise(&mut settings);

    #[expect(clippy::expect_used, reason = "test set-up")]
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    let port = app.port();
    let handle = app.handle();
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
        handle,
    }
}

impl TestApp {
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
