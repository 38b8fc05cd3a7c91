//! End-to-end: the dashboard in Debian's headless Chromium, driven by playwright-core (npm),
//! against a real server on loopback over the test fleet (`spawn_fleet`). The browser script
//! (`share_revoke.mjs`) does the clicking and asserting; this test starts the server, hands the
//! script the address and logins, and fails with the script's output unless it exits 0.
//!
//! No Chromium (`/usr/bin/chromium`) or node: skipped with a loud message, or a failure when
//! `FW_E2E_REQUIRED=1` (CI sets it). Screenshots of every step go to
//! `<target>/e2e-artifacts/*.png`.
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::spawn_fleet;

const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_shares_a_site_with_technicians_then_revokes_it_in_the_browser() {
    // Arrange
    let Some(node) = browser_tools() else { return };
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).ok();
    let (app, fleet) = spawn_fleet().await;
    let boston_names: Vec<String> = (1..=fleet.boston_devices.len())
        .map(|i| format!("bos-{i}"))
        .collect();
    let env = [
        ("FW_E2E_BASE_URL", app.address.clone()),
        ("FW_E2E_ADMIN_EMAIL", "admin@coa.example".to_owned()),
        ("FW_E2E_TECH_EMAIL", "tech@coa.example".to_owned()),
        ("FW_E2E_PASSWORD", PASSWORD.to_owned()),
        ("FW_E2E_SITE", "ClientX Boston".to_owned()),
        ("FW_E2E_GROUP", "Boston techs".to_owned()),
        ("FW_E2E_SITE_DEVICES", boston_names.join(",")),
        ("FW_E2E_ARTIFACTS", artifacts.display().to_string()),
    ];

    // Act: the browser runs the scenario; the server keeps serving on this runtime meanwhile.
    let started = std::time::Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(node)
            .arg(e2e.join("share_revoke.mjs"))
            .current_dir(&e2e)
            .envs(env)
            .output()
    })
    .await;

    // Assert
    let output = match output {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => panic!("running node failed: {e}"),
        Err(e) => panic!("the browser task failed: {e}"),
    };
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    println!(
        "e2e: {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
    assert!(
        output.status.success(),
        "the browser scenario failed ({}); its output is above, screenshots in {}",
        output.status,
        artifacts.display()
    );
}

/// `node`, with playwright-core installed next to the script; `None` (after saying so loudly)
/// when Chromium or node is missing and the test isn't required.
fn browser_tools() -> Option<&'static str> {
    let required = std::env::var("FW_E2E_REQUIRED").is_ok_and(|v| v == "1");
    let missing = |what: &str| {
        if required {
            panic!("FW_E2E_REQUIRED=1 but {what}");
        }
        eprintln!(
            "\n********************************************************************\n\
             SKIPPED the dashboard's end-to-end test: {what}.\n\
             Install with `apt-get install -y chromium chromium-driver nodejs npm`, or set\n\
             FW_E2E_REQUIRED=1 to make this a failure (CI does).\n\
             ********************************************************************\n"
        );
        None
    };
    if !Path::new(CHROMIUM).exists() {
        return missing(&format!("{CHROMIUM} is missing"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return missing("node is missing");
    }
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    if !e2e.join("node_modules/playwright-core").exists() {
        // Pinned by package-lock.json; once per checkout.
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            return missing("`npm ci` in tests/e2e failed");
        }
    }
    Some("node")
}

/// `<target>/e2e-artifacts`, found from this test binary's path (`<target>/<profile>/deps/…`).
fn artifacts_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("e2e-artifacts")
}
