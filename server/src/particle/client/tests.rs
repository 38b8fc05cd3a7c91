//! The endpoints end to end: requests to a fake cloud on a local socket, checked as sent on
//! the wire, and its canned answers decoded or mapped to errors.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::clock::{Clock, ManualClock};

const DEVICE: &str = "0123456789abcdef01234567";

/// A one-connection-per-request HTTP server answering with canned raw responses in order
/// (the last one repeats), recording each request's head and body.
struct Fake {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    async fn start(responses: Vec<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            for i in 0.. {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let request = read_request(&mut socket).await;
                seen.lock().unwrap().push(request);
                let response = &responses[i.min(responses.len() - 1)];
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).to_string()
}

fn reply(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn settings() -> ParticleSettings {
    ParticleSettings {
        connect_timeout_ms: 1_000,
        request_timeout_ms: 5_000,
        max_retries: 2,
        ..ParticleSettings::default()
    }
}

fn client(base: &str) -> ParticleClient {
    ParticleClient::new(base, &settings())
        .unwrap()
        .with_retry_backoff(Duration::from_millis(1))
}

fn token() -> SecretString {
    SecretString::from("254406f79c1999af65a7df4388971354f85cfee9")
}

#[tokio::test]
async fn a_read_is_retried_after_a_server_error_and_then_succeeds() {
    // Arrange
    let fake = Fake::start(vec![
        reply("503 Service Unavailable", "", "<html>down</html>"),
        reply(
            "200 OK",
            "",
            r#"{"name":"temp","result":21.5,"coreInfo":{}}"#,
        ),
    ])
    .await;
    // Act
    let value = client(&fake.base)
        .get_variable(&token(), None, DEVICE, "temp")
        .await
        .unwrap();
    // Assert
    assert_eq!(value.result, serde_json::json!(21.5));
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].starts_with(&format!("GET /v1/devices/{DEVICE}/temp HTTP/1.1")));
    assert!(
        requests[0]
            .to_lowercase()
            .contains("authorization: bearer 254406f79c1999af65a7df4388971354f85cfee9")
    );
}

#[tokio::test]
async fn a_function_call_is_never_repeated_once_sent() {
    let fake = Fake::start(vec![reply("503 Service Unavailable", "", "")]).await;
    let err = client(&fake.base)
        .call_function(&token(), Some(7), DEVICE, "reboot", "now")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Unavailable {
            status: 503,
            retry_after_secs: None
        }
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].starts_with(&format!(
        "POST /v1/products/7/devices/{DEVICE}/reboot HTTP/1.1"
    )));
    assert!(requests[0].ends_with("arg=now"));
}

#[tokio::test]
async fn a_function_result_is_decoded() {
    let fake = Fake::start(vec![reply(
        "200 OK",
        "",
        r#"{"id":"0123456789abcdef01234567","name":"gongbot","connected":true,"return_value":42}"#,
    )])
    .await;
    let result = client(&fake.base)
        .call_function(&token(), None, &DEVICE.to_uppercase(), "ring", "")
        .await
        .unwrap();
    assert_eq!(
        result,
        FunctionResult {
            return_value: 42,
            connected: true
        }
    );
    // Upper-case ids are sent lower-cased.
    assert!(fake.requests()[0].contains(DEVICE));
}

#[tokio::test]
async fn rate_limited_reads_give_up_after_max_retries() {
    let fake = Fake::start(vec![reply(
        "429 Too Many Requests",
        "Retry-After: 0\r\n",
        "",
    )])
    .await;
    let err = client(&fake.base)
        .get_device(&token(), Some(7), DEVICE)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::RateLimited {
            retry_after_secs: Some(0)
        }
    );
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let fake = Fake::start(vec![reply(
        "429 Too Many Requests",
        "Retry-After: 3600\r\n",
        "",
    )])
    .await;
    let err = client(&fake.base)
        .get_device(&token(), None, DEVICE)
        .await
        .unwrap_err();
    assert_eq!(err.retry_after_secs(), Some(3600));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_truncated_body_is_a_transport_error() {
    let truncated = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: 100\r\nConnection: close\r\n\r\n{\"name\":\"te";
    let fake = Fake::start(vec![truncated.to_owned()]).await;
    let err = client(&fake.base)
        .get_variable(&token(), None, DEVICE, "temp")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    // Idempotent, so it was retried.
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_without_the_url() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .call_function(&token(), None, DEVICE, "f", "secret-arg")
        .await
        .unwrap_err();
    let Error::Transport(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.starts_with("connection failed"), "{message}");
    assert!(
        !message.contains("secret-arg") && !message.contains(DEVICE),
        "{message}"
    );
}

#[tokio::test]
async fn a_customer_token_is_minted_with_a_lower_cased_scope() {
    // Arrange
    let fake = Fake::start(vec![reply(
        "200 OK",
        "",
        r#"{"token_type":"bearer","access_token":"abc","expires_in":7776000,"scope":"customer=jane@example.com"}"#,
    )])
    .await;
    let clock = ManualClock::new();
    let oauth = OAuthClient {
        client_id: "fleet-2146".into(),
        client_secret: SecretString::from("s3cr3t"),
    };
    // Act
    let token = client(&fake.base)
        .with_clock(clock.clone())
        .mint_customer_token(&oauth, "Jane@Example.com")
        .await
        .unwrap();
    // Assert
    assert_eq!(token.access_token.expose_secret(), "abc");
    assert_eq!(
        token.expires_at,
        Some(clock.now() + chrono::Duration::seconds(7_776_000))
    );
    let request = &fake.requests()[0];
    assert!(request.starts_with("POST /oauth/token HTTP/1.1"));
    assert!(request.contains("application/x-www-form-urlencoded"));
    for field in [
        "grant_type=client_credentials",
        "client_id=fleet-2146",
        "client_secret=s3cr3t",
        "scope=customer%3Djane%40example.com",
    ] {
        assert!(request.contains(field), "{field} in {request}");
    }
}

#[tokio::test]
async fn a_token_without_expires_in_never_expires() {
    let fake = Fake::start(vec![reply(
        "200 OK",
        "",
        r#"{"access_token":"abc","expires_in":0}"#,
    )])
    .await;
    let oauth = OAuthClient {
        client_id: "c".into(),
        client_secret: SecretString::from("s"),
    };
    let token = client(&fake.base).mint_product_token(&oauth).await.unwrap();
    assert_eq!(token.expires_at, None);
    assert!(!fake.requests()[0].contains("scope="));
}

#[tokio::test]
async fn an_existing_customer_is_recognisable() {
    let fake = Fake::start(vec![reply(
        "400 Bad Request",
        "",
        r#"{"ok":false,"error":"Customer already exists"}"#,
    )])
    .await;
    let oauth = OAuthClient {
        client_id: "c".into(),
        client_secret: SecretString::from("s"),
    };
    let err = client(&fake.base)
        .create_customer(&oauth, 7, "Jane")
        .await
        .unwrap_err();
    assert!(err.is_customer_exists(), "{err:?}");
    let request = &fake.requests()[0];
    assert!(request.starts_with("POST /v1/products/7/customers HTTP/1.1"));
    assert!(request.contains("email=jane") && request.contains("no_password=true"));
}

#[tokio::test]
async fn names_stay_inside_one_path_segment() {
    let fake = Fake::start(vec![reply("404 Not Found", "", "{}")]).await;
    let client = client(&fake.base);
    let _ = client
        .get_variable(&token(), None, DEVICE, "a/../b?c")
        .await;
    assert!(
        fake.requests()[0].starts_with(&format!("GET /v1/devices/{DEVICE}/a%2F..%2Fb%3Fc ")),
        "{}",
        fake.requests()[0]
    );
    for name in ["", ".", ".."] {
        let err = client.get_variable(&token(), None, DEVICE, name).await;
        assert!(matches!(err, Err(Error::BadRequest { .. })), "{name:?}");
    }
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_device_page_is_decoded_leniently() {
    let fake = Fake::start(vec![reply(
        "200 OK",
        "",
        r#"{"devices":[{"id":"0123456789abcdef01234567","name":"a","online":true,"functions":null,"variables":null,"last_heard":"2024-05-13T10:55:40.306Z","product_id":7},{"id":"0123456789abcdef01234568","connected":false,"variables":{"t":"double"},"last_heard":"garbage"}],"customers":[{"id":"c1","username":"jane"}],"meta":{"total_pages":4}}"#,
    )])
    .await;
    let page = client(&fake.base)
        .list_product_devices(&token(), 7, 2, 50)
        .await
        .unwrap();
    assert_eq!(page.total_pages, 4);
    assert_eq!(page.devices.len(), 2);
    assert!(page.devices[0].online && page.devices[0].functions.is_empty());
    assert!(page.devices[0].last_heard.is_some());
    assert_eq!(page.devices[1].variables["t"], "double");
    assert_eq!(page.devices[1].last_heard, None);
    assert_eq!(page.customers[0].username.as_deref(), Some("jane"));
    assert!(fake.requests()[0].starts_with("GET /v1/products/7/devices?page=2&perPage=50 "));
}

#[tokio::test]
async fn an_expired_token_is_reported_without_the_token() {
    let fake = Fake::start(vec![reply(
        "401 Unauthorized",
        "",
        r#"{"error":"invalid_token","error_description":"The access token provided has expired."}"#,
    )])
    .await;
    let err = client(&fake.base)
        .unclaim(&token(), DEVICE)
        .await
        .unwrap_err();
    assert_eq!(err, Error::TokenExpired);
    // 401 is not transient: no retry.
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_base_url_must_be_http() {
    for base in ["ftp://x", "not a url", "mailto:a@b"] {
        assert!(matches!(
            ParticleClient::new(base, &settings()),
            Err(Error::Transport(_))
        ));
    }
    let with_prefix = client("http://127.0.0.1:1/particle/");
    assert_eq!(
        with_prefix.url(&["v1", "devices"]).unwrap().as_str(),
        "http://127.0.0.1:1/particle/v1/devices"
    );
}
