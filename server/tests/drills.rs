//! Fault drills on the real binary under load: killed with SIGKILL, or stopped with SIGTERM,
//! in the middle of device calls, then started again on the same database. Every call that
//! was answered must have its audit record, and the server must come back as it was.
//!
//! On SQLite by default; with `FW_TEST_DATABASE_URL`, on a fresh PostgreSQL database there.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

mod support;

use support::{fleetwarden, listening_port};

/// Calls in flight during the drill.
const CALLERS: usize = 32;
/// Answered calls before the signal.
const ANSWERED_BEFORE_SIGNAL: usize = 300;

struct Server {
    child: Child,
    port: u16,
    /// The demo people's passwords, printed on the first start only.
    logins: Vec<(String, String)>,
}

fn start(dir: &Path, database_url: Option<&str>) -> Server {
    let mut cmd = fleetwarden(dir);
    if let Some(url) = database_url {
        cmd.env("FW_DATABASE__URL", url);
    }
    let mut child = cmd
        .args(["serve"])
        .env("FW_HTTP__PORT", "0")
        .env("FW_HTTP__SHUTDOWN_TIMEOUT_SECS", "10")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let port: u16 = stderr
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| listening_port(&l))
        .expect("the server logs the port it listens on");
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.map_while(Result::ok) {});
    let mut logins = Vec::new();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = stdout.lines().map_while(Result::ok);
    for line in lines.by_ref() {
        if line.starts_with("Dashboard:") {
            break;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 2 && words[0].contains('@') {
            logins.push((words[0].to_owned(), words[1].to_owned()));
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        port,
        logins,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn sign_in(port: u16, email: &str, password: &str) -> String {
    let login: Value = client()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("signed in").to_owned()
}

async fn get_json(port: u16, path: &str, token: &str) -> Value {
    client()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A fresh PostgreSQL database when the suite runs there.
async fn database() -> Option<String> {
    let admin_url = std::env::var("FW_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("fw_drill_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE \"{name}\""),
        ))
        .await
        .unwrap();
    let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let base = &base[..base.rfind('/').unwrap_or(base.len())];
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Some(format!("{base}/{name}{query}"))
}

async fn drop_database(url: &str) {
    let Ok(admin_url) = std::env::var("FW_TEST_DATABASE_URL") else {
        return;
    };
    let name = url.rsplit('/').next().unwrap_or_default();
    let name = name.split('?').next().unwrap_or_default();
    let admin = Database::connect(&admin_url).await.unwrap();
    let _ = admin
        .execute_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        ))
        .await;
}

/// Loads the server with setPressure calls, each with its own argument, and sends `signal` once
/// enough are answered; returns the arguments of every call answered 200.
async fn calls_until(server: &Server, signal: &str) -> HashSet<String> {
    let (tech, password) = server
        .logins
        .iter()
        .find(|(email, _)| email.starts_with("boston.tech@"))
        .expect("the demo technician is printed")
        .clone();
    let token = sign_in(server.port, &tech, &password).await;
    let devices = get_json(server.port, "/api/v1/devices", &token).await;
    let pumps: Vec<String> = devices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!pumps.is_empty());
    let answered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for caller in 0..CALLERS {
        let (answered, stop, token) = (answered.clone(), stop.clone(), token.clone());
        let url = format!(
            "http://127.0.0.1:{}/api/v1/devices/{}/functions/setPressure",
            server.port,
            pumps[caller % pumps.len()]
        );
        callers.push(tokio::spawn(async move {
            let client = client();
            let mut ok = Vec::new();
            for n in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                // Unique per call, and a pressure the pump accepts.
                let arg = format!("{}.{caller:03}{n:06}", caller % 9 + 1);
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "arg": arg }))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => {
                        ok.push(arg);
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(_) => {}
                    // The server is gone (killed or stopped): this caller is done.
                    Err(_) => break,
                }
            }
            ok
        }));
    }
    while answered.load(Ordering::Relaxed) < ANSWERED_BEFORE_SIGNAL {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let sent = Command::new("kill")
        .args([signal, &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut all = HashSet::new();
    for caller in callers {
        all.extend(caller.await.unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    all
}

/// Every function call's argument in the tenant's audit log, read as its admin.
async fn audited_args(port: u16, admin: &(String, String)) -> HashSet<String> {
    let token = sign_in(port, &admin.0, &admin.1).await;
    let tenants = get_json(port, "/api/v1/tenants", &token).await;
    let tenant = tenants[0]["id"].as_str().unwrap().to_owned();
    let mut args = HashSet::new();
    for page in 1.. {
        let path = format!(
            "/api/v1/tenants/{tenant}/audit?action=device.function_call&per_page=200&page={page}"
        );
        let got = get_json(port, &path, &token).await;
        let items = got["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        args.extend(
            items
                .iter()
                .filter_map(|r| r["after"]["arg"].as_str().map(str::to_owned)),
        );
    }
    args
}

async fn drill(signal: &str) {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let url = database().await;
    let mut first = start(dir.path(), url.as_deref());
    let admin = first
        .logins
        .iter()
        .find(|(email, _)| email.starts_with("admin@"))
        .expect("the demo tenant admin is printed")
        .clone();

    // Act
    let answered = calls_until(&first, signal).await;
    let status = first.child.wait().unwrap();
    let mut second = start(dir.path(), url.as_deref());
    let audited = audited_args(second.port, &admin).await;
    let _ = second.child.kill();
    let _ = second.child.wait();
    if let Some(url) = &url {
        drop_database(url).await;
    }

    // Assert
    if signal == "-TERM" {
        assert!(status.success(), "SIGTERM is a clean stop, got {status:?}");
    }
    assert!(
        answered.len() >= ANSWERED_BEFORE_SIGNAL,
        "{}",
        answered.len()
    );
    let missing: Vec<&String> = answered.difference(&audited).collect();
    assert!(
        missing.is_empty(),
        "{} of {} answered calls have no audit record, e.g. {:?}",
        missing.len(),
        answered.len(),
        missing.iter().take(5).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_under_load_every_answered_call_keeps_its_audit_record() {
    drill("-KILL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_with_sigterm_under_load_in_flight_calls_finish_and_none_is_lost() {
    drill("-TERM").await;
}
