//! The metrics listener: Prometheus' text format on a port of its own, with every family the
//! README lists carrying real values after a few calls. Parsed as Prometheus reads it.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::collections::BTreeMap;
use std::time::Duration;

use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::spawn_fleet_with;
use serde_json::json;

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

/// One sample: its labels and value.
#[derive(Debug, Clone)]
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Samples by metric name, from the text exposition format (`# HELP`/`# TYPE` lines, then
/// `name{label="value",…} number` lines). Panics on a line that is neither.
fn parse(text: &str) -> BTreeMap<String, Vec<Sample>> {
    let mut out: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "a comment that is neither HELP nor TYPE: {line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|e| panic!("{line}: {e}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            }
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name:?}"
        );
        out.entry(name).or_default().push(Sample { labels, value });
    }
    out
}

/// The sum of `name`'s samples whose labels include all of `with`.
fn total(metrics: &BTreeMap<String, Vec<Sample>>, name: &str, with: &[(&str, &str)]) -> f64 {
    metrics
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in the exposition"))
        .iter()
        .filter(|s| {
            with.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

#[tokio::test]
async fn the_metrics_listener_shows_every_family_with_real_values() {
    // Arrange: metrics on, on a port of their own.
    let (app, fleet) = spawn_fleet_with(|s| {
        s.metrics.enabled = true;
        s.metrics.port = 0;
    })
    .await;
    let port = app.metrics_port.unwrap();
    let scrape = || async move {
        let text = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (parse(&text), text)
    };
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs}, "scope": {"kind": "site", "id": fleet.boston}, "role_id": OPERATOR}),
        )
        .await;
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;
    let pump = &fleet.boston_devices[0];
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;

    // Act: a few calls of every kind, and device events until the ingest has stored some.
    assert_eq!(tech.get("/api/v1/devices").await.status(), 200);
    for arg in ["4.5", "5.5"] {
        let call = tech
            .post(
                &format!("/api/v1/devices/{pump}/functions/setPressure"),
                &json!({ "arg": arg }),
            )
            .await;
        assert_eq!(call.status(), 200);
    }
    assert_eq!(tech.get("/api/v1/no/such/route").await.status(), 404);
    let closed = ops
        .post("/api/v1/billing/periods/2026-11/close", &json!({}))
        .await;
    assert_eq!(closed.status(), 200);
    let mut ingested = false;
    for _ in 0..100 {
        fleet.sim.publish_telemetry();
        if scrape()
            .await
            .0
            .contains_key("fleetwarden_events_ingested_total")
        {
            ingested = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (metrics, text) = scrape().await;
    let on_the_api = app.get("/metrics").await.text().await.unwrap();

    // Assert
    assert!(ingested, "the ingest stored events:\n{text}");
    let requests = "fleetwarden_http_requests_total";
    let devices = [
        ("route", "/api/v1/devices"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert!(total(&metrics, requests, &devices) >= 1.0, "{text}");
    let call = [
        ("route", "/api/v1/devices/{id}/functions/{name}"),
        ("method", "POST"),
        ("status", "200"),
    ];
    assert!(total(&metrics, requests, &call) >= 2.0);
    assert!(
        total(
            &metrics,
            requests,
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0
    );
    let latency = "fleetwarden_http_request_duration_seconds_count";
    assert!(total(&metrics, latency, &[("route", "/api/v1/devices")]) >= 1.0);
    assert!(metrics.contains_key("fleetwarden_http_request_duration_seconds_bucket"));
    let particle = "fleetwarden_particle_requests_total";
    assert!(
        total(
            &metrics,
            particle,
            &[("endpoint", "function"), ("outcome", "ok")]
        ) >= 2.0
    );
    assert!(
        total(
            &metrics,
            "fleetwarden_particle_request_duration_seconds_count",
            &[("endpoint", "function")]
        ) >= 2.0
    );
    let tokens = "fleetwarden_particle_tokens_total";
    assert!(total(&metrics, tokens, &[("result", "minted")]) >= 1.0);
    assert!(total(&metrics, tokens, &[("result", "hit")]) >= 1.0);
    assert!(
        total(
            &metrics,
            "fleetwarden_access_index_entries",
            &[("kind", "devices")]
        ) >= 10.0
    );
    assert!(
        total(
            &metrics,
            "fleetwarden_access_index_entries",
            &[("kind", "grants")]
        ) >= 1.0
    );
    assert_eq!(
        total(&metrics, "fleetwarden_change_log_lag_entries", &[]),
        0.0
    );
    assert!(metrics.contains_key("fleetwarden_audit_queue_depth"));
    assert!(
        total(
            &metrics,
            "fleetwarden_audit_commit_duration_seconds_count",
            &[]
        ) >= 2.0
    );
    assert!(metrics.contains_key("fleetwarden_audit_diverted_total"));
    assert!(total(&metrics, "fleetwarden_events_ingested_total", &[]) >= 1.0);
    assert!(metrics.contains_key("fleetwarden_event_ingest_lag_seconds"));
    assert!(
        total(
            &metrics,
            "fleetwarden_billing_period_closes_total",
            &[("outcome", "ok")]
        ) >= 1.0
    );
    assert!(total(&metrics, "fleetwarden_db_pool_max_connections", &[]) >= 1.0);
    assert!(metrics.contains_key("fleetwarden_db_pool_connections"));
    assert!(text.contains("# HELP fleetwarden_http_requests_total"));
    assert!(
        !on_the_api.contains("fleetwarden_http_requests_total"),
        "not on the API's port"
    );
}
