//! Reading a device's history: only for people who may read the device (anyone else gets the
//! 404 of a device that doesn't exist), and only what was stored while the tenant that owns it
//! now owned it: a transferred device's earlier history stays with its earlier owner.
use chrono::{DateTime, TimeDelta, Utc};
use fleetwarden_wire::history::{
    DeviceEventResponse, EventPage, EventQuery, HistoryBucket, HistoryQuery, Interval,
};
use uuid::Uuid;

use crate::domain::actions::Action;
use crate::domain::ids::DeviceId;
use crate::store::device_events::{self, Range};
use crate::tenancy::{Ctx, TenancyError};

/// Names one query may filter on at most.
const MAX_NAMES: usize = 20;

/// Events per page when none is asked for, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1_000;

/// Buckets one answer may hold at most.
const MAX_BUCKETS: i64 = 10_000;

/// Rows a CSV export holds at most.
const MAX_EXPORT: usize = 100_000;

/// What a query reads, checked.
struct Window {
    tenant: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    names: Vec<String>,
}

impl Window {
    fn range<'a>(&'a self, device: &'a DeviceId) -> Range<'a> {
        Range {
            device: device.as_str(),
            tenant: self.tenant,
            from: self.from,
            until: self.until,
            names: &self.names,
        }
    }
}

/// 404 unless the caller may read `device`; its tenant, the range (default: the day before
/// now) and the names asked for.
async fn window(
    ctx: &Ctx<'_>,
    device: &DeviceId,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    names: Option<&str>,
) -> Result<Window, TenancyError> {
    let tenant = {
        let index = ctx.state.access.read().await;
        let readable = index.may(ctx.user(), device.as_str(), Action::DeviceRead, ctx.now());
        index
            .device(device.as_str())
            .filter(|_| readable)
            .map(|d| d.tenant)
            .ok_or(TenancyError::NotFound)?
    };
    let until = until.unwrap_or_else(|| ctx.now());
    let from = from.unwrap_or(until - TimeDelta::days(1));
    if from >= until {
        return Err(TenancyError::invalid("from", "must be before until"));
    }
    let names: Vec<String> = names
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.len() > MAX_NAMES {
        return Err(TenancyError::invalid(
            "names",
            format!("at most {MAX_NAMES} names"),
        ));
    }
    if names.iter().any(|n| n.len() > 64) {
        return Err(TenancyError::invalid(
            "names",
            "an event name is at most 64 bytes",
        ));
    }
    Ok(Window {
        tenant,
        from,
        until,
        names,
    })
}

/// The page marker after `event`: its time and id.
fn marker(event: &entity::device_event::Model) -> String {
    format!(
        "{}~{}",
        event.published_at.timestamp_nanos_opt().unwrap_or_default(),
        event.id
    )
}

fn parse_marker(text: &str) -> Result<(DateTime<Utc>, Uuid), TenancyError> {
    let bad = || TenancyError::invalid("after", "not a page marker from this API");
    let (nanos, id) = text.split_once('~').ok_or_else(bad)?;
    let nanos: i64 = nanos.parse().map_err(|_| bad())?;
    Ok((
        DateTime::from_timestamp_nanos(nanos),
        Uuid::parse_str(id).map_err(|_| bad())?,
    ))
}

fn response(event: entity::device_event::Model) -> DeviceEventResponse {
    DeviceEventResponse {
        name: event.name,
        data: event.data,
        value: event.value,
        published_at: event.published_at,
    }
}

/// A page of the device's events in publication order.
///
/// # Errors
/// 404 for a device the caller may not read; 422 for a bad range, names, limit or marker.
pub async fn events(
    ctx: &Ctx<'_>,
    device: &DeviceId,
    q: &EventQuery,
) -> Result<EventPage, TenancyError> {
    let window = window(ctx, device, q.from, q.until, q.names.as_deref()).await?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(TenancyError::invalid(
            "limit",
            format!("between 1 and {MAX_LIMIT}"),
        ));
    }
    let after = q.after.as_deref().map(parse_marker).transpose()?;
    let mut rows = device_events::page(
        &ctx.state.db,
        &window.range(device),
        after,
        u64::from(limit) + 1,
    )
    .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = more.then(|| rows.last().map(marker)).flatten();
    Ok(EventPage {
        items: rows.into_iter().map(response).collect(),
        next,
    })
}

/// The device's numeric events per interval and name, aggregated by the database.
///
/// # Errors
/// 404 as for [`events`]; 422 for a bad range or names, or more than 10,000 buckets.
pub async fn buckets(
    ctx: &Ctx<'_>,
    device: &DeviceId,
    q: &HistoryQuery,
) -> Result<Vec<HistoryBucket>, TenancyError> {
    let window = window(ctx, device, q.from, q.until, q.names.as_deref()).await?;
    let seconds = match q.interval {
        Interval::Minute => 60,
        Interval::FiveMinutes => 300,
        Interval::Hour => 3_600,
        Interval::Day => 86_400,
    };
    if (window.until - window.from).num_seconds() / seconds > MAX_BUCKETS {
        return Err(TenancyError::invalid(
            "interval",
            format!("more than {MAX_BUCKETS} buckets: choose a wider interval or a shorter range"),
        ));
    }
    let buckets = device_events::buckets(&ctx.state.db, &window.range(device), seconds).await?;
    Ok(buckets
        .into_iter()
        .map(|b| HistoryBucket {
            start: DateTime::from_timestamp(b.start, 0).unwrap_or_default(),
            name: b.name,
            min: b.min,
            max: b.max,
            avg: b.avg,
            count: b.count,
        })
        .collect())
}

/// The device's events as CSV (`published_at,name,data,value`), at most 100,000 rows.
///
/// # Errors
/// As [`events`].
pub async fn export(
    ctx: &Ctx<'_>,
    device: &DeviceId,
    q: &EventQuery,
) -> Result<String, TenancyError> {
    let window = window(ctx, device, q.from, q.until, q.names.as_deref()).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| TenancyError::Internal(e.into());
    out.write_record(["published_at", "name", "data", "value"])
        .map_err(csv_error)?;
    let mut after = None;
    let mut written = 0;
    loop {
        let rows = device_events::page(
            &ctx.state.db,
            &window.range(device),
            after,
            u64::from(MAX_LIMIT),
        )
        .await?;
        let last = rows.last().map(|r| (r.published_at, r.id));
        for row in &rows {
            if written == MAX_EXPORT {
                break;
            }
            out.write_record([
                row.published_at.to_rfc3339(),
                row.name.clone(),
                crate::tenancy::audit_export::defused(row.data.clone().unwrap_or_default()),
                row.value.map(|v| v.to_string()).unwrap_or_default(),
            ])
            .map_err(csv_error)?;
            written += 1;
        }
        if rows.len() < MAX_LIMIT as usize || written == MAX_EXPORT {
            break;
        }
        after = last;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| TenancyError::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| TenancyError::Internal(e.into()))
}
