//! A month's seats per day as a small inline SVG: a bar a day, and a dashed line at the seats
//! the plan includes (bars above it are drawn as billed extra). No chart library: a few rects.
use fleetwarden_wire::billing::DaySeats;
use leptos::prelude::*;

const BAR: f64 = 16.0;
const LEFT: f64 = 28.0;
const TOP: f64 = 8.0;
const PLOT: f64 = 110.0;

/// The chart; `included` draws the plan's line.
#[component]
pub fn SeatChart(daily: Vec<DaySeats>, included: Option<u32>) -> impl IntoView {
    let most = daily.iter().map(|d| d.seats).max().unwrap_or(0);
    let top = most.max(included.unwrap_or(0)).max(1);
    let y = move |seats: u32| TOP + PLOT - f64::from(seats) * PLOT / f64::from(top);
    let width = LEFT + BAR * daily.len() as f64 + 4.0;
    let base = TOP + PLOT;
    let label = format!(
        "Seats per day: at most {most}{}",
        included.map_or_else(String::new, |i| format!(", {i} included"))
    );
    let bars = daily
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + BAR * i as f64;
            let over = included.is_some_and(|inc| d.seats > inc);
            let day = i + 1;
            let tick = (day == 1 || day % 5 == 0).then(|| {
                view! {
                    <text x=x + BAR / 2.0 y=base + 14.0 class="tick" text-anchor="middle">
                        {day.to_string()}
                    </text>
                }
            });
            view! {
                <rect x=x + 2.0 y=y(d.seats) width=BAR - 4.0 height=base - y(d.seats)
                    class=if over { "bar over" } else { "bar" }
                    data-date=d.date.to_string() data-seats=d.seats.to_string()/>
                {tick}
            }
        })
        .collect_view();
    let line = included.map(|inc| {
        view! {
            <line x1=LEFT x2=width y1=y(inc) y2=y(inc) class="included-line"/>
            <text x=LEFT - 4.0 y=y(inc) + 4.0 class="tick" text-anchor="end">{inc.to_string()}</text>
        }
    });
    view! {
        <svg class="seat-chart" role="img" aria-label=label data-testid="seat-chart"
            viewBox=format!("0 0 {width} {}", base + 20.0)>
            <line x1=LEFT x2=width y1=base y2=base class="axis"/>
            <text x=LEFT - 4.0 y=base + 4.0 class="tick" text-anchor="end">"0"</text>
            {(included != Some(top)).then(|| view! {
                <text x=LEFT - 4.0 y=TOP + 8.0 class="tick" text-anchor="end">{top.to_string()}</text>
            })}
            {bars}
            {line}
        </svg>
    }
}
