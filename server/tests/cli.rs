//! The `fleetwarden` binary as an operator meets it: zero-configuration start, clear one-line
//! errors for bad settings, graceful stop on SIGTERM, `create-admin`, `migrate`.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod support;

use support::{fleetwarden, listening_port};

fn with_stdin(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn assert_one_clear_line(output: &Output, must_name: &str) -> String {
    assert!(!output.status.success(), "exit status {:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert_eq!(
        stderr.lines().count(),
        1,
        "exactly one line, got:\n{stderr}"
    );
    assert!(stderr.contains(must_name), "names {must_name}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    stderr
}

#[test]
fn a_port_that_is_not_a_number_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();

    let output = fleetwarden(dir.path())
        .env("FW_HTTP__PORT", "abc")
        .output()
        .unwrap();

    assert_one_clear_line(&output, "FW_HTTP__PORT");
}

#[test]
fn an_unreachable_database_is_one_clear_line_without_the_password() {
    let dir = tempfile::tempdir().unwrap();

    let output = fleetwarden(dir.path())
        .env("FW_DATABASE__URL", "postgres://fw:s3cr3t-pw@127.0.0.1:1/fw")
        .env("FW_DATABASE__CONNECT_TIMEOUT_SECS", "2")
        .output()
        .unwrap();

    let line = assert_one_clear_line(&output, "FW_DATABASE__URL");
    assert!(!line.contains("s3cr3t-pw"), "{line}");
}

#[tokio::test]
async fn zero_configuration_serves_ready_and_stops_cleanly_on_sigterm() {
    // Arrange: an empty folder, as on a fresh clone (port 0 so tests can run side by side).
    let dir = tempfile::tempdir().unwrap();
    let mut child = fleetwarden(dir.path())
        .arg("serve")
        .env("FW_HTTP__PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before_listening = Vec::new();
    let port: u16 = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            let port = listening_port(&l);
            before_listening.push(l);
            port
        })
        .expect("the server logs the port it listens on");

    // Act
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let ready = client
        .get(format!("http://127.0.0.1:{port}/health/ready"))
        .send()
        .await
        .unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();

    // Assert
    assert_eq!(ready.status(), 200);
    assert!(
        dir.path().join("data/fleetwarden.db").is_file(),
        "the default SQLite file"
    );
    assert!(killed.success());
    assert!(status.success(), "SIGTERM is a clean stop, got {status:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    // A first start says what it applied in one line, not two per migration.
    let log = before_listening.join("\n");
    assert!(log.contains("database migrations applied"), "{log}");
    assert!(!log.contains("Applying migration"), "{log}");
    // Stdout tells a new user whom to sign in as, and where.
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert!(stdout.contains("admin@customercoa.example"), "{stdout}");
    assert!(
        stdout.contains(&format!("Dashboard: http://127.0.0.1:{port}/")),
        "{stdout}"
    );
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_refuses_weak_ones_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let create = |email: &str, password: &str| {
        let mut cmd = fleetwarden(dir.path());
        cmd.args(["create-admin", "--email", email]);
        with_stdin(cmd, &format!("{password}\n"))
    };

    let weak = create("ada@example.com", "password");
    let created = create("Ada@Example.com", "correct horse battery staple");
    let duplicate = create("ADA@example.COM", "another long passphrase");

    assert_one_clear_line(&weak, "at least 12 characters");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(
        String::from_utf8_lossy(&created.stdout).contains("created platform admin Ada@Example.com")
    );
    assert_one_clear_line(&duplicate, "already exists");
}

#[test]
fn migrate_applies_everything_and_status_says_so() {
    let dir = tempfile::tempdir().unwrap();

    let up = fleetwarden(dir.path()).arg("migrate").output().unwrap();
    let status = fleetwarden(dir.path())
        .args(["migrate", "status"])
        .output()
        .unwrap();

    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let listing = String::from_utf8_lossy(&status.stdout);
    assert!(listing.lines().count() >= 20, "{listing}");
    assert!(
        listing.lines().all(|l| l.starts_with("applied")),
        "{listing}"
    );
    // `migrate` says how many it applied: all of them, on a fresh database.
    let said = String::from_utf8_lossy(&up.stdout);
    assert!(
        said.contains(&format!(
            "applied {} migration(s); database is up to date",
            listing.lines().count()
        )),
        "{said}"
    );
}

#[test]
fn config_example_prints_the_commented_defaults() {
    let dir = tempfile::tempdir().unwrap();

    let output = fleetwarden(dir.path())
        .args(["config", "example"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("[database]") && text.contains("FW_HTTP__PORT"),
        "{text}"
    );
}

#[test]
fn the_readme_documents_every_setting_of_the_example_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("server/config.example.toml")).unwrap();
    let mut section = String::new();
    let mut checked = 0;
    for line in example.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_uppercase().replace('.', "__");
        } else if let Some((key, _)) = line.split_once(" = ").filter(|_| !line.starts_with('#')) {
            let var = format!("FW_{section}__{}", key.trim().to_uppercase());
            assert!(readme.contains(&format!("`{var}`")), "README lacks {var}");
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} settings found in the example");
}

#[tokio::test]
async fn an_admin_created_while_the_server_runs_sees_every_device_at_once() {
    // Arrange: the embedded default serving the demo fleet from this folder.
    let dir = tempfile::tempdir().unwrap();
    let mut server = fleetwarden(dir.path())
        .arg("serve")
        .env("FW_HTTP__PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let port: u16 = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.contains("fleetwarden listening")
                .then(|| {
                    l.split("port=")
                        .nth(1)?
                        .split_whitespace()
                        .next()?
                        .parse()
                        .ok()
                })
                .flatten()
        })
        .expect("the server logs the port it listens on");
    // Keep reading its log so it never blocks on a full pipe.
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));

    // Act: the command line writes the admin into the same database.
    let mut cmd = fleetwarden(dir.path());
    cmd.args(["create-admin", "--email", "night.ops@example.com"]);
    let created = with_stdin(cmd, "a long enough passphrase\n");
    let client = reqwest::Client::builder()
        .no_proxy()
        .cookie_store(true)
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let login = client
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({
            "email": "night.ops@example.com",
            "password": "a long enough passphrase",
        }))
        .send()
        .await
        .unwrap();
    let devices: serde_json::Value = client
        .get(format!("{base}/devices?per_page=200"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();

    // Assert: the running server's index learnt of the new platform admin from the log.
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_eq!(login.status(), 200);
    assert_eq!(
        devices["items"].as_array().map(Vec::len),
        Some(40),
        "{devices}"
    );
}
