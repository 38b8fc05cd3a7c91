//! Events: what devices and the API publish, who receives them, and the SSE wire format
//! (`:ok`, then `event:`/`data:` frames, a bare newline as keep-alive).
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::{Instant, Sleep};

use super::state::Principal;

/// What Particle sends as `ttl` today (a number; very old streams sent the string `"60"`).
pub(crate) const TTL_SECS: u32 = 60;

/// The longest event name the cloud accepts, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 64;

/// One published event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) name: String,
    pub(crate) data: Option<String>,
    pub(crate) published_at: DateTime<Utc>,
    /// The device id, or `api` for events published through the REST API.
    pub(crate) coreid: String,
    /// The owning customer's id, `""` when unclaimed (product streams only).
    pub(crate) userid: String,
    /// Product firmware version (product streams only; none for API events).
    pub(crate) version: Option<u32>,
    pub(crate) public: bool,
    pub(crate) product_id: i64,
}

#[derive(Serialize)]
struct Data<'a> {
    data: Option<&'a str>,
    ttl: u32,
    published_at: String,
    coreid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    userid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public: Option<bool>,
    #[serde(rename = "productID", skip_serializing_if = "Option::is_none")]
    product_id: Option<i64>,
}

impl Event {
    /// The SSE frame; product streams carry the product fields as well.
    pub(crate) fn frame(&self, product_view: bool) -> Bytes {
        let data = Data {
            data: self.data.as_deref(),
            ttl: TTL_SECS,
            published_at: self
                .published_at
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            coreid: &self.coreid,
            userid: product_view.then_some(self.userid.as_str()),
            version: if product_view { self.version } else { None },
            public: product_view.then_some(self.public),
            product_id: product_view.then_some(self.product_id),
        };
        let json = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
        Bytes::from(format!("event: {}\ndata: {json}\n\n", self.name))
    }
}

/// Which devices a stream follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StreamScope {
    /// `/v1/devices/events`: every device the token may see (and, for product tokens, API events).
    Mine,
    /// `/v1/[products/:pid/]devices/:id/events`.
    Device(String),
    /// `/v1/products/:pid/events`.
    Product,
}

/// An open stream.
#[derive(Debug)]
pub(crate) struct Subscriber {
    pub(crate) tx: UnboundedSender<Bytes>,
    /// The token that opened it: the stream ends when the token expires or is revoked.
    pub(crate) token: String,
    pub(crate) principal: Principal,
    pub(crate) scope: StreamScope,
    pub(crate) prefix: String,
    pub(crate) product_view: bool,
}

/// The response body of an event stream: `:ok`, frames as they come, and a newline after
/// `keepalive` without one. Ends when its sender is dropped (stream closed by the simulator).
pub(crate) struct SseBody {
    preamble: Option<Bytes>,
    rx: UnboundedReceiver<Bytes>,
    keepalive: Option<(Duration, Pin<Box<Sleep>>)>,
}

impl SseBody {
    /// Must be called inside the runtime (the keep-alive timer needs it).
    pub(crate) fn new(rx: UnboundedReceiver<Bytes>, keepalive: Duration) -> Self {
        Self {
            preamble: Some(Bytes::from_static(b":ok\n\n")),
            rx,
            keepalive: (!keepalive.is_zero())
                .then(|| (keepalive, Box::pin(tokio::time::sleep(keepalive)))),
        }
    }
}

impl MessageBody for SseBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if let Some(preamble) = this.preamble.take() {
            return Poll::Ready(Some(Ok(preamble)));
        }
        match this.rx.poll_recv(cx) {
            Poll::Ready(Some(frame)) => {
                // Keep-alives fill idle time only, as in Particle's own server.
                if let Some((every, timer)) = &mut this.keepalive {
                    timer.as_mut().reset(Instant::now() + *every);
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        if let Some((every, timer)) = &mut this.keepalive
            && timer.as_mut().poll(cx).is_ready()
        {
            timer.as_mut().reset(Instant::now() + *every);
            return Poll::Ready(Some(Ok(Bytes::from_static(b"\n"))));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            name: "pump/pressure".to_owned(),
            data: Some("4.5".to_owned()),
            published_at: DateTime::<Utc>::UNIX_EPOCH,
            coreid: "0123456789abcdef01234567".to_owned(),
            userid: String::new(),
            version: Some(3),
            public: false,
            product_id: 30301,
        }
    }

    #[test]
    fn device_frames_carry_only_the_device_fields() {
        let frame = event().frame(false);
        assert_eq!(
            frame,
            Bytes::from_static(
                b"event: pump/pressure\ndata: {\"data\":\"4.5\",\"ttl\":60,\"published_at\":\"1970-01-01T00:00:00.000Z\",\"coreid\":\"0123456789abcdef01234567\"}\n\n"
            )
        );
    }

    #[test]
    fn product_frames_add_owner_version_public_and_product() {
        let frame = event().frame(true);
        assert!(
            String::from_utf8_lossy(&frame).ends_with(
                ",\"userid\":\"\",\"version\":3,\"public\":false,\"productID\":30301}\n\n"
            )
        );
    }
}
