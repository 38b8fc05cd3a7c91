//! A month's seats per day as a small inline SVG: a bar a day, and a dashed line at the seats
//! the plan includes (bars above it are drawn as billed extra). No chart library: a few rects.
use fleetwarden_wire::billing::DaySeats;
use leptos::prelude::*;

// Whole pixels: integer coordinates keep float formatting out of the wasm.
const BAR: u32 = 16;
const LEFT: u32 = 28;
const TOP: u32 = 8;
const PLOT: u32 = 110;

/// The chart; `included` draws the plan's line.
#[component]
pub fn SeatChart(daily: Vec<DaySeats>, included: Option<u32>) -> impl IntoView {
    let most = daily.iter().map(|d| d.seats).max().unwrap_or(0);
    let top = most.max(included.unwrap_or(0)).max(1);
    let y = move |seats: u32| TOP + PLOT - seats.min(top) * PLOT / top;
    let days = u32::try_from(daily.len()).unwrap_or(31);
    let width = LEFT + BAR * days + 4;
    let base = TOP + PLOT;
    let label = format!(
        "Seats per day: at most {most}{}",
        included.map_or_else(String::new, |i| format!(", {i} included"))
    );
    let bars = daily
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = LEFT + BAR * u32::try_from(i).unwrap_or(0);
            let over = included.is_some_and(|inc| d.seats > inc);
            let day = i + 1;
            let tick = (day == 1 || day % 5 == 0).then(|| {
                view! {
                    <text x=x + BAR / 2 y=base + 14 class="tick" text-anchor="middle">
                        {day.to_string()}
                    </text>
                }
            });
            view! {
                <rect x=x + 2 y=y(d.seats) width=BAR - 4 height=base - y(d.seats)
                    class=if over { "bar over" } else { "bar" }
                    data-date=d.date.to_string() data-seats=d.seats.to_string()/>
                {tick}
            }
        })
        .collect_view();
    let line = included.map(|inc| {
        view! {
            <line x1=LEFT x2=width y1=y(inc) y2=y(inc) class="included-line"/>
            <text x=LEFT - 4 y=y(inc) + 4 class="tick" text-anchor="end">{inc.to_string()}</text>
        }
    });
    view! {
        <svg class="seat-chart" role="img" aria-label=label data-testid="seat-chart"
            viewBox=format!("0 0 {width} {}", base + 20)>
            <line x1=LEFT x2=width y1=base y2=base class="axis"/>
            <text x=LEFT - 4 y=base + 4 class="tick" text-anchor="end">"0"</text>
            {(included != Some(top)).then(|| view! {
                <text x=LEFT - 4 y=TOP + 8 class="tick" text-anchor="end">{top.to_string()}</text>
            })}
            {bars}
            {line}
        </svg>
    }
}
