//! Pressure and flow over the last hour, day or week, from the device's stored history; in
//! the hour view, live readings join the chart as they arrive.
use chrono::{DateTime, TimeDelta, Utc};
use fleetwarden_wire::history::{HistoryQuery, Interval};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::current::TELEMETRY;
use crate::api::{self, ApiError};
use crate::components::history_chart::{HistoryChart, Point, add_reading, points};
use crate::format::now;

/// The span a chart covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Hour,
    Day,
    Week,
}

impl Period {
    const ALL: [Period; 3] = [Period::Hour, Period::Day, Period::Week];

    /// Span, interval, and the interval in milliseconds: 60, 288 and 168 points at most.
    fn sizes(self) -> (TimeDelta, Interval, i64) {
        match self {
            Self::Hour => (TimeDelta::hours(1), Interval::Minute, 60_000),
            Self::Day => (TimeDelta::days(1), Interval::FiveMinutes, 300_000),
            Self::Week => (TimeDelta::weeks(1), Interval::Hour, 3_600_000),
        }
    }

    fn button(self) -> &'static str {
        match self {
            Self::Hour => "Last hour",
            Self::Day => "Last day",
            Self::Week => "Last week",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Hour => "the last hour",
            Self::Day => "the last day",
            Self::Week => "the last week",
        }
    }

    fn start(self) -> &'static str {
        match self {
            Self::Hour => "1 hour ago",
            Self::Day => "24 hours ago",
            Self::Week => "7 days ago",
        }
    }
}

/// What the charts show: a window (ms) and, per telemetry name, its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    period: Period,
    from: i64,
    until: i64,
    every: i64,
    series: Vec<Vec<Point>>,
}

/// The charts' state, shared with the page's live stream.
pub type ChartState = RwSignal<Option<Result<Drawn, ApiError>>>;

/// A live reading of `name`, added to the hour view, whose window slides to keep it in.
pub fn live_reading(charts: ChartState, name: &str, at: DateTime<Utc>, value: i64) {
    let Some(index) = TELEMETRY.iter().position(|t| t.0 == name) else {
        return;
    };
    charts.update(|c| {
        if let Some(Ok(drawn)) = c
            && drawn.period == Period::Hour
        {
            let at = at.timestamp_millis();
            if at >= drawn.until {
                let by = at + 1 - drawn.until;
                drawn.from += by;
                drawn.until += by;
            }
            if let Some(series) = drawn.series.get_mut(index) {
                add_reading(series, at, value, drawn.every);
            }
        }
    });
}

async fn load(id: String, period: Period) -> Result<Drawn, ApiError> {
    let (span, interval, every) = period.sizes();
    // Whole intervals, so the first bucket isn't a sliver; until the end of the current one.
    let end = now().timestamp_millis();
    let until = end - end.rem_euclid(every) + every;
    let until_time = DateTime::from_timestamp_millis(until).unwrap_or_default();
    let from_time = until_time - span;
    let query = HistoryQuery {
        from: Some(from_time),
        until: Some(until_time),
        names: Some(TELEMETRY.map(|t| t.0).join(",")),
        interval,
    };
    let buckets = api::history::buckets(&id, &query).await?;
    Ok(Drawn {
        period,
        from: from_time.timestamp_millis(),
        until,
        every,
        series: TELEMETRY.iter().map(|t| points(&buckets, t.0)).collect(),
    })
}

/// The period switch and a chart per telemetry name.
#[component]
pub fn Charts(id: String, charts: ChartState) -> impl IntoView {
    let period = RwSignal::new(Period::Hour);
    Effect::new(move |_| {
        let chosen = period.get();
        let id = id.clone();
        spawn_local(async move {
            let loaded = load(id, chosen).await;
            // A slower answer for a period no longer chosen is dropped.
            if period.try_get_untracked() == Some(chosen) {
                charts.try_set(Some(loaded));
            }
        });
    });
    view! {
        <div class="period" role="group" aria-label="Chart period">
            {Period::ALL.into_iter().map(|p| view! {
                <button type="button"
                    aria-pressed=move || if period.get() == p { "true" } else { "false" }
                    on:click=move |_| period.set(p)>
                    {p.button()}
                </button>
            }).collect_view()}
        </div>
        {move || charts.with(|c| match c {
            None => view! { <p class="muted" role="status">"Loading history…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e.words()}</p> }.into_any(),
            Some(Ok(drawn)) => view! { <div class="charts">{TELEMETRY.iter().zip(&drawn.series).map(|(t, series)| {
                let (name, title, unit) = *t;
                view! {
                    <figure class="chart" data-name=name>
                        <figcaption>{format!("{title} ({unit})")}</figcaption>
                        <HistoryChart title unit period=drawn.period.words()
                            start=drawn.period.start() points=series.clone()
                            from=drawn.from until=drawn.until every=drawn.every/>
                    </figure>
                }
            }).collect_view()}</div> }.into_any(),
        })}
    }
}
