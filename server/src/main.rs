use std::process::ExitCode;

// Many small allocations per request (headers, JSON, audit rows): mimalloc serves more device
// calls per second than glibc's malloc (README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match fleetwarden_server::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line naming what went wrong, never a panic or a backtrace.
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, skipping a cause whose text its parent already
/// repeats (sqlx and sea-orm both print their source inside their own message).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line.replace('\n', " ")
}
