//! The simulated Particle cloud, over real HTTP: the contract of reference §8 (paths, bodies,
//! error shapes), its clock and its faults.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::time::{Duration, Instant};

use fleetwarden_server::particle::simulator::{
    Fault, MoreProduct, Route, SimConfig, Simulator, SimulatorHandle,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// Long enough for a loaded CI machine, short enough that a missing event fails the test.
const STREAM_WAIT: Duration = Duration::from_secs(5);

async fn start() -> (SimulatorHandle, Client) {
    let sim = Simulator::start(SimConfig {
        devices: 3,
        seed: 42,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder().no_proxy().build().unwrap();
    (sim, client)
}

async fn mint(sim: &SimulatorHandle, client: &Client, form: &[(&str, &str)]) -> Response {
    client
        .post(format!("{}/oauth/token", sim.base_url))
        .basic_auth(&sim.client_id, Some(&sim.client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn product_token(sim: &SimulatorHandle, client: &Client) -> String {
    let body: Value = mint(sim, client, &[("grant_type", "client_credentials")])
        .await
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// Creates the customer (client credentials in the body, as particle-api-js sends them).
async fn customer_token(sim: &SimulatorHandle, client: &Client, email: &str) -> String {
    let response = client
        .post(format!(
            "{}/v1/products/{}/customers",
            sim.base_url, sim.product_id
        ))
        .form(&[
            ("email", email),
            ("no_password", "true"),
            ("client_id", &sim.client_id),
            ("client_secret", &sim.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn claim(sim: &SimulatorHandle, client: &Client, token: &str, device: &str) -> Response {
    client
        .post(format!("{}/v1/devices", sim.base_url))
        .bearer_auth(token)
        .json(&json!({ "id": device }))
        .send()
        .await
        .unwrap()
}

async fn get(sim: &SimulatorHandle, client: &Client, token: &str, path: &str) -> Response {
    client
        .get(format!("{}{path}", sim.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn call(
    sim: &SimulatorHandle,
    client: &Client,
    token: &str,
    path: &str,
    arg: &str,
) -> Response {
    client
        .post(format!("{}{path}", sim.base_url))
        .bearer_auth(token)
        .form(&[("arg", arg)])
        .send()
        .await
        .unwrap()
}

async fn json_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// Reads the stream until `needle` shows up; everything read so far.
async fn read_until(response: &mut Response, needle: &str) -> String {
    let mut seen = String::new();
    tokio::time::timeout(STREAM_WAIT, async {
        while !seen.contains(needle) {
            match response.chunk().await.unwrap() {
                Some(chunk) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                None => panic!("stream ended before {needle:?}; got {seen:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} within {STREAM_WAIT:?}; got {seen:?}"));
    seen
}

#[tokio::test]
async fn a_product_token_has_the_default_lifetime_a_refresh_token_and_no_scope() {
    // Arrange
    let (sim, client) = start().await;

    // Act
    let response = mint(&sim, &client, &[("grant_type", "client_credentials")]).await;

    // Assert
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, body) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 7_776_000);
    assert_eq!(body["access_token"].as_str().unwrap().len(), 40);
    assert!(body["refresh_token"].is_string());
    assert!(body.get("scope").is_none());
}

#[tokio::test]
async fn a_customer_scoped_token_names_its_customer_and_never_expires_with_expires_in_zero() {
    // Arrange
    let (sim, client) = start().await;
    customer_token(&sim, &client, "ann@example.com").await;

    // Act
    let (status, body) = json_of(
        mint(
            &sim,
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "customer=Ann@Example.com"),
                ("expires_in", "0"),
            ],
        )
        .await,
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "customer=ann@example.com");
    assert_eq!(body["expires_in"], 0);
    assert!(body.get("refresh_token").is_none());
    sim.advance_clock(Duration::from_secs(10 * 365 * 24 * 3600));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&sim, &client, token, "/v1/devices").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_www_authenticate() {
    // Arrange
    let (sim, client) = start().await;

    // Act
    let response = client
        .post(format!("{}/oauth/token", sim.base_url))
        .basic_auth(&sim.client_id, Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"Service\""
    );
    let (status, body) = json_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_client", "error_description": "Client credentials are invalid"})
    );
}

#[tokio::test]
async fn the_token_endpoint_answers_the_oauth_error_table() {
    // Arrange
    let (sim, client) = start().await;
    let url = format!("{}/oauth/token", sim.base_url);
    let json_body = client
        .post(&url)
        .basic_auth(&sim.client_id, Some(&sim.client_secret))
        .json(&json!({ "grant_type": "client_credentials" }));
    let no_grant = client.post(&url).form(&[("client_id", "abc")]);
    let no_client = client
        .post(&url)
        .form(&[("grant_type", "client_credentials")]);
    let no_secret = client.post(&url).form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &sim.client_id),
    ]);
    let bad_scope = client
        .post(&url)
        .basic_auth(&sim.client_id, Some(&sim.client_secret))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "customer=nobody"),
        ]);
    let bad_refresh = client
        .post(&url)
        .basic_auth(&sim.client_id, Some(&sim.client_secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "nope")]);
    let cases = [
        (
            json_body,
            "invalid_request",
            "Method must be POST with application/x-www-form-urlencoded encoding",
        ),
        (
            no_grant,
            "invalid_request",
            "Invalid or missing grant_type parameter",
        ),
        (
            no_client,
            "invalid_client",
            "Invalid or missing client_id parameter",
        ),
        (
            no_secret,
            "invalid_client",
            "Missing client_secret parameter",
        ),
        (bad_scope, "invalid_scope", "Invalid scope"),
        (bad_refresh, "invalid_grant", "Invalid refresh token"),
    ];

    for (request, error, description) in cases {
        // Act
        let (status, body) = json_of(request.send().await.unwrap()).await;

        // Assert
        assert_eq!(status, StatusCode::BAD_REQUEST, "{description}");
        assert_eq!(
            body,
            json!({ "error": error, "error_description": description })
        );
    }
}

#[tokio::test]
async fn a_token_expires_when_the_simulator_clock_passes_its_lifetime() {
    // Arrange
    let (sim, client) = start().await;
    let (_, body) = json_of(
        mint(
            &sim,
            &client,
            &[("grant_type", "client_credentials"), ("expires_in", "60")],
        )
        .await,
    )
    .await;
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&sim, &client, token, "/v1/devices").await.status(),
        StatusCode::OK
    );

    // Act
    sim.advance_clock(Duration::from_secs(61));
    let (status, body) = json_of(get(&sim, &client, token, "/v1/devices").await).await;

    // Assert
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": "The access token provided has expired."})
    );
}

#[tokio::test]
async fn missing_unknown_and_doubled_tokens_get_the_oauth_servers_answers() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let url = format!("{}/v1/devices", sim.base_url);

    // Act
    let (missing_status, missing) = json_of(client.get(&url).send().await.unwrap()).await;
    let (unknown_status, unknown) = json_of(get(&sim, &client, "0000", "/v1/devices").await).await;
    let (doubled_status, doubled) = json_of(
        client
            .get(format!("{url}?access_token={token}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let query_status = client
        .get(format!("{url}?access_token={token}"))
        .send()
        .await
        .unwrap()
        .status();

    // Assert
    assert_eq!(missing_status, StatusCode::BAD_REQUEST);
    assert_eq!(
        missing["error_description"],
        "The access token was not found"
    );
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown["error_description"],
        "The access token provided is invalid."
    );
    assert_eq!(doubled_status, StatusCode::BAD_REQUEST);
    assert_eq!(
        doubled["error_description"],
        "Only one method may be used to authenticate at a time (Auth header,  GET or POST)."
    );
    assert_eq!(query_status, StatusCode::OK);
}

#[tokio::test]
async fn customer_creation_lower_cases_the_id_and_refuses_a_duplicate() {
    // Arrange
    let (sim, client) = start().await;
    let token = customer_token(&sim, &client, "Bob@Example.COM").await;

    // Act
    let (status, body) = json_of(
        client
            .post(format!(
                "{}/v1/products/{}/customers",
                sim.base_url, sim.product_slug
            ))
            .basic_auth(&sim.client_id, Some(&sim.client_secret))
            .form(&[("email", "bob@example.com"), ("no_password", "true")])
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Assert
    assert_eq!(sim.customers(), vec!["bob@example.com".to_owned()]);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"ok": false, "error": "Customer already exists"})
    );
    let (_, current) = json_of(get(&sim, &client, &token, "/v1/access_tokens/current").await).await;
    assert_eq!(current["client"], sim.client_id.as_str());
}

#[tokio::test]
async fn a_simple_auth_customer_signs_in_with_the_password_grant_and_the_password_the_product_sets()
{
    // Arrange: a customer made with a password, as a simple-auth app's sign-up does; another
    // without one (two-legged).
    let (sim, client) = start().await;
    let created = client
        .post(format!(
            "{}/v1/products/{}/customers",
            sim.base_url, sim.product_id
        ))
        .basic_auth(&sim.client_id, Some(&sim.client_secret))
        .form(&[("email", "Ann@Example.com"), ("password", "first pass 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    customer_token(&sim, &client, "shadow@example.com").await;
    let login = |username: &'static str, password: &'static str| {
        let (sim, client) = (&sim, &client);
        async move {
            json_of(
                mint(
                    sim,
                    client,
                    &[
                        ("grant_type", "password"),
                        ("username", username),
                        ("password", password),
                    ],
                )
                .await,
            )
            .await
        }
    };

    // Act
    let (first_status, first) = login("ann@example.com", "first pass 1").await;
    let (shadow_status, shadow) = login("shadow@example.com", "").await;
    let product = product_token(&sim, &client).await;
    let changed = client
        .put(format!(
            "{}/v1/products/{}/customers/ann@example.com",
            sim.base_url, sim.product_id
        ))
        .bearer_auth(&product)
        .form(&[("password", "second pass 2")])
        .send()
        .await
        .unwrap();
    let (old_status, old) = login("ann@example.com", "first pass 1").await;
    let (new_status, new) = login("ANN@example.com", "second pass 2").await;

    // Assert
    assert_eq!(first_status, StatusCode::OK);
    let token = first["access_token"].as_str().unwrap();
    let (_, current) = json_of(get(&sim, &client, token, "/v1/access_tokens/current").await).await;
    assert_eq!(current["client"], sim.client_id.as_str());
    assert_eq!(shadow_status, StatusCode::BAD_REQUEST);
    assert_eq!(shadow["error"], "invalid_grant");
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(old_status, StatusCode::BAD_REQUEST);
    assert_eq!(
        old,
        json!({"error": "invalid_grant", "error_description": "User credentials are invalid"})
    );
    assert_eq!(new_status, StatusCode::OK, "{new}");
    assert!(new["access_token"].is_string());
}

#[tokio::test]
async fn a_claimed_device_is_its_customers_alone() {
    // Arrange
    let (sim, client) = start().await;
    let ann = customer_token(&sim, &client, "ann@example.com").await;
    let bob = customer_token(&sim, &client, "bob@example.com").await;
    let device = sim.devices[0].clone();

    // Act
    let (claim_status, claimed) = json_of(claim(&sim, &client, &ann, &device).await).await;
    let (list_status, listed) = json_of(get(&sim, &client, &ann, "/v1/devices").await).await;
    let (bob_status, bob_body) =
        json_of(get(&sim, &client, &bob, &format!("/v1/devices/{device}")).await).await;
    let (steal_status, steal) = json_of(claim(&sim, &client, &bob, &device).await).await;

    // Assert
    assert_eq!(claim_status, StatusCode::OK);
    assert_eq!(claimed["ok"], true);
    assert_eq!(claimed["id"], device.as_str());
    assert_eq!(list_status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["owner"], "ann@example.com");
    assert_eq!(bob_status, StatusCode::FORBIDDEN);
    assert_eq!(bob_body["error"], "Permission Denied");
    assert_eq!(steal_status, StatusCode::FORBIDDEN);
    assert!(
        steal["errors"][0]
            .as_str()
            .unwrap()
            .contains("belongs to someone else")
    );
    assert_eq!(
        sim.device_state(&device).unwrap().owner.as_deref(),
        Some("ann@example.com")
    );
}

#[tokio::test]
async fn claiming_an_unknown_device_is_device_does_not_exist() {
    // Arrange
    let (sim, client) = start().await;
    let ann = customer_token(&sim, &client, "ann@example.com").await;

    // Act
    let (status, body) = json_of(claim(&sim, &client, &ann, &"f".repeat(24)).await).await;

    // Assert
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"ok": false, "errors": ["device does not exist"]})
    );
}

#[tokio::test]
async fn an_unknown_product_is_product_not_found() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;

    // Act
    let (status, body) =
        json_of(get(&sim, &client, &token, "/v1/products/999/devices").await).await;

    // Assert
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"ok": false, "error": "Product not found."}));
}

#[tokio::test]
async fn product_devices_are_paged_with_per_page_or_perpage() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let path = format!("/v1/products/{}/devices", sim.product_id);

    // Act
    let (_, first) = json_of(get(&sim, &client, &token, &format!("{path}?per_page=2")).await).await;
    let (_, second) =
        json_of(get(&sim, &client, &token, &format!("{path}?perPage=2&page=2")).await).await;
    let (_, all) = json_of(get(&sim, &client, &token, &path).await).await;

    // Assert
    assert_eq!(first["devices"].as_array().unwrap().len(), 2);
    assert_eq!(first["meta"]["total_pages"], 2);
    assert_eq!(second["devices"].as_array().unwrap().len(), 1);
    assert_eq!(all["devices"].as_array().unwrap().len(), 3);
    assert_eq!(all["meta"]["total_pages"], 1);
}

#[tokio::test]
async fn a_function_call_changes_the_variable_it_drives() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let device = &sim.devices[1];
    let base = format!("/v1/products/{}/devices/{device}", sim.product_id);

    // Act
    let (status, called) =
        json_of(call(&sim, &client, &token, &format!("{base}/setPressure"), "6.5").await).await;
    let (_, rejected) =
        json_of(call(&sim, &client, &token, &format!("{base}/setPressure"), "11").await).await;
    let (_, variable) = json_of(
        get(
            &sim,
            &client,
            &token,
            &format!("/v1/devices/{device}/pressure"),
        )
        .await,
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(called["id"], device.as_str());
    assert_eq!(called["connected"], true);
    assert_eq!(called["return_value"], 1);
    assert_eq!(rejected["return_value"], -1);
    assert_eq!(variable["name"], "pressure");
    assert_eq!(variable["result"], 6.5);
    assert_eq!(variable["coreInfo"]["deviceID"], device.as_str());
    assert!((sim.device_state(device).unwrap().pressure - 6.5).abs() < f64::EPSILON);
}

#[tokio::test]
async fn unknown_functions_and_variables_are_404_with_the_real_bodies() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let device = &sim.devices[0];

    // Act
    let function = json_of(
        call(
            &sim,
            &client,
            &token,
            &format!("/v1/devices/{device}/explode"),
            "",
        )
        .await,
    )
    .await;
    let variable = json_of(
        get(
            &sim,
            &client,
            &token,
            &format!("/v1/devices/{device}/temperature"),
        )
        .await,
    )
    .await;

    // Assert
    assert_eq!(
        function,
        (
            StatusCode::NOT_FOUND,
            json!({"ok": false, "error": "Function explode not found"})
        )
    );
    assert_eq!(
        variable,
        (
            StatusCode::NOT_FOUND,
            json!({"ok": false, "error": "Variable not found"})
        )
    );
}

#[tokio::test]
async fn a_function_argument_over_1024_bytes_is_refused() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let path = format!("/v1/devices/{}/setPressure", sim.devices[0]);

    // Act
    let at_limit = call(&sim, &client, &token, &path, &"1".repeat(1024))
        .await
        .status();
    let (status, body) = json_of(call(&sim, &client, &token, &path, &"é".repeat(513)).await).await;

    // Assert
    assert_eq!(at_limit, StatusCode::OK);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["ok"], false);
}

#[tokio::test]
async fn an_offline_device_times_out_functions_with_400_and_variables_with_408() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let device = sim.devices[0].clone();
    sim.set_fault(Fault::Offline {
        device: device.clone(),
    });

    // Act
    let function = json_of(
        call(
            &sim,
            &client,
            &token,
            &format!("/v1/devices/{device}/start"),
            "",
        )
        .await,
    )
    .await;
    let variable =
        json_of(get(&sim, &client, &token, &format!("/v1/devices/{device}/flow")).await).await;
    let (_, info) =
        json_of(get(&sim, &client, &token, &format!("/v1/devices/{device}")).await).await;
    sim.clear_faults();

    // Assert
    assert_eq!(
        function,
        (
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error": "Timed out."})
        )
    );
    assert_eq!(
        variable,
        (StatusCode::REQUEST_TIMEOUT, json!({"error": "Timed out."}))
    );
    assert_eq!(info["online"], false);
    assert!(sim.device_state(&device).unwrap().online);
}

#[tokio::test]
async fn a_slow_device_answers_late_but_answers() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let device = sim.devices[0].clone();
    sim.set_fault(Fault::Slow {
        device: device.clone(),
        millis: 200,
    });
    let started = Instant::now();

    // Act
    let response = call(
        &sim,
        &client,
        &token,
        &format!("/v1/devices/{device}/start"),
        "",
    )
    .await;

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(sim.device_state(&device).unwrap().running);
}

#[tokio::test]
async fn a_token_expiring_in_flight_answers_401_then_the_same_token_works_again() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    sim.set_fault(Fault::TokenExpiredMidFlight { count: 1 });

    // Act
    let (status, body) = json_of(get(&sim, &client, &token, "/v1/devices").await).await;
    let after = get(&sim, &client, &token, "/v1/devices").await.status();

    // Assert
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["error_description"],
        "The access token provided has expired."
    );
    assert_eq!(after, StatusCode::OK);
}

#[tokio::test]
async fn rate_limiting_answers_429_with_retry_after_for_the_next_n_calls() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    sim.set_fault(Fault::RateLimited {
        count: 2,
        retry_after_secs: 7,
    });

    // Act
    let first = get(&sim, &client, &token, "/v1/devices").await;
    let second = get(&sim, &client, &token, "/v1/devices").await.status();
    let third = get(&sim, &client, &token, "/v1/devices").await.status();

    // Assert
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()["retry-after"], "7");
    assert_eq!(second, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third, StatusCode::OK);
}

#[tokio::test]
async fn server_errors_are_device_service_json_for_500_and_a_non_json_page_for_503() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    sim.set_fault(Fault::ServerError {
        count: 1,
        status: 500,
    });
    sim.set_fault(Fault::ServerError {
        count: 1,
        status: 503,
    });

    // Act
    let (status_500, body_500) = json_of(get(&sim, &client, &token, "/v1/devices").await).await;
    let response_503 = get(&sim, &client, &token, "/v1/devices").await;

    // Assert
    assert_eq!(status_500, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_500["ok"], false);
    assert_eq!(body_500["code"], 500);
    assert!(body_500["errors"][0]["error"].is_string());
    assert_eq!(response_503.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = response_503.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn a_truncated_body_announces_more_than_it_sends_and_fails_to_read() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    sim.set_fault(Fault::TruncatedBody { count: 2 });

    // Act
    let response = get(&sim, &client, &token, "/v1/devices").await;
    let status = response.status();
    let read = response.bytes().await;
    let wire = raw_get(&sim, &token, "/v1/devices").await;
    let after = get(&sim, &client, &token, "/v1/devices").await.status();

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert!(read.is_err(), "read {read:?}");
    let (head, body) = wire.split_once("\r\n\r\n").unwrap();
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        !body.is_empty() && body.len() < declared,
        "{declared} vs {body:?}"
    );
    assert_eq!(after, StatusCode::OK);
}

/// One HTTP/1.1 request over a bare socket; everything the server sends until it closes.
async fn raw_get(sim: &SimulatorHandle, token: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = sim.base_url.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    tokio::time::timeout(STREAM_WAIT, socket.read_to_end(&mut received))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_route_limited_fault_leaves_other_routes_alone() {
    // Arrange
    let (sim, client) = start().await;
    sim.set_fault(Fault::OnRoute {
        route: Route::Token,
        fault: Box::new(Fault::ServerError {
            count: 1,
            status: 502,
        }),
    });
    let token_status = mint(&sim, &client, &[("grant_type", "client_credentials")])
        .await
        .status();

    // Act
    let token = product_token(&sim, &client).await;
    let status = get(&sim, &client, &token, "/v1/devices").await.status();

    // Assert
    assert_eq!(token_status, StatusCode::BAD_GATEWAY);
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_hanging_request_is_never_answered() {
    // Arrange
    let (sim, client) = start().await;
    sim.set_fault(Fault::Hang { count: 1 });

    // Act
    let result = client
        .get(format!("{}/v1/devices", sim.base_url))
        .timeout(Duration::from_millis(300))
        .send()
        .await;

    // Assert
    assert!(result.unwrap_err().is_timeout());
}

#[tokio::test]
async fn a_stream_says_ok_then_delivers_the_event_a_function_call_publishes() {
    // Arrange
    let (sim, client) = start().await;
    let ann = customer_token(&sim, &client, "ann@example.com").await;
    let device = sim.devices[0].clone();
    claim(&sim, &client, &ann, &device).await;
    let mut stream = get(
        &sim,
        &client,
        &ann,
        &format!("/v1/devices/{device}/events/pump%2Fpressure"),
    )
    .await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert_eq!(read_until(&mut stream, "\n\n").await, ":ok\n\n");

    // Act
    call(
        &sim,
        &client,
        &ann,
        &format!("/v1/devices/{device}/start"),
        "",
    )
    .await;
    call(
        &sim,
        &client,
        &ann,
        &format!("/v1/devices/{device}/setPressure"),
        "4.5",
    )
    .await;
    let seen = read_until(&mut stream, "}\n\n").await;

    // Assert
    let (event, data) = seen.trim_end().split_once('\n').unwrap();
    assert_eq!(event, "event: pump/pressure"); // the prefix filtered pump/state out
    let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(data["data"], "4.5");
    assert_eq!(data["ttl"], 60);
    assert_eq!(data["coreid"], device.as_str());
    assert!(data["published_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn the_product_stream_reports_spark_status_and_closes_on_drop_stream() {
    // Arrange
    let (sim, client) = start().await;
    let token = product_token(&sim, &client).await;
    let mut stream = get(
        &sim,
        &client,
        &token,
        &format!("/v1/products/{}/events", sim.product_id),
    )
    .await;
    read_until(&mut stream, ":ok\n\n").await;

    // Act
    sim.set_fault(Fault::Offline {
        device: sim.devices[2].clone(),
    });
    let seen = read_until(&mut stream, "}\n\n").await;
    sim.set_fault(Fault::DropStream);
    let end = tokio::time::timeout(STREAM_WAIT, stream.chunk())
        .await
        .unwrap();

    // Assert
    assert!(seen.starts_with("event: spark/status\n"), "{seen}");
    assert!(seen.contains("\"data\":\"offline\""), "{seen}");
    assert!(
        seen.contains(&format!("\"productID\":{}", sim.product_id)),
        "{seen}"
    );
    assert!(end.unwrap().is_none());
}

#[tokio::test]
async fn a_stream_closes_when_its_token_expires_and_cannot_be_reopened() {
    // Arrange
    let (sim, client) = start().await;
    let (_, body) = json_of(
        mint(
            &sim,
            &client,
            &[("grant_type", "client_credentials"), ("expires_in", "60")],
        )
        .await,
    )
    .await;
    let token = body["access_token"].as_str().unwrap();
    let mut stream = get(&sim, &client, token, "/v1/devices/events").await;
    read_until(&mut stream, ":ok\n\n").await;

    // Act
    sim.advance_clock(Duration::from_secs(120));
    let end = tokio::time::timeout(STREAM_WAIT, stream.chunk())
        .await
        .unwrap();
    let reopened = get(&sim, &client, token, "/v1/devices/events")
        .await
        .status();

    // Assert
    assert!(end.unwrap().is_none());
    assert_eq!(reopened, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_requests_counts_every_mint_including_refusals() {
    // Arrange
    let (sim, client) = start().await;

    // Act
    product_token(&sim, &client).await;
    client
        .post(format!("{}/oauth/token", sim.base_url))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    customer_token(&sim, &client, "ann@example.com").await;

    // Assert
    assert_eq!(sim.token_requests(), 2);
}

#[tokio::test]
async fn a_stopped_simulator_refuses_connections() {
    // Arrange
    let (sim, client) = start().await;

    // Act
    sim.stop();

    // Assert
    let refused = tokio::time::timeout(STREAM_WAIT, async {
        loop {
            if client
                .get(format!("{}/v1/devices", sim.base_url))
                .send()
                .await
                .is_err()
            {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(refused.is_ok());
}

#[tokio::test]
async fn two_products_on_one_cloud_keep_their_own_clients_customers_and_tokens() {
    // Arrange: the Wi-Fi product (the first) and a cellular one beside it.
    let sim = Simulator::start(SimConfig {
        devices: 2,
        seed: 42,
        more_products: vec![MoreProduct {
            id: 30_302,
            slug: "fleetwarden-pumps-cell".into(),
            devices: 1,
        }],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder().no_proxy().build().unwrap();
    let cell = sim.more_products[0].clone();
    let create = |product: i64, client_id: &str, secret: &str, password: &'static str| {
        client
            .post(format!("{}/v1/products/{product}/customers", sim.base_url))
            .basic_auth(client_id, Some(secret))
            .form(&[("email", "ann@example.com"), ("password", password)])
            .send()
    };
    let login = |client_id: &str, secret: &str, password: &'static str| {
        client
            .post(format!("{}/oauth/token", sim.base_url))
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "password"),
                ("username", "ann@example.com"),
                ("password", password),
            ])
            .send()
    };

    // Act
    let wifi_created = create(
        sim.product_id,
        &sim.client_id,
        &sim.client_secret,
        "wifi pass 1",
    )
    .await
    .unwrap();
    let cell_created = create(cell.id, &cell.client_id, &cell.client_secret, "cell pass 2")
        .await
        .unwrap();
    let wrong_client = create(sim.product_id, &cell.client_id, &cell.client_secret, "x")
        .await
        .unwrap();
    let wifi_login = login(&sim.client_id, &sim.client_secret, "wifi pass 1")
        .await
        .unwrap();
    let crossed_login = login(&cell.client_id, &cell.client_secret, "wifi pass 1")
        .await
        .unwrap();
    let cell_login = login(&cell.client_id, &cell.client_secret, "cell pass 2")
        .await
        .unwrap();
    let (_, cell_product): (StatusCode, Value) = json_of(
        client
            .post(format!("{}/oauth/token", sim.base_url))
            .basic_auth(&cell.client_id, Some(&cell.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cell_token = cell_product["access_token"].as_str().unwrap();
    let own_devices = get(
        &sim,
        &client,
        cell_token,
        &format!("/v1/products/{}/devices", cell.id),
    )
    .await;
    let other_devices = get(
        &sim,
        &client,
        cell_token,
        &format!("/v1/products/{}/devices", sim.product_id),
    )
    .await;

    // Assert
    assert_eq!(wifi_created.status(), StatusCode::CREATED);
    assert_eq!(cell_created.status(), StatusCode::CREATED);
    assert_eq!(wrong_client.status(), StatusCode::NOT_FOUND);
    assert_eq!(wifi_login.status(), StatusCode::OK);
    assert_eq!(crossed_login.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cell_login.status(), StatusCode::OK);
    let (status, devices) = json_of(own_devices).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(devices["devices"][0]["id"], cell.devices[0].as_str());
    assert_eq!(other_devices.status(), StatusCode::NOT_FOUND);
    assert_eq!(sim.customers_of(cell.id), vec!["ann@example.com"]);
    assert!(!sim.devices.contains(&cell.devices[0]));
}

#[tokio::test]
async fn a_fault_limited_to_one_product_leaves_the_other_alone() {
    // Arrange
    let sim = Simulator::start(SimConfig {
        more_products: vec![MoreProduct {
            id: 30_302,
            slug: "cell".into(),
            devices: 0,
        }],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder().no_proxy().build().unwrap();
    let cell = sim.more_products[0].clone();
    sim.set_fault(Fault::OnProduct {
        product: cell.id,
        fault: Box::new(Fault::ServerError {
            count: 1,
            status: 503,
        }),
    });
    let list = |product: i64, client_id: String, secret: String| {
        let client = client.clone();
        let base = sim.base_url.clone();
        async move {
            let token: Value = client
                .post(format!("{base}/oauth/token"))
                .basic_auth(&client_id, Some(&secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            client
                .get(format!("{base}/v1/products/{product}/customers"))
                .bearer_auth(token["access_token"].as_str().unwrap())
                .send()
                .await
                .unwrap()
                .status()
        }
    };

    // Act
    let wifi = list(
        sim.product_id,
        sim.client_id.clone(),
        sim.client_secret.clone(),
    )
    .await;
    let cell_first = list(cell.id, cell.client_id.clone(), cell.client_secret.clone()).await;
    let cell_again = list(cell.id, cell.client_id.clone(), cell.client_secret.clone()).await;

    // Assert
    assert_eq!(wifi, StatusCode::OK);
    assert_eq!(cell_first, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(cell_again, StatusCode::OK);
}
