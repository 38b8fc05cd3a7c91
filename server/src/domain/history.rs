//! Device history: what identifies an event however it reaches us, the number a payload
//! holds, what a status event says, and what the live stream carries.
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The cloud's `spark/status` event: `online` or `offline`.
pub const STATUS_EVENT: &str = "spark/status";

/// What identifies an event: its device, name, publication time (to the millisecond, as the
/// cloud gives it) and payload. Particle's stream carries no id, and the same event may come
/// twice (a repeated webhook delivery, the stream and a webhook both), so the content is the
/// key: 32 hex digits of its SHA-256.
pub fn event_key(
    device: &str,
    name: &str,
    published_at: DateTime<Utc>,
    data: Option<&str>,
) -> String {
    let mut hash = Sha256::new();
    for part in [
        device,
        name,
        &published_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    // `None` and `Some("")` are different payloads.
    match data {
        Some(data) => {
            hash.update([1]);
            hash.update(data.as_bytes());
        }
        None => hash.update([0]),
    }
    hex::encode(&hash.finalize()[..16])
}

/// The payload as a number, when it is one: `"25.34"`, `" 7 "`, or JSON `{"value": 3.2}`.
/// Non-finite numbers are not numbers here (a database can't aggregate them).
pub fn numeric(data: Option<&str>) -> Option<f64> {
    let data = data?.trim();
    let parsed = data.parse::<f64>().ok().or_else(|| {
        let json: serde_json::Value = serde_json::from_str(data).ok()?;
        json.get("value")?.as_f64()
    })?;
    // Rust also parses "inf" and "NaN"; a payload of those is text, not a reading.
    parsed.is_finite().then_some(parsed)
}

/// What a `spark/status` payload says: `Some(true)` online, `Some(false)` offline, `None` for
/// anything else (`auto-update`, …).
pub fn status(data: Option<&str>) -> Option<bool> {
    match data?.trim() {
        "online" => Some(true),
        "offline" => Some(false),
        _ => None,
    }
}

/// What the live stream carries: a device's event as stored, or a change of its connection.
/// Serialised as it travels between instances.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LiveEvent {
    /// The device.
    pub device: String,
    /// Its tenant when it happened.
    pub tenant: uuid::Uuid,
    /// The event name (`spark/status` for connection changes).
    pub name: String,
    /// The payload.
    pub data: Option<String>,
    /// The payload as a number, if it is one.
    pub value: Option<f64>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// For connection changes: connected or not.
    pub online: Option<bool>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
    }

    #[test]
    fn the_same_event_has_one_key_and_any_difference_another() {
        let key = event_key("d1", "pressure", at(1_000), Some("2.5"));
        assert_eq!(key, event_key("d1", "pressure", at(1_000), Some("2.5")));
        assert_eq!(key.len(), 32);
        for other in [
            event_key("d2", "pressure", at(1_000), Some("2.5")),
            event_key("d1", "flow", at(1_000), Some("2.5")),
            event_key("d1", "pressure", at(1_001), Some("2.5")),
            event_key("d1", "pressure", at(1_000), Some("2.50")),
            event_key("d1", "pressure", at(1_000), None),
            event_key("d1", "pressure", at(1_000), Some("")),
        ] {
            assert_ne!(key, other);
        }
        // The separators keep shifted boundaries apart.
        assert_ne!(
            event_key("d1", "ab", at(0), None),
            event_key("d1a", "b", at(0), None)
        );
    }

    #[test]
    fn numbers_are_read_from_plain_and_json_payloads_and_nothing_else() {
        assert_eq!(numeric(Some("25.34")), Some(25.34));
        assert_eq!(numeric(Some(" 7 ")), Some(7.0));
        assert_eq!(
            numeric(Some(r#"{"value": -3.5, "unit": "bar"}"#)),
            Some(-3.5)
        );
        for text in [
            "",
            "on",
            "NaN",
            "inf",
            "-infinity",
            r#"{"v": 1}"#,
            "[1]",
            "1e999",
        ] {
            assert_eq!(numeric(Some(text)), None, "{text}");
        }
        assert_eq!(numeric(None), None);
    }

    #[test]
    fn status_payloads_say_online_offline_or_nothing() {
        assert_eq!(status(Some("online")), Some(true));
        assert_eq!(status(Some("offline")), Some(false));
        assert_eq!(status(Some("auto-update")), None);
        assert_eq!(status(None), None);
    }
}
