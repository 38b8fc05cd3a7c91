//! One telemetry name over a period as a small inline SVG: the mean per interval as a line,
//! the min–max range as a band behind it. Values are kept in thousandths (integers) and drawn
//! at whole pixels, as the seat chart does: float formatting would add kilobytes to the wasm.
use fleetwarden_wire::history::HistoryBucket;
use leptos::prelude::*;

use crate::format::thousandths;

const WIDTH: i64 = 560;
const LEFT: i64 = 44;
const RIGHT: i64 = 8;
const TOP: i64 = 8;
const PLOT: i64 = 120;

/// One interval of one name, in thousandths of the unit and milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub at: i64,
    pub min: i64,
    pub max: i64,
    pub avg: i64,
    pub count: i64,
}

/// A published number in thousandths, rounded half away from zero.
pub fn milli(value: f64) -> i64 {
    let scaled = value * 1000.0;
    // A truncating cast after the half: `f64::round` would pull in a libm routine.
    (if scaled < 0.0 {
        scaled - 0.5
    } else {
        scaled + 0.5
    }) as i64
}

/// The buckets of `name`, oldest first (as the server orders them).
pub fn points(buckets: &[HistoryBucket], name: &str) -> Vec<Point> {
    buckets
        .iter()
        .filter(|b| b.name == name)
        .map(|b| Point {
            at: b.start.timestamp_millis(),
            min: milli(b.min),
            max: milli(b.max),
            avg: milli(b.avg),
            count: b.count,
        })
        .collect()
}

/// A live reading (`value` in thousandths at `at` ms) added into its interval (`every` ms),
/// which becomes the last point if it is new.
pub fn add_reading(points: &mut Vec<Point>, at: i64, value: i64, every: i64) {
    let start = at - at.rem_euclid(every);
    if let Some(p) = points.iter_mut().rev().find(|p| p.at == start) {
        p.avg = (p.avg * p.count + value) / (p.count + 1);
        p.count += 1;
        p.min = p.min.min(value);
        p.max = p.max.max(value);
    } else if points.last().is_none_or(|p| p.at < start) {
        points.push(Point {
            at: start,
            min: value,
            max: value,
            avg: value,
            count: 1,
        });
    }
    // Otherwise older than the last interval and not in the history: too late to draw.
}

/// 1, 2, 2.5, 4, 5, 8 or 10 times a power of ten, at least `v`: a top for the axis that
/// reads well.
fn nice_ceiling(v: i64) -> i64 {
    let mut scale = 1;
    loop {
        for step in [10, 20, 25, 40, 50, 80] {
            if step * scale >= v {
                return step * scale;
            }
        }
        scale *= 10;
    }
}

/// The chart of `points` between `from` and `until` (ms), each interval `every` ms wide.
/// `title` names the quantity ("Pressure"), `unit` its unit ("bar"), `period` the span in
/// words ("the last hour"): together they are the chart's accessible name, and its
/// description says the range and latest value in words. `start` labels the left edge.
#[component]
pub fn HistoryChart(
    title: &'static str,
    unit: &'static str,
    period: &'static str,
    start: &'static str,
    points: Vec<Point>,
    from: i64,
    until: i64,
    every: i64,
) -> impl IntoView {
    let shown: Vec<Point> = points
        .into_iter()
        .filter(|p| p.at + every > from && p.at < until)
        .collect();
    let high = nice_ceiling(shown.iter().map(|p| p.max).max().unwrap_or(0).max(1));
    let low = shown.iter().map(|p| p.min).min().unwrap_or(0).min(0);
    let low = if low < 0 { -nice_ceiling(-low) } else { 0 };
    let span = (until - from).max(1);
    let plot_width = WIDTH - LEFT - RIGHT;
    // The middle of each interval, so the newest one doesn't sit past the "now" edge.
    let x = |at: i64| LEFT + ((at + every / 2 - from).clamp(0, span) * plot_width) / span;
    let y = |v: i64| TOP + PLOT - ((v - low).clamp(0, high - low) * PLOT) / (high - low);
    let base = TOP + PLOT;

    // A gap of more than two intervals (device offline, nothing published) breaks the line.
    let mut runs: Vec<Vec<Point>> = Vec::new();
    for p in &shown {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|q| p.at - q.at <= 2 * every) => run.push(*p),
            _ => runs.push(vec![*p]),
        }
    }
    let drawn = runs
        .iter()
        .map(|run| {
            let line: String = run
                .iter()
                .map(|p| format!("{},{} ", x(p.at), y(p.avg)))
                .collect();
            let band: String = run
                .iter()
                .map(|p| (p.at, p.max))
                .chain(run.iter().rev().map(|p| (p.at, p.min)))
                .map(|(at, v)| format!("{},{} ", x(at), y(v)))
                .collect();
            // A lone interval is a dot: a line needs two points to be seen.
            let dot = (run.len() == 1).then(|| {
                view! { <circle cx=x(run[0].at) cy=y(run[0].avg) r=3 class="line-dot"/> }
            });
            view! {
                <polygon points=band class="band"/>
                <polyline points=line class="line"/>
                {dot}
            }
        })
        .collect_view();

    let label = format!("{title} over {period}, in {unit}");
    let description = match (shown.first(), shown.last()) {
        (Some(_), Some(last)) => {
            let least = shown.iter().map(|p| p.min).min().unwrap_or(0);
            let most = shown.iter().map(|p| p.max).max().unwrap_or(0);
            format!(
                "Between {} and {} {unit}; latest mean {} {unit}.",
                thousandths(least),
                thousandths(most),
                thousandths(last.avg)
            )
        }
        _ => format!("Nothing was published in {period}."),
    };
    let empty = shown.is_empty().then(|| {
        view! {
            <text x=LEFT + plot_width / 2 y=TOP + PLOT / 2 class="tick" text-anchor="middle">
                "No readings in this period"
            </text>
        }
    });
    let readings: i64 = shown.iter().map(|p| p.count).sum();
    view! {
        <svg class="history-chart" role="img" aria-label=label viewBox=format!("0 0 {WIDTH} {}", base + 18)
            data-points=shown.len().to_string() data-readings=readings.to_string()>
            <desc>{description}</desc>
            <line x1=LEFT x2=WIDTH - RIGHT y1=base y2=base class="axis"/>
            <line x1=LEFT x2=LEFT y1=TOP y2=base class="axis"/>
            <text x=LEFT - 4 y=TOP + 8 class="tick" text-anchor="end">{thousandths(high)}</text>
            <text x=LEFT - 4 y=base + 4 class="tick" text-anchor="end">{thousandths(low)}</text>
            <text x=LEFT y=base + 14 class="tick">{start}</text>
            <text x=WIDTH - RIGHT y=base + 14 class="tick" text-anchor="end">"now"</text>
            {drawn}
            {empty}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_join_their_interval_or_start_the_next() {
        let mut points = Vec::new();
        add_reading(&mut points, 60_500, 4_000, 60_000);
        add_reading(&mut points, 61_000, 5_000, 60_000);
        add_reading(&mut points, 125_000, 6_000, 60_000);
        add_reading(&mut points, 30_000, 9_000, 60_000);
        assert_eq!(points.len(), 2);
        assert_eq!(
            (points[0].min, points[0].max, points[0].avg),
            (4_000, 5_000, 4_500)
        );
        assert_eq!((points[1].at, points[1].count), (120_000, 1));
    }

    #[test]
    fn numbers_become_thousandths_and_axes_round_up() {
        assert_eq!(milli(4.2), 4_200);
        assert_eq!(milli(-2.5), -2_500);
        assert_eq!(milli(6.4999), 6_500);
        assert_eq!(nice_ceiling(6_630), 8_000);
        assert_eq!(nice_ceiling(24_500), 25_000);
        assert_eq!(nice_ceiling(1), 10);
    }
}
