//! The Particle client and token cache over real HTTP against the simulated cloud: token
//! single-flight, refresh after a mid-flight expiry, and every fault mapped to its error.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use fleetwarden_server::config::ParticleSettings;
use fleetwarden_server::particle::client::{OAuthClient, ParticleClient};
use fleetwarden_server::particle::error::Error;
use fleetwarden_server::particle::simulator::{
    Fault, Route, SimConfig, Simulator, SimulatorHandle,
};
use fleetwarden_server::particle::token_cache::{TokenCache, with_token};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

const MARGIN: chrono::Duration = chrono::Duration::seconds(300);

/// A simulated cloud and a client pointed at it.
struct Cloud {
    sim: SimulatorHandle,
    client: ParticleClient,
    oauth: OAuthClient,
}

impl Drop for Cloud {
    fn drop(&mut self) {
        self.sim.stop();
    }
}

impl Cloud {
    async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    async fn start_with(adjust: impl FnOnce(&mut ParticleSettings)) -> Self {
        let sim = Simulator::start(SimConfig {
            devices: 4,
            seed: 7,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let mut settings = ParticleSettings {
            connect_timeout_ms: 2_000,
            request_timeout_ms: 10_000,
            max_retries: 2,
            ..ParticleSettings::default()
        };
        adjust(&mut settings);
        let client = ParticleClient::new(&sim.base_url, &settings)
            .unwrap()
            .with_retry_backoff(Duration::from_millis(1));
        let oauth = OAuthClient {
            client_id: sim.client_id.clone(),
            client_secret: SecretString::from(sim.client_secret.clone()),
        };
        Self { sim, client, oauth }
    }

    fn device(&self, index: usize) -> String {
        self.sim.devices[index].clone()
    }

    async fn product_token(&self) -> SecretString {
        self.client
            .mint_product_token(&self.oauth)
            .await
            .unwrap()
            .access_token
    }

    /// Creates `customer` and lets it claim device `index`; returns its token.
    async fn customer_owning(&self, customer: &str, index: usize) -> SecretString {
        let token = self
            .client
            .create_customer(&self.oauth, self.sim.product_id, customer)
            .await
            .unwrap()
            .access_token;
        self.client
            .claim(&token, &self.device(index))
            .await
            .unwrap();
        token
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_customer_calls_on_a_cold_cache_mint_one_token() {
    // Arrange
    let cloud = Arc::new(Cloud::start().await);
    cloud.customer_owning("jane", 0).await;
    let before = cloud.sim.token_requests();
    let cache = Arc::new(TokenCache::new());
    let key = TokenCache::customer_key(cloud.sim.product_id, "jane");
    // The mint is what must be single-flight; the reads queue so as not to open 1000 sockets.
    let sockets = Arc::new(Semaphore::new(32));

    // Act
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (cloud, cache, key, sockets) =
                (cloud.clone(), cache.clone(), key.clone(), sockets.clone());
            tokio::spawn(async move {
                let device = cloud.device(0);
                let (client, oauth, sockets) = (&cloud.client, &cloud.oauth, &sockets);
                with_token(
                    &cache,
                    &key,
                    Utc::now(),
                    MARGIN,
                    || client.mint_customer_token(oauth, "jane"),
                    |token| {
                        let device = &device;
                        async move {
                            let _permit = sockets.acquire().await.unwrap();
                            client.get_variable(&token, None, device, "pressure").await
                        }
                    },
                )
                .await
            })
        })
        .collect();
    let mut answered = 0;
    for task in tasks {
        let value = task.await.unwrap().unwrap();
        assert_eq!(value.name, "pressure");
        answered += 1;
    }

    // Assert
    assert_eq!(answered, 1000);
    assert_eq!(cloud.sim.token_requests() - before, 1);
}

#[tokio::test]
async fn a_token_expired_mid_flight_is_replaced_once_and_the_call_succeeds() {
    // Arrange: a warm cache holding a token the cloud is about to call expired.
    let cloud = Cloud::start().await;
    cloud.customer_owning("jane", 1).await;
    let device = cloud.device(1);
    let cache = TokenCache::new();
    let key = TokenCache::customer_key(cloud.sim.product_id, "jane");
    let (client, oauth) = (&cloud.client, &cloud.oauth);
    let mint = || client.mint_customer_token(oauth, "jane");
    let warm = cache.get_or_mint(&key, Utc::now(), MARGIN, mint).await;
    let before = cloud.sim.token_requests();
    cloud
        .sim
        .set_fault(Fault::TokenExpiredMidFlight { count: 1 });

    // Act
    let result = with_token(&cache, &key, Utc::now(), MARGIN, mint, |token| {
        let device = &device;
        async move {
            client
                .call_function(&token, None, device, "start", "")
                .await
        }
    })
    .await;

    // Assert
    assert_eq!(result.unwrap().return_value, 1);
    assert_eq!(cloud.sim.token_requests() - before, 1);
    assert!(cloud.sim.device_state(&device).unwrap().running);
    let now_cached = cache.get_or_mint(&key, Utc::now(), MARGIN, mint).await;
    assert_ne!(
        warm.unwrap().expose_secret(),
        now_cached.unwrap().expose_secret()
    );
}

#[tokio::test]
async fn an_offline_device_is_reported_as_offline() {
    // Arrange
    let cloud = Cloud::start().await;
    let customer = cloud.customer_owning("jane", 2).await;
    let product = cloud.product_token().await;
    let (device, pid) = (cloud.device(2), Some(cloud.sim.product_id));
    cloud.sim.set_fault(Fault::Offline {
        device: device.clone(),
    });

    // Act
    let function = cloud
        .client
        .call_function(&product, pid, &device, "start", "")
        .await;
    let variable = cloud
        .client
        .get_variable(&customer, None, &device, "pressure")
        .await;
    let listed = cloud.client.get_device(&product, pid, &device).await;

    // Assert
    assert_eq!(function.unwrap_err(), Error::DeviceOffline);
    assert_eq!(variable.unwrap_err(), Error::DeviceOffline);
    assert!(!listed.unwrap().online);
}

#[tokio::test]
async fn a_rate_limited_read_succeeds_when_the_limit_lifts_within_the_retries() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    cloud.sim.set_fault(Fault::OnRoute {
        route: Route::Variable,
        fault: Box::new(Fault::RateLimited {
            count: 2,
            retry_after_secs: 0,
        }),
    });

    let value = cloud
        .client
        .get_variable(
            &product,
            Some(cloud.sim.product_id),
            &cloud.device(0),
            "running",
        )
        .await;

    assert_eq!(value.unwrap().result, serde_json::json!(false));
}

#[tokio::test]
async fn a_read_still_rate_limited_after_the_retries_is_rate_limited() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    cloud.sim.set_fault(Fault::RateLimited {
        count: 3,
        retry_after_secs: 0,
    });

    let err = cloud
        .client
        .get_device(&product, Some(cloud.sim.product_id), &cloud.device(0))
        .await
        .unwrap_err();

    assert_eq!(
        err,
        Error::RateLimited {
            retry_after_secs: None
        }
    );
}

#[tokio::test]
async fn a_long_retry_after_is_returned_at_once_instead_of_waited_out() {
    // Arrange: two limited answers; a client that waited would get through on the third.
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    cloud.sim.set_fault(Fault::RateLimited {
        count: 2,
        retry_after_secs: 120,
    });
    let pid = Some(cloud.sim.product_id);

    // Act
    let first = cloud
        .client
        .get_device(&product, pid, &cloud.device(0))
        .await;
    let second = cloud
        .client
        .get_device(&product, pid, &cloud.device(0))
        .await;

    // Assert: each call used exactly one limited answer.
    let limited = Error::RateLimited {
        retry_after_secs: Some(120),
    };
    assert_eq!(first.unwrap_err(), limited);
    assert_eq!(second.unwrap_err(), limited);
    assert!(
        cloud
            .client
            .get_device(&product, pid, &cloud.device(0))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_function_call_is_not_retried_after_a_rate_limit_or_server_error() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    let (device, pid) = (cloud.device(0), Some(cloud.sim.product_id));
    let call = || {
        cloud
            .client
            .call_function(&product, pid, &device, "start", "")
    };

    cloud.sim.set_fault(Fault::RateLimited {
        count: 1,
        retry_after_secs: 0,
    });
    assert!(matches!(call().await, Err(Error::RateLimited { .. })));
    cloud.sim.set_fault(Fault::ServerError {
        count: 1,
        status: 500,
    });
    assert_eq!(
        call().await.unwrap_err(),
        Error::Unavailable {
            status: 500,
            retry_after_secs: None
        }
    );
    assert!(!cloud.sim.device_state(&device).unwrap().running);
    assert_eq!(call().await.unwrap().return_value, 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_then_reported_unavailable() {
    // Arrange
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    let (device, pid) = (cloud.device(0), Some(cloud.sim.product_id));

    // Act / Assert: two failures fit in two retries.
    cloud.sim.set_fault(Fault::ServerError {
        count: 2,
        status: 502,
    });
    assert!(
        cloud
            .client
            .get_device(&product, pid, &device)
            .await
            .is_ok()
    );

    // Three do not.
    cloud.sim.set_fault(Fault::ServerError {
        count: 3,
        status: 503,
    });
    assert_eq!(
        cloud
            .client
            .get_device(&product, pid, &device)
            .await
            .unwrap_err(),
        Error::Unavailable {
            status: 503,
            retry_after_secs: None
        }
    );
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error_not_a_panic() {
    // Arrange
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    let (device, pid) = (cloud.device(0), Some(cloud.sim.product_id));
    cloud.sim.set_fault(Fault::OnRoute {
        route: Route::Variable,
        fault: Box::new(Fault::TruncatedBody { count: 3 }),
    });
    cloud.sim.set_fault(Fault::OnRoute {
        route: Route::Function,
        fault: Box::new(Fault::TruncatedBody { count: 1 }),
    });

    // Act
    let read = cloud
        .client
        .get_variable(&product, pid, &device, "pressure")
        .await;
    let call = cloud
        .client
        .call_function(&product, pid, &device, "start", "")
        .await;

    // Assert
    assert!(matches!(read, Err(Error::Transport(_))), "{read:?}");
    assert!(matches!(call, Err(Error::Transport(_))), "{call:?}");
    // The function ran though its answer was lost: exactly why calls are not repeated.
    assert!(cloud.sim.device_state(&device).unwrap().running);
}

#[tokio::test]
async fn a_single_truncated_read_is_retried() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    cloud.sim.set_fault(Fault::TruncatedBody { count: 1 });

    let listed = cloud
        .client
        .list_product_devices(&product, cloud.sim.product_id, 1, 25)
        .await;

    assert_eq!(listed.unwrap().devices.len(), 4);
}

#[tokio::test]
async fn a_hanging_cloud_times_out_as_a_transport_error() {
    let cloud = Cloud::start_with(|s| s.request_timeout_ms = 300).await;
    let product = cloud.product_token().await;
    cloud.sim.set_fault(Fault::Hang { count: 1 });

    let started = std::time::Instant::now();
    let err = cloud
        .client
        .get_device(&product, Some(cloud.sim.product_id), &cloud.device(0))
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::Transport(m) if m.starts_with("timed out")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_function_call_returns_the_firmware_return_value() {
    // Arrange
    let cloud = Cloud::start().await;
    let customer = cloud.customer_owning("jane", 3).await;
    let device = cloud.device(3);

    // Act
    let accepted = cloud
        .client
        .call_function(&customer, None, &device, "setPressure", "4.5")
        .await
        .unwrap();
    let rejected = cloud
        .client
        .call_function(&customer, None, &device, "setPressure", "lots")
        .await
        .unwrap();
    let pressure = cloud
        .client
        .get_variable(&customer, None, &device, "pressure")
        .await
        .unwrap();

    // Assert
    assert_eq!((accepted.return_value, accepted.connected), (1, true));
    assert_eq!(rejected.return_value, -1);
    assert_eq!(pressure.result, serde_json::json!(4.5));
}

#[tokio::test]
async fn unknown_functions_variables_and_products_are_not_found() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    let (device, pid) = (cloud.device(0), Some(cloud.sim.product_id));

    let function = cloud
        .client
        .call_function(&product, pid, &device, "selfDestruct", "")
        .await;
    let variable = cloud
        .client
        .get_variable(&product, pid, &device, "nope")
        .await;
    let listing = cloud
        .client
        .list_product_devices(&product, 999, 1, 25)
        .await;

    assert_eq!(
        function.unwrap_err(),
        Error::NotFound {
            what: "Function selfDestruct not found".into()
        }
    );
    assert!(
        matches!(variable, Err(Error::NotFound { .. })),
        "{variable:?}"
    );
    assert!(
        matches!(listing, Err(Error::NotFound { .. })),
        "{listing:?}"
    );
}

#[tokio::test]
async fn customers_claim_release_and_see_only_their_own_devices() {
    // Arrange
    let cloud = Cloud::start().await;
    let pid = cloud.sim.product_id;
    let device = cloud.device(0);
    let jane = cloud.customer_owning("Jane@Example.com", 0).await;
    let product = cloud.product_token().await;

    // Act / Assert: a second create is recognisable; a scoped token works for the same id.
    let again = cloud
        .client
        .create_customer(&cloud.oauth, pid, "jane@example.com")
        .await;
    assert!(again.unwrap_err().is_customer_exists());
    let minted = cloud
        .client
        .mint_customer_token(&cloud.oauth, "JANE@example.com")
        .await
        .unwrap();
    assert!(minted.expires_at.is_some_and(|t| t > Utc::now()));
    let seen = cloud
        .client
        .get_device(&minted.access_token, None, &device)
        .await
        .unwrap();
    assert_eq!(seen.id, device);

    // Another customer cannot see it.
    let bob = cloud.customer_owning("bob", 1).await;
    let denied = cloud.client.get_device(&bob, None, &device).await;
    assert_eq!(denied.unwrap_err(), Error::PermissionDenied);

    // The product releases it; Jane loses it; she claims it again and unclaims it herself.
    cloud
        .client
        .release_from_customer(&product, pid, &device)
        .await
        .unwrap();
    assert_eq!(cloud.sim.device_state(&device).unwrap().owner, None);
    assert_eq!(
        cloud
            .client
            .get_device(&jane, None, &device)
            .await
            .unwrap_err(),
        Error::PermissionDenied
    );
    cloud.client.claim(&jane, &device).await.unwrap();
    assert_eq!(
        cloud.sim.device_state(&device).unwrap().owner.as_deref(),
        Some("jane@example.com")
    );
    cloud.client.unclaim(&jane, &device).await.unwrap();
    assert_eq!(cloud.sim.device_state(&device).unwrap().owner, None);

    // Importing a device already in the product reports it as existing.
    let imported = cloud.client.import(&product, pid, &device).await.unwrap();
    assert_eq!(imported.existing_device_ids, vec![device.clone()]);

    // The product lists everything, page by page.
    let page = cloud
        .client
        .list_product_devices(&product, pid, 2, 3)
        .await
        .unwrap();
    assert_eq!((page.devices.len(), page.total_pages), (1, 2));
}

#[tokio::test]
async fn wrong_client_credentials_are_a_bad_request_without_the_secret() {
    let cloud = Cloud::start().await;
    let wrong = OAuthClient {
        client_id: cloud.sim.client_id.clone(),
        client_secret: SecretString::from("0123456789abcdef0123456789abcdef01234567"),
    };

    let err = cloud.client.mint_product_token(&wrong).await.unwrap_err();

    assert!(matches!(&err, Error::BadRequest { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("0123456789abcdef0123456789abcdef"));
    // A bad request is not retried: Particle blocks an address after 10 failed mints.
    assert_eq!(cloud.sim.token_requests(), 1);
}

#[tokio::test]
async fn expired_tokens_are_told_apart_from_invalid_ones() {
    let cloud = Cloud::start().await;
    let product = cloud.product_token().await;
    let pid = Some(cloud.sim.product_id);

    let invalid = SecretString::from("ffffffffffffffffffffffffffffffffffffffff");
    let err = cloud
        .client
        .get_device(&invalid, pid, &cloud.device(0))
        .await;
    assert_eq!(err.unwrap_err(), Error::TokenInvalid);

    cloud.sim.advance_clock(Duration::from_secs(91 * 24 * 3600));
    let err = cloud
        .client
        .get_device(&product, pid, &cloud.device(0))
        .await;
    assert_eq!(err.unwrap_err(), Error::TokenExpired);
}
