//! Builds the dashboard (dashboard/, Leptos, wasm32) and bundles it into OUT_DIR, so that
//! `cargo run` serves it with no extra step. The server embeds the result (routes/dashboard.rs).
//!
//! The wasm is built by a nested `cargo build` with its own target folder (the outer build
//! holds the lock on ours) and without the variables the outer cargo or clippy set, so that
//! `cargo clippy` of the server doesn't run clippy-driver over the wasm build, and so the nested
//! build's fingerprints stay the same whichever outer command started it.
//! `FW_DASHBOARD_SKIP=1` embeds a page saying the dashboard was not built instead.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    if let Err(err) = run() {
        println!("cargo::error=building the dashboard failed: {err:#}");
        println!("cargo::error=set FW_DASHBOARD_SKIP=1 to build the server without the dashboard");
    }
}

fn run() -> Result<(), String> {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let workspace = manifest
        .parent()
        .ok_or("server/ has no parent folder")?
        .to_path_buf();
    let out = PathBuf::from(env("OUT_DIR")?);
    let dashboard = workspace.join("dashboard");
    for watched in ["src", "Cargo.toml", "index.html", "style.css", "bundle/src"] {
        println!(
            "cargo::rerun-if-changed={}",
            dashboard.join(watched).display()
        );
    }
    println!(
        "cargo::rerun-if-changed={}",
        workspace.join("Cargo.lock").display()
    );
    println!(
        "cargo::rerun-if-changed={}",
        workspace.join("server/wire/src").display()
    );
    println!("cargo::rerun-if-env-changed=FW_DASHBOARD_SKIP");
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_DIR");

    if std::env::var("FW_DASHBOARD_SKIP").is_ok_and(|v| v == "1") {
        println!("cargo::warning=FW_DASHBOARD_SKIP=1: the dashboard is not built");
        return write_placeholder(&out);
    }

    // Under the outer target folder, so `cargo clean` removes it too.
    let target_root = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        None => workspace.join("target"),
    };
    let target_dir = target_root.join("dashboard");
    ensure_wasm_target()?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "-p",
            "fleetwarden-dashboard",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--locked",
            // Components return type-erased views: less wasm and a faster build (README,
            // Dashboard), for a dynamic dispatch per component that nobody can measure.
            "--config",
            r#"target.wasm32-unknown-unknown.rustflags=["--cfg","erase_components"]"#,
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if clears(key) {
            command.env_remove(key);
        }
    }
    let status = command
        .status()
        .map_err(|e| format!("running cargo for the dashboard: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build -p fleetwarden-dashboard --target wasm32-unknown-unknown --profile \
             wasm-release` failed ({status}); its errors are above"
        ));
    }
    let wasm = target_dir.join("wasm32-unknown-unknown/wasm-release/fleetwarden-dashboard.wasm");
    let bundle = fleetwarden_dashboard_bundle::bundle(
        &wasm,
        &dashboard.join("style.css"),
        &dashboard.join("index.html"),
        &out,
    )
    .map_err(|e| format!("{e:#}"))?;
    for asset in &bundle.assets {
        if asset.content_type == "application/wasm" {
            println!(
                "cargo::warning=dashboard wasm: {} bytes, {} gzipped",
                asset.size, asset.gzip_size
            );
        }
    }
    write_manifest(&out, &bundle.build_id, &bundle.assets)
}

/// rust-toolchain.toml names the wasm32 target, but rustup installs a toolchain file's targets
/// only along with the toolchain itself: on a machine that already had stable, a fresh clone's
/// `cargo run` would stop at "can't find crate for `core`". Adds it (once, idempotent).
fn ensure_wasm_target() -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("running rustc --print sysroot: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot
        .join("lib/rustlib/wasm32-unknown-unknown/lib")
        .is_dir()
    {
        return Ok(());
    }
    println!("cargo::warning=installing the wasm32-unknown-unknown target for the dashboard");
    let added = Command::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .status();
    match added {
        Ok(status) if status.success() => Ok(()),
        _ => Err(
            "the wasm32-unknown-unknown target is missing and `rustup target add \
                  wasm32-unknown-unknown` did not add it; run it yourself"
                .into(),
        ),
    }
}

/// What the outer cargo, rustc wrappers and build-script runs set, which must not reach the
/// nested build: wrappers (clippy-driver), flags for the host target, the outer target folder,
/// the jobserver, and the build script's own `CARGO_*`/profile variables.
fn clears(key: &str) -> bool {
    matches!(
        key,
        "RUSTC"
            | "RUSTC_WRAPPER"
            | "RUSTC_WORKSPACE_WRAPPER"
            | "RUSTFLAGS"
            | "RUSTDOCFLAGS"
            | "CARGO_ENCODED_RUSTFLAGS"
            | "CARGO_TARGET_DIR"
            | "CARGO_BUILD_TARGET"
            | "CARGO_BUILD_TARGET_DIR"
            | "CARGO_MAKEFLAGS"
            | "MAKEFLAGS"
            | "MFLAGS"
            | "OUT_DIR"
            | "TARGET"
            | "HOST"
            | "PROFILE"
            | "OPT_LEVEL"
            | "DEBUG"
            | "NUM_JOBS"
            | "RUSTC_LINKER"
            | "CLIPPY_ARGS"
            | "CLIPPY_CONF_DIR"
    ) || key.starts_with("CARGO_CFG_")
        || key.starts_with("CARGO_FEATURE_")
        || key.starts_with("CARGO_PKG_")
        || key.starts_with("CARGO_MANIFEST_")
        || key.starts_with("CARGO_PRIMARY_")
        || key.starts_with("DEP_")
        || (key.starts_with("CARGO_TARGET_") && key.ends_with("_RUSTFLAGS"))
}

fn env(key: &str) -> Result<String, String> {
    std::env::var(key).map_err(|_| format!("{key} is not set"))
}

/// The Rust source the server includes: the index page and every asset, with their gzip
/// copies, as byte strings.
fn write_manifest(
    out: &Path,
    build_id: &str,
    assets: &[fleetwarden_dashboard_bundle::Asset],
) -> Result<(), String> {
    let mut code = String::new();
    code.push_str("/// Whether the dashboard was built (false with FW_DASHBOARD_SKIP=1).\n");
    code.push_str("pub const BUILT: bool = true;\n");
    code.push_str(&format!(
        "/// Changes with every asset: the index page's ETag.\npub const BUILD_ID: &str = {build_id:?};\n"
    ));
    code.push_str(&format!(
        "/// The page every client-side route loads.\npub const INDEX: &[u8] = include_bytes!({:?});\n",
        out.join("index.html")
    ));
    code.push_str("/// (URL path, content type, bytes, gzipped bytes).\n");
    code.push_str("pub const ASSETS: &[(&str, &str, &[u8], &[u8])] = &[\n");
    for a in assets {
        code.push_str(&format!(
            "    ({:?}, {:?}, include_bytes!({:?}), include_bytes!({:?})),\n",
            a.url,
            a.content_type,
            out.join(&a.file),
            out.join(format!("{}.gz", a.file)),
        ));
    }
    code.push_str("];\n");
    std::fs::write(out.join("dashboard_assets.rs"), code)
        .map_err(|e| format!("writing dashboard_assets.rs: {e}"))
}

fn write_placeholder(out: &Path) -> Result<(), String> {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <title>Fleetwarden</title></head><body><h1>Fleetwarden</h1>\
        <p>The dashboard was not built (the server was compiled with FW_DASHBOARD_SKIP=1). \
        The API is at <a href=\"/api/docs\">/api/docs</a>.</p></body></html>\n";
    std::fs::write(out.join("index.html"), page)
        .map_err(|e| format!("writing the placeholder page: {e}"))?;
    let code = format!(
        "/// Whether the dashboard was built (false with FW_DASHBOARD_SKIP=1).\n\
         pub const BUILT: bool = false;\n\
         /// Changes with every asset: the index page's ETag.\n\
         pub const BUILD_ID: &str = \"not-built\";\n\
         /// The page every client-side route loads.\n\
         pub const INDEX: &[u8] = include_bytes!({:?});\n\
         /// (URL path, content type, bytes, gzipped bytes).\n\
         pub const ASSETS: &[(&str, &str, &[u8], &[u8])] = &[];\n",
        out.join("index.html")
    );
    std::fs::write(out.join("dashboard_assets.rs"), code)
        .map_err(|e| format!("writing dashboard_assets.rs: {e}"))
}
