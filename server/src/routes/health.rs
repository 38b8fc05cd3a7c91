//! Liveness and readiness probes for load balancers and orchestrators.
use actix_web::{HttpResponse, ResponseError, get, web};
use fleetwarden_wire::health::{HealthResponse, HealthStatus};

use crate::state::AppState;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthResponse)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: HealthStatus::Ok,
        database: None,
        change_lag: None,
        reasons: Vec::new(),
        version: VERSION.into(),
    })
}

/// What an instance still starting answers: readiness 503 with the phase it is in, anything
/// else 503 with `Retry-After`.
pub fn starting(req: &actix_web::HttpRequest, phase: &str) -> HttpResponse {
    if req.path() == "/health/ready" {
        return HttpResponse::ServiceUnavailable().json(HealthResponse {
            status: HealthStatus::Unavailable,
            database: None,
            change_lag: None,
            reasons: vec![format!("starting: {phase}")],
            version: VERSION.into(),
        });
    }
    crate::error::ApiError::Unavailable(format!(
        "the server is starting ({phase}); try again in a few seconds"
    ))
    .error_response()
}

/// The server can do its work: the database answers, this instance has applied the change
/// log closely enough (`health.max_change_lag`), and the audit writer commits and hasn't
/// diverted a record lately (`health.diverted_unready_secs`). Answers within a second,
/// whatever the database does; 503 names the reasons.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "ready", body = HealthResponse),
        (status = 503, description = "not ready; `reasons` says why", body = HealthResponse),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let found = crate::health::readiness(&state).await;
    let body = HealthResponse {
        status: if found.ready() {
            HealthStatus::Ok
        } else {
            HealthStatus::Unavailable
        },
        database: Some(
            if found.database() {
                "ok"
            } else {
                "unreachable"
            }
            .into(),
        ),
        change_lag: found.change_lag,
        reasons: found.reasons.clone(),
        version: VERSION.into(),
    };
    if found.ready() {
        HttpResponse::Ok().json(body)
    } else {
        tracing::warn!(reasons = ?found.reasons, "not ready");
        HttpResponse::ServiceUnavailable().json(body)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};

    use super::*;
    use crate::config::Settings;

    /// Handler state over `db`, with everything else inert.
    async fn state_over(db: sea_orm::DatabaseConnection) -> web::Data<AppState> {
        let settings = Settings::default();
        let audit = crate::audit::AuditWriter::start(
            sea_orm::DatabaseConnection::default(),
            std::time::Duration::from_secs(1),
        );
        web::Data::new(AppState {
            refusals: crate::audit::refusals::Refusals::start(
                audit.clone(),
                std::sync::Arc::new(crate::clock::SystemClock),
                std::time::Duration::from_secs(10),
            ),
            audit,
            products: Default::default(),
            known: Default::default(),
            writer: crate::changes::Writer::detached(
                db.clone(),
                std::sync::Arc::new(crate::clock::SystemClock),
            ),
            db,
            mailer: crate::email::Mailer::from_settings(&settings.email, &settings.brand)
                .unwrap_or_else(|e| panic!("{e}")),
            settings,
            clock: std::sync::Arc::new(crate::clock::SystemClock),
            public_url: "http://127.0.0.1".into(),
            dummy_hash: String::new(),
            instance: uuid::Uuid::nil(),
            live: tokio::sync::broadcast::channel(1).0,
            recent_reads: Default::default(),
            diverts: Default::default(),
            particle: crate::particle::credentials::Particle {
                client: crate::particle::client::ParticleClient::new(
                    "http://127.0.0.1:9",
                    &crate::config::ParticleSettings::default(),
                )
                .unwrap_or_else(|e| panic!("{e}")),
                tokens: crate::particle::token_cache::TokenCache::new(),
                secrets: crate::particle::secret_box::SecretBox::from_base64(
                    &secrecy::SecretString::from(
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned(),
                    ),
                )
                .unwrap_or_else(|e| panic!("{e}")),
                margin: chrono::Duration::seconds(60),
                clock: std::sync::Arc::new(crate::clock::SystemClock),
                customers: Default::default(),
            },
            access: std::sync::Arc::new(tokio::sync::RwLock::new(
                crate::access::AccessIndex::new()
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            )),
        })
    }

    #[actix_web::test]
    async fn readiness_is_503_when_the_database_does_not_answer() {
        // Arrange: a connection that was never opened fails every query, as a dead one does.
        let state = state_over(sea_orm::DatabaseConnection::default()).await;
        let app = test::init_service(App::new().app_data(state).service(ready)).await;

        // Act
        let response = test::call_service(
            &app,
            test::TestRequest::get().uri("/health/ready").to_request(),
        )
        .await;

        // Assert
        assert_eq!(response.status(), 503);
        let body: HealthResponse = test::read_body_json(response).await;
        assert_eq!(body.status, "unavailable");
    }

    #[actix_web::test]
    async fn readiness_answers_within_a_second_when_the_database_hangs() {
        // Arrange: a "database" that accepts connections and never says a word.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = silent.local_addr().map(|a| a.port()).unwrap_or_default();
        let mut options =
            sea_orm::ConnectOptions::new(format!("postgres://fw@127.0.0.1:{port}/fw"));
        options
            .connect_lazy(true)
            .connect_timeout(std::time::Duration::from_secs(30));
        let db = sea_orm::Database::connect(options)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let app =
            test::init_service(App::new().app_data(state_over(db).await).service(ready)).await;

        // Act
        let started = std::time::Instant::now();
        let response = test::call_service(
            &app,
            test::TestRequest::get().uri("/health/ready").to_request(),
        )
        .await;

        // Assert
        assert_eq!(response.status(), 503);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        drop(silent);
    }
}
