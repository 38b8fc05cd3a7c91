//! What the binary's tests share: the command with a clean environment, and the port it says
//! it listens on.
use std::path::Path;
use std::process::Command;

/// `fleetwarden` in `dir`, without the caller's `FW_*` settings or `RUST_LOG`.
pub fn fleetwarden(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetwarden"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("FW_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// The port in the server's "fleetwarden listening … port=N" log line, if this is it.
pub fn listening_port(line: &str) -> Option<u16> {
    if !line.contains("fleetwarden listening") {
        return None;
    }
    line.split("port=")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
