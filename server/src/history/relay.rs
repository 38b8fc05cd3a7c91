//! Live events for every instance's streams, not only the one that took them in. On
//! PostgreSQL each batch is announced with `NOTIFY` inside the transaction that stores it (so
//! only what was committed travels, and in commit order), and every instance listens and
//! passes on what other instances announced; its own it has already passed on. SQLite has one
//! instance, so nothing travels.
use actix_web::web;
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::Heard;
use crate::domain::history::LiveEvent;
use crate::state::AppState;
use crate::store::device_events;

/// PostgreSQL refuses a notification payload of 8,000 bytes or more; a batch travels in
/// notices below this.
const MAX_NOTICE_BYTES: usize = 7_900;

/// What one notification carries (written by [`notices`], an event at a time).
#[derive(Deserialize)]
struct Notice {
    /// The instance that took the events in.
    from: Uuid,
    events: Vec<LiveEvent>,
}

/// Announces `events` to the other instances through `db` (the transaction storing them, or
/// the pool). Nothing on SQLite.
///
/// # Errors
/// Database failures (inside a transaction: nothing is stored either).
pub async fn announce(
    state: &AppState,
    db: &impl ConnectionTrait,
    events: &[LiveEvent],
) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres || events.is_empty() {
        return Ok(());
    }
    for notice in notices(state.instance, events) {
        device_events::announce(db, notice).await?;
    }
    Ok(())
}

/// `events` as notices under [`MAX_NOTICE_BYTES`] each. An event too large to travel alone
/// (a webhook's payload may be) travels without its payload, so the others still see that
/// the device spoke.
fn notices(from: Uuid, events: &[LiveEvent]) -> Vec<String> {
    let head = format!(r#"{{"from":"{from}","events":["#);
    let tail = "]}";
    let mut notices = Vec::new();
    let mut current = head.clone();
    for event in events {
        let mut json = serde_json::to_string(event).unwrap_or_default();
        if head.len() + json.len() + tail.len() > MAX_NOTICE_BYTES {
            let mut slim = event.clone();
            slim.data = None;
            json = serde_json::to_string(&slim).unwrap_or_default();
        }
        let separator = usize::from(current.len() > head.len());
        if current.len() + separator + json.len() + tail.len() > MAX_NOTICE_BYTES {
            current.push_str(tail);
            notices.push(std::mem::replace(&mut current, head.clone()));
        }
        if current.len() > head.len() {
            current.push(',');
        }
        current.push_str(&json);
    }
    if current.len() > head.len() {
        current.push_str(tail);
        notices.push(current);
    }
    notices
}

/// Passes other instances' announcements to this instance's streams, listening again after
/// any loss of its connection (what was announced meanwhile is missed: live is live; the
/// history has it). Nothing on SQLite.
pub fn spawn(state: web::Data<AppState>) {
    if state.settings.database.url.is_sqlite() {
        return;
    }
    let url = state.settings.database.url.expose().to_owned();
    tokio::spawn(crate::db::listen(
        url,
        device_events::LIVE_CHANNEL,
        "live events",
        move |heard| {
            if let Heard::Notification(payload) = heard {
                pass_on(&state, payload);
            }
        },
    ));
}

fn pass_on(state: &AppState, payload: &str) {
    let notice: Notice = match serde_json::from_str(payload) {
        Ok(notice) => notice,
        Err(err) => {
            tracing::warn!(error = %err, "skipped a live notice this version can't read");
            return;
        }
    };
    if notice.from == state.instance {
        return;
    }
    for event in notice.events {
        // No one listening is fine.
        let _ = state.live.send(event);
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use chrono::{TimeZone, Utc};

    use super::*;

    fn event(data: &str) -> LiveEvent {
        LiveEvent {
            device: "e00fce68aaaaaaaaaaaaaaaa".into(),
            tenant: Uuid::nil(),
            name: "pressure".into(),
            data: Some(data.into()),
            value: data.parse().ok(),
            published_at: Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap(),
            online: None,
        }
    }

    fn read(notice: &str) -> Vec<LiveEvent> {
        serde_json::from_str::<Notice>(notice).unwrap().events
    }

    #[test]
    fn a_batch_travels_whole_in_notices_postgresql_accepts() {
        let events: Vec<LiveEvent> = (0..500).map(|i| event(&format!("{i}.5"))).collect();
        let notices = notices(Uuid::from_u128(7), &events);
        assert!(notices.len() > 1, "500 events need several notices");
        assert!(notices.iter().all(|n| n.len() < 8_000));
        let back: Vec<LiveEvent> = notices.iter().flat_map(|n| read(n)).collect();
        assert_eq!(back, events);
    }

    #[test]
    fn an_event_too_large_to_travel_goes_without_its_payload() {
        let big = event(&"x".repeat(10_000));
        let small = event("4.2");
        let notices = notices(Uuid::from_u128(7), &[small.clone(), big.clone()]);
        assert!(notices.iter().all(|n| n.len() < 8_000));
        let back: Vec<LiveEvent> = notices.iter().flat_map(|n| read(n)).collect();
        assert_eq!(back[0], small);
        assert_eq!(back[1].data, None);
        assert_eq!(back[1].device, big.device);
    }

    #[test]
    fn nothing_to_announce_is_no_notice() {
        assert!(notices(Uuid::nil(), &[]).is_empty());
    }
}
