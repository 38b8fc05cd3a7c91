//! The live stream of one signed-in person: the events and connection changes of exactly the
//! devices they may read, checked against the access index as each event goes out, so a
//! revoke stops the flow at the next event and a grant starts it without reconnecting.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use fleetwarden_wire::history::LiveMessage;
use futures_util::Stream;
use tokio::sync::RwLock;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use uuid::Uuid;

use crate::access::AccessIndex;
use crate::clock::SharedClock;
use crate::domain::actions::Action;
use crate::domain::history::LiveEvent;

/// Messages for `user`, from `events`, as they come; a receiver that fell behind skips what
/// it missed and says how much in the log.
pub fn messages(
    user: Uuid,
    events: Receiver<LiveEvent>,
    access: Arc<RwLock<AccessIndex>>,
    clock: SharedClock,
) -> impl Stream<Item = LiveMessage> {
    futures_util::stream::unfold(events, move |mut events| {
        let (access, clock) = (access.clone(), clock.clone());
        async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        let now: DateTime<Utc> = clock.now();
                        let may =
                            access
                                .read()
                                .await
                                .may(user, &event.device, Action::DeviceRead, now);
                        if may {
                            return Some((message(event), events));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a live stream fell behind and skipped events");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    })
}

fn message(event: LiveEvent) -> LiveMessage {
    LiveMessage {
        device_id: event.device,
        name: event.name,
        data: event.data,
        value: event.value,
        published_at: event.published_at,
        online: event.online,
    }
}
