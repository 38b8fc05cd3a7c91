//! Liveness and readiness probes for load balancers and orchestrators.
use actix_web::{HttpResponse, get, web};
use fleetwarden_wire::health::HealthResponse;

use crate::startup::AppState;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The process is up and serving HTTP.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthResponse)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
        database: None,
        version: VERSION.into(),
    })
}

/// The server can do its work: the database answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "ready", body = HealthResponse),
        (status = 503, description = "the database does not answer", body = HealthResponse),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(HealthResponse {
            status: "ok".into(),
            database: Some("ok".into()),
            version: VERSION.into(),
        }),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database ping failed");
            HttpResponse::ServiceUnavailable().json(HealthResponse {
                status: "unavailable".into(),
                database: Some("unreachable".into()),
                version: VERSION.into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};

    use super::*;
    use crate::config::Settings;

    #[actix_web::test]
    async fn readiness_is_503_when_the_database_does_not_answer() {
        // Arrange: a connection that was never opened fails every query, as a dead one does.
        let settings = Settings::default();
        let state = web::Data::new(AppState {
            audit: crate::audit::AuditWriter::start(
                sea_orm::DatabaseConnection::default(),
                std::time::Duration::from_secs(1),
            ),
            products: crate::tenancy::product_cache::ProductCache::default(),
            known: crate::auth::known::KnownCredentials::default(),
            db: sea_orm::DatabaseConnection::default(),
            mailer: crate::email::Mailer::from_settings(&settings.email, &settings.brand)
                .unwrap_or_else(|e| panic!("{e}")),
            settings,
            clock: std::sync::Arc::new(crate::clock::SystemClock),
            public_url: "http://127.0.0.1".into(),
            dummy_hash: String::new(),
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
            access: tokio::sync::RwLock::new(
                crate::access::AccessIndex::new()
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        });
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
}
