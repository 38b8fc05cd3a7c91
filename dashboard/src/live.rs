//! The live activity stream (`GET /api/v1/live`): one browser `EventSource` per page that
//! shows it, closed when the page goes. The server sends only the devices I may read, at the
//! moment each message goes out, so nothing is filtered by access here.
use fleetwarden_wire::history::LiveMessage;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

/// The event name a connection change carries (`online` says which way).
pub const STATUS: &str = "spark/status";

/// Where the stream stands, for the page to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Open,
    /// The browser retries by itself (after a dropped connection or a server restart).
    Retrying,
    /// Refused for good (signed out): the browser gives up, and so do we.
    Closed,
}

impl Link {
    pub fn class(self) -> &'static str {
        match self {
            Self::Connecting => "live-state connecting",
            Self::Open => "live-state open",
            Self::Retrying => "live-state retrying",
            Self::Closed => "live-state closed",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting to live updates…",
            Self::Open => "Live",
            Self::Retrying => "Live updates interrupted, reconnecting…",
            Self::Closed => "Live updates stopped. Reload the page to try again.",
        }
    }
}

/// Opens the stream for as long as the current reactive owner (the page) lives, calling
/// `on_message` with each message; the link's state goes to `link`.
pub fn follow(link: RwSignal<Link>, on_message: impl Fn(LiveMessage) + 'static) {
    let Ok(source) = EventSource::new("/api/v1/live") else {
        link.set(Link::Closed);
        return;
    };
    let message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        // A message the server can't have sent (another version's shape) is skipped, not fatal.
        if let Some(text) = event.data().as_string()
            && let Ok(message) = serde_json::from_str::<LiveMessage>(&text)
        {
            on_message(message);
        }
    });
    let opened = Closure::<dyn Fn()>::new(move || {
        link.try_set(Link::Open);
    });
    let failed = {
        let source = source.clone();
        Closure::<dyn Fn()>::new(move || {
            // CLOSED after an error means the browser won't retry (e.g. a 401).
            let state = if source.ready_state() == EventSource::CLOSED {
                Link::Closed
            } else {
                Link::Retrying
            };
            link.try_set(state);
        })
    };
    // Named `device` by the server, so `onmessage` (unnamed events) would never fire.
    let _ = source.add_event_listener_with_callback("device", message.as_ref().unchecked_ref());
    source.set_onopen(Some(opened.as_ref().unchecked_ref()));
    source.set_onerror(Some(failed.as_ref().unchecked_ref()));
    // Kept by the page's owner and dropped with it (a local value: browser objects can't be
    // sent across threads, which `on_cleanup` would ask of them).
    StoredValue::new_local(Open {
        source,
        _message: message,
        _status: [opened, failed],
    });
}

/// An open stream and the callbacks it calls; dropping it closes the stream.
struct Open {
    source: EventSource,
    _message: Closure<dyn Fn(MessageEvent)>,
    _status: [Closure<dyn Fn()>; 2],
}

impl Drop for Open {
    fn drop(&mut self) {
        self.source.close();
    }
}
