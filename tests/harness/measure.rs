//! What benchmarks measure that noise moves little: this process's CPU time.
use std::time::Duration;

/// User plus system CPU time of this process so far (server and client alike, when the server
/// runs in it), from `/proc/self/stat`; zero where that can't be read.
pub fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = stat.rfind(')').and_then(|at| stat.get(at + 2..)) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Linux reports in USER_HZ, 100 on every architecture it runs on.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
