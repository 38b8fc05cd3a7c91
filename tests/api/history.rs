//! Device history and live activity against the simulator over real HTTP: the product's event
//! stream taken in once, a dropped stream reopened with `online` set from the device list,
//! history read raw and in buckets only by who may read the device and only for the tenant
//! that owned it, and the live stream carrying exactly the devices a person may see now.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use eventsource_stream::Eventsource;
use fleetwarden_server::particle::simulator::{Fault, Route};
use fleetwarden_tests::fleet::{Fleet, PASSWORD};
use fleetwarden_tests::{Session, TestApp, spawn_fleet};
use futures_util::StreamExt;
use serde_json::{Value, json};

const VIEWER: &str = "00000000-0000-7000-8000-000000000001";

/// Asks `check` again and again (for up to ten seconds) until it gives a value: for what the
/// ingest does on its own time.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits for the server's consumer to have the product's stream open.
async fn streaming(fleet: &Fleet) {
    eventually("the ingest opens the product's stream", || async {
        (fleet.sim.open_streams() > 0).then_some(())
    })
    .await;
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn events(session: &Session, device: &str, query: &str) -> (u16, Value) {
    let response = session
        .get(&format!("/api/v1/devices/{device}/events?{query}"))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Any time the simulator's clock (real time) may show, whatever the server's test clock says.
const ALL_TIME: &str = "from=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z";

/// The stored events named `name` of `device`, as `session` reads them.
async fn named(session: &Session, device: &str, name: &str) -> Vec<Value> {
    let query = format!("names={name}&limit=1000&{ALL_TIME}");
    let (_, page) = events(session, device, &query).await;
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn grant_boston_to_techs(app: &TestApp, fleet: &Fleet) -> Value {
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let made = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs},
                    "scope": {"kind": "site", "id": fleet.boston}, "role_id": VIEWER}),
        )
        .await;
    assert_eq!(made.status(), 201);
    made.json().await.unwrap()
}

#[tokio::test]
async fn the_product_stream_is_stored_once_and_read_only_by_who_may_read_the_device() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    grant_boston_to_techs(&app, &fleet).await;
    let (tech, admin) = (
        app.sign_in("tech@coa.example", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
    );
    let (boston, chicago) = (&fleet.boston_devices[0], &fleet.chicago_devices[0]);
    streaming(&fleet).await;

    // Act: a round of telemetry, a reading of each pump, and a stranger's event.
    fleet.sim.publish_telemetry();
    fleet.sim.publish(boston, "temperature", Some("21.5"));
    fleet.sim.publish(chicago, "temperature", Some("19.0"));
    fleet
        .sim
        .publish(&fleet.other_device, "temperature", Some("30"));
    let stored = eventually("Boston's and Chicago's readings are stored", || async {
        let b = named(&admin, boston, "temperature").await;
        let c = named(&admin, chicago, "temperature").await;
        (!b.is_empty() && !c.is_empty()).then_some(b)
    })
    .await;

    // Assert
    assert_eq!(stored.len(), 1, "stored once");
    assert_eq!(stored[0]["data"], "21.5");
    assert_eq!(stored[0]["value"], 21.5);
    let pressure = named(&tech, boston, "pressure").await;
    assert_eq!(pressure.len(), 1, "one round of telemetry: {pressure:?}");
    assert!(pressure[0]["value"].is_f64());
    assert_eq!(named(&tech, boston, "temperature").await, stored);
    let (status, body) = events(&tech, chicago, "").await;
    assert_eq!(status, 404, "Chicago's pumps are not the tech's: {body}");
    let (missing, _) = events(&tech, "0123456789abcdef01234567", "").await;
    assert_eq!(missing, 404);
    let device: Value = admin
        .get(&format!("/api/v1/devices/{boston}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(device["online"], true);
    assert!(device["last_heard_at"].is_string());
    let (bad, body) = events(&admin, boston, "limit=0").await;
    assert_eq!(bad, 422, "{body}");
}

#[tokio::test]
async fn after_a_dropped_stream_the_ingest_reopens_it_and_sets_online_from_the_device_list() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let (first, second) = (&fleet.boston_devices[0], &fleet.boston_devices[1]);
    streaming(&fleet).await;
    fleet.sim.publish(first, "count", Some("1"));
    eventually("the first event is stored", || async {
        (named(&admin, first, "count").await.len() == 1).then_some(())
    })
    .await;

    // Act: the stream drops and its first reopening fails; meanwhile a pump goes offline,
    // which nobody hears.
    fleet.sim.set_fault(Fault::OnRoute {
        route: Route::Events,
        fault: Box::new(Fault::ServerError {
            count: 1,
            status: 503,
        }),
    });
    fleet.sim.set_fault(Fault::DropStream);
    assert!(fleet.sim.set_online(second, false));
    let offline = eventually("the gap's offline is reconciled", || async {
        let device: Value = admin
            .get(&format!("/api/v1/devices/{second}"))
            .await
            .json()
            .await
            .unwrap();
        (device["online"] == false).then_some(device)
    })
    .await;
    streaming(&fleet).await;
    fleet.sim.publish(first, "count", Some("2"));
    let counts = eventually("the reopened stream stores again", || async {
        let counts = named(&admin, first, "count").await;
        (counts.len() >= 2).then_some(counts)
    })
    .await;

    // Assert
    assert_eq!(offline["online"], false);
    let data: Vec<&str> = counts.iter().map(|e| e["data"].as_str().unwrap()).collect();
    assert_eq!(data, ["1", "2"], "each event once, nothing replayed twice");
}

#[tokio::test]
async fn history_is_bucketed_by_the_database_and_paged_in_publication_order() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let pump = &fleet.boston_devices[0];
    streaming(&fleet).await;
    let start = fleet.sim.now();
    let mut published = Vec::new();
    for (i, value) in [1.0, 2.0, 6.0, 3.0, 5.0].into_iter().enumerate() {
        if i > 0 {
            fleet.sim.advance_clock(Duration::from_secs(25));
        }
        fleet.sim.publish(pump, "level", Some(&value.to_string()));
        fleet.sim.publish(pump, "note", Some("not a number"));
        published.push((fleet.sim.now(), value));
    }
    eventually("every level is stored", || async {
        (named(&admin, pump, "level").await.len() == 5).then_some(())
    })
    .await;
    let range = format!(
        "from={}&until={}",
        iso(start - chrono::Duration::minutes(1)),
        iso(start + chrono::Duration::minutes(5))
    );

    // Act
    let buckets: Value = admin
        .get(&format!(
            "/api/v1/devices/{pump}/history?interval=1m&names=level,note&{range}"
        ))
        .await
        .json()
        .await
        .unwrap();
    let first: Value = admin
        .get(&format!(
            "/api/v1/devices/{pump}/events?names=level&limit=2&{range}"
        ))
        .await
        .json()
        .await
        .unwrap();
    let rest: Value = admin
        .get(&format!(
            "/api/v1/devices/{pump}/events?names=level&limit=10&after={}&{range}",
            first["next"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let csv = admin
        .get(&format!(
            "/api/v1/devices/{pump}/events/export?names=level&{range}"
        ))
        .await
        .text()
        .await
        .unwrap();

    // Assert: the buckets are the per-minute groups computed here.
    let mut expected: Vec<(i64, f64, f64, i64)> = Vec::new();
    for (at, value) in &published {
        let minute = at.timestamp().div_euclid(60) * 60;
        match expected.last_mut() {
            Some(last) if last.0 == minute => {
                last.1 = last.1.min(*value);
                last.2 = last.2.max(*value);
                last.3 += 1;
            }
            _ => expected.push((minute, *value, *value, 1)),
        }
    }
    let got: Vec<(i64, f64, f64, i64)> = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["name"], "level", "text payloads are not aggregated");
            (
                DateTime::parse_from_rfc3339(b["start"].as_str().unwrap())
                    .unwrap()
                    .timestamp(),
                b["min"].as_f64().unwrap(),
                b["max"].as_f64().unwrap(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let values = |page: &Value| -> Vec<f64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["value"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(values(&first), [1.0, 2.0]);
    assert_eq!(values(&rest), [6.0, 3.0, 5.0]);
    assert!(rest["next"].is_null(), "the last page");
    assert_eq!(csv.lines().next(), Some("published_at,name,data,value"));
    assert_eq!(csv.lines().count(), 6);
    let too_many = admin
        .get(&format!(
            "/api/v1/devices/{pump}/history?interval=1m&from=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(too_many.status(), 422);
}

/// The next `device` message of a live stream.
async fn next_message(
    stream: &mut (
             impl futures_util::Stream<Item = Result<eventsource_stream::Event, impl std::fmt::Debug>>
             + Unpin
         ),
) -> Value {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a live message within ten seconds")
            .expect("the stream stays open")
            .unwrap();
        if event.event == "device" {
            return serde_json::from_str(&event.data).unwrap();
        }
    }
}

#[tokio::test]
async fn the_live_stream_carries_exactly_the_devices_i_may_see_now() {
    // Arrange: the tech sees Boston through the group's grant.
    let (app, fleet) = spawn_fleet().await;
    let grant = grant_boston_to_techs(&app, &fleet).await;
    let (tech, admin) = (
        app.sign_in("tech@coa.example", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
    );
    let (boston, chicago) = (&fleet.boston_devices[0], &fleet.chicago_devices[0]);
    streaming(&fleet).await;
    let opened = tech
        .client
        .get(format!("{}/api/v1/live", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    assert!(
        opened.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut live = opened.bytes_stream().eventsource();

    // Act and assert: Boston's events reach the tech, Chicago's never.
    fleet.sim.publish(chicago, "marker", Some("chicago"));
    fleet.sim.publish(boston, "marker", Some("boston"));
    let first = next_message(&mut live).await;
    assert_eq!(first["device_id"], boston.as_str());
    assert_eq!(first["data"], "boston");

    // A revoke stops the flow at once; a grant starts another without reconnecting.
    let revoked = admin
        .delete(&format!(
            "/api/v1/tenants/{}/grants/{}",
            fleet.coa,
            grant["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(revoked.status(), 204);
    fleet.sim.publish(boston, "marker", Some("after revoke"));
    let granted = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "user", "id": fleet.tech},
                    "scope": {"kind": "device", "id": fleet.hq_device}, "role_id": VIEWER}),
        )
        .await;
    assert_eq!(granted.status(), 201);
    fleet.sim.publish(&fleet.hq_device, "marker", Some("hq"));
    let next = next_message(&mut live).await;
    assert_eq!(next["device_id"], fleet.hq_device.as_str());
    assert_eq!(next["data"], "hq");
}

#[tokio::test]
async fn on_postgresql_a_live_stream_on_any_instance_carries_what_the_leader_took_in() {
    let (app, fleet) = spawn_fleet().await;
    if !app.on_postgres() {
        eprintln!("skipped on SQLite: one instance per SQLite file");
        return;
    }
    // Arrange: two instances; one of them consumes the product's stream. The tech follows the
    // live stream on each.
    let sibling = app.spawn_sibling().await;
    grant_boston_to_techs(&app, &fleet).await;
    let (boston, chicago) = (&fleet.boston_devices[0], &fleet.chicago_devices[0]);
    streaming(&fleet).await;
    let mut streams = Vec::new();
    for instance in [&app, &sibling] {
        let tech = instance.sign_in("tech@coa.example", PASSWORD).await;
        let opened = tech
            .client
            .get(format!("{}/api/v1/live", instance.address))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), 200);
        streams.push(opened.bytes_stream().eventsource());
    }

    // Act
    fleet.sim.publish(chicago, "marker", Some("chicago"));
    fleet.sim.publish(boston, "marker", Some("boston 1"));
    fleet.sim.publish(boston, "marker", Some("boston 2"));

    // Assert: both instances' streams carry Boston's two events, once each, and not Chicago's.
    for live in &mut streams {
        for expected in ["boston 1", "boston 2"] {
            let message = next_message(live).await;
            assert_eq!(message["device_id"], boston.as_str());
            assert_eq!(message["data"], expected);
        }
    }
    drop(sibling);
}

#[tokio::test]
async fn a_batch_is_stored_in_one_go_each_event_once_whatever_it_repeats() {
    // Arrange: a batch as the stream consumer takes it: two readings, one of them twice, an
    // event of a device no one registered, and a reading stored before.
    let (app, fleet) = fleetwarden_tests::spawn_fleet_with(|s| s.history.ingest = false).await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let pump = &fleet.boston_devices[0];
    let at = app.clock_now();
    let event = |data: &str, seconds: i64| fleetwarden_server::particle::client::CloudEvent {
        name: "reading".to_owned(),
        data: Some(data.to_owned()),
        published_at: at + chrono::Duration::seconds(seconds),
        device: pump.clone(),
    };
    let before = fleetwarden_server::history::ingest::take(&app.state, vec![event("0", 0)])
        .await
        .unwrap();

    // Act
    let taken = fleetwarden_server::history::ingest::take(
        &app.state,
        vec![
            event("0", 0),
            event("1", 1),
            event("2", 2),
            event("1", 1),
            fleetwarden_server::particle::client::CloudEvent {
                device: "0123456789abcdef01234567".to_owned(),
                ..event("3", 3)
            },
        ],
    )
    .await
    .unwrap();

    // Assert
    assert_eq!((before.stored, before.repeated), (1, 0));
    assert_eq!((taken.stored, taken.repeated, taken.unknown), (2, 2, 1));
    let data: Vec<String> = named(&admin, pump, "reading")
        .await
        .iter()
        .map(|e| e["data"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(data, ["0", "1", "2"]);
}

#[tokio::test]
async fn a_transferred_devices_history_stays_with_the_tenant_that_owned_it() {
    // Arrange
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let (ops, admin, other) = (
        app.sign_in("ops@example.com", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
        app.sign_in("admin@other.example", PASSWORD).await,
    );
    let pump = &fleet.hq_device;
    streaming(&fleet).await;
    fleet.sim.publish(pump, "reading", Some("1"));
    eventually("the old owner's reading is stored", || async {
        (named(&admin, pump, "reading").await.len() == 1).then_some(())
    })
    .await;

    // Act
    let moved = ops
        .post(
            &format!("/api/v1/devices/{pump}/transfer"),
            &json!({"tenant_id": fleet.other}),
        )
        .await;
    assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    fleet.sim.publish(pump, "reading", Some("2"));
    let after = eventually("the new owner's reading is stored", || async {
        let readings = named(&other, pump, "reading").await;
        (!readings.is_empty()).then_some(readings)
    })
    .await;

    // Assert
    let data: Vec<&str> = after.iter().map(|e| e["data"].as_str().unwrap()).collect();
    assert_eq!(data, ["2"], "the new owner sees only its own time");
    let (gone, _) = events(&admin, pump, "").await;
    assert_eq!(gone, 404, "the old owner no longer reads the device");
}

#[tokio::test]
async fn a_webhook_with_its_products_secret_stores_each_delivery_once_and_refuses_others() {
    // Arrange: the operator makes the product's webhook secret.
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let (ops, admin) = (
        app.sign_in("ops@example.com", PASSWORD).await,
        app.sign_in("admin@coa.example", PASSWORD).await,
    );
    let products: Value = ops.get("/api/v1/products").await.json().await.unwrap();
    let product = products[0]["id"].as_str().unwrap().to_owned();
    let made = ops
        .post(
            &format!("/api/v1/products/{product}/webhook-secret"),
            &json!({}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let (secret, url) = (
        made["secret"].as_str().unwrap().to_owned(),
        made["url"].as_str().unwrap().to_owned(),
    );
    assert!(url.ends_with(&format!("/api/v1/webhooks/particle/{product}")));
    let pump = &fleet.boston_devices[2];
    let delivery = json!({"event": "pump/alarm", "data": "dry run", "coreid": pump,
                          "published_at": "2026-12-07T10:00:00.123Z", "fw_version": 7});
    let hook = format!("/api/v1/webhooks/particle/{product}");
    let send = |secret: Option<&str>, body: &Value| {
        let mut request = fleetwarden_tests::browser()
            .post(format!("{}{hook}", app.address))
            .json(body);
        if let Some(secret) = secret {
            request = request.header("X-Fleetwarden-Secret", secret);
        }
        request.send()
    };

    // Act: delivered twice (Particle retries), once as a form, once with a wrong secret, once
    // without, once for a device nobody onboarded.
    let first: Value = send(Some(&secret), &delivery)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let again: Value = send(Some(&secret), &delivery)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = fleetwarden_tests::browser()
        .post(format!("{}{hook}", app.address))
        .basic_auth("particle", Some(&secret))
        .form(&[
            ("event", "pump/alarm"),
            ("data", "pressure low"),
            ("coreid", pump.as_str()),
            ("published_at", "2026-12-07T10:00:05.000Z"),
        ])
        .send()
        .await
        .unwrap();
    let wrong = send(Some("fwh_not-the-secret"), &delivery).await.unwrap();
    let none = send(None, &delivery).await.unwrap();
    let elsewhere = fleetwarden_tests::browser()
        .post(format!(
            "{}/api/v1/webhooks/particle/{}",
            app.address,
            uuid::Uuid::now_v7()
        ))
        .header("X-Fleetwarden-Secret", &secret)
        .json(&delivery)
        .send()
        .await
        .unwrap();
    let stranger: Value = send(
        Some(&secret),
        &json!({"event": "pump/alarm", "coreid": "0123456789abcdef01234567",
                "published_at": "2026-12-07T10:00:00Z"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();

    // Assert
    assert_eq!(first, json!({"stored": 1, "repeated": 0, "dropped": 0}));
    assert_eq!(again, json!({"stored": 0, "repeated": 1, "dropped": 0}));
    assert_eq!(form.status(), 200);
    assert_eq!(wrong.status(), 401);
    assert_eq!(none.status(), 401);
    assert_eq!(
        elsewhere.status(),
        401,
        "an unknown product answers like a wrong secret"
    );
    let wrong_body: Value = wrong.json().await.unwrap();
    let elsewhere_body: Value = elsewhere.json().await.unwrap();
    assert_eq!(wrong_body, elsewhere_body);
    assert_eq!(stranger["dropped"], 1);
    let alarms: Vec<String> = named(&admin, pump, "pump/alarm")
        .await
        .iter()
        .map(|e| e["data"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(alarms, ["dry run", "pressure low"]);
}

#[tokio::test]
async fn old_events_are_pruned_after_the_retention_period() {
    // Arrange: a reading stored, then the server's clock moves past the 90 days it keeps.
    let (app, fleet) = spawn_fleet().await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let pump = &fleet.boston_devices[0];
    streaming(&fleet).await;
    fleet.sim.publish(pump, "reading", Some("1"));
    eventually("the reading is stored", || async {
        (named(&admin, pump, "reading").await.len() == 1).then_some(())
    })
    .await;
    let kept = fleetwarden_server::history::retention::prune_once(&app.state)
        .await
        .unwrap();
    app.clock
        .advance(chrono::Duration::days(91) + (fleet.sim.now() - app.clock_now()));

    // Act
    let pruned = fleetwarden_server::history::retention::prune_once(&app.state)
        .await
        .unwrap();

    // Assert
    assert_eq!(kept, 0, "nothing is old yet");
    assert!(pruned >= 1, "{pruned}");
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    assert!(named(&admin, pump, "reading").await.is_empty());
}

#[tokio::test]
async fn a_plan_that_keeps_history_fewer_days_prunes_its_tenants_sooner_and_no_one_else() {
    // Arrange: CustomerCoA's plan keeps a week of history; the other tenant has the
    // deployment's 90 days. Each has a reading stored.
    let (app, fleet) = spawn_fleet().await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let made = ops
        .post(
            "/api/v1/plans",
            &json!({"code": "week", "name": "A week of history", "included_seats": 10,
                    "monthly_price_minor": 0, "extra_seat_price_minor": 0, "currency": "USD",
                    "history_retention_days": 7}),
        )
        .await;
    assert_eq!(made.status(), 201);
    let plan: Value = made.json().await.unwrap();
    crate::billing::subscribe(&ops, &fleet, &plan).await;
    let (pump, theirs) = (&fleet.boston_devices[0], &fleet.other_device);
    streaming(&fleet).await;
    fleet.sim.publish(pump, "reading", Some("coa"));
    fleet.sim.publish(theirs, "reading", Some("other"));
    let (admin, other_admin) = (
        app.sign_in("admin@coa.example", PASSWORD).await,
        app.sign_in("admin@other.example", PASSWORD).await,
    );
    eventually("both readings are stored", || async {
        (named(&admin, pump, "reading").await.len() == 1
            && named(&other_admin, theirs, "reading").await.len() == 1)
            .then_some(())
    })
    .await;
    app.clock
        .advance(chrono::Duration::days(8) + (fleet.sim.now() - app.clock_now()));

    // Act
    let pruned = fleetwarden_server::history::retention::prune_once(&app.state)
        .await
        .unwrap();

    // Assert
    assert_eq!(plan["history_retention_days"], 7);
    assert!(pruned >= 1, "{pruned}");
    let (admin, other_admin) = (
        app.sign_in("admin@coa.example", PASSWORD).await,
        app.sign_in("admin@other.example", PASSWORD).await,
    );
    assert!(named(&admin, pump, "reading").await.is_empty());
    assert_eq!(named(&other_admin, theirs, "reading").await.len(), 1);
}

/// Who holds the ingest leader's lock now (a backend pid), if anyone.
async fn leader_pid(app: &TestApp) -> Option<i32> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .conn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND ((classid::bigint << 32) | objid::bigint) = 16625414012579",
        ))
        .await
        .unwrap();
    row.and_then(|r| r.try_get::<i32>("", "pid").ok())
}

#[tokio::test]
async fn two_instances_on_postgresql_consume_once_and_the_other_takes_over_a_dead_leader() {
    let (app, fleet) = spawn_fleet().await;
    if !app.on_postgres() {
        eprintln!("skipped on SQLite: one instance per SQLite file");
        return;
    }
    // Arrange: two instances on one database; one leads.
    let sibling = app.spawn_sibling().await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let pump = &fleet.boston_devices[0];
    streaming(&fleet).await;
    let first_leader = eventually("one instance leads", || async { leader_pid(&app).await }).await;
    fleet.sim.publish(pump, "reading", Some("1"));
    eventually("the first reading is stored", || async {
        (named(&admin, pump, "reading").await.len() == 1).then_some(())
    })
    .await;
    assert_eq!(fleet.sim.open_streams(), 1, "only the leader consumes");

    // Act: the leader's database session is killed.
    {
        use sea_orm::{ConnectionTrait, Statement};
        app.db
            .conn
            .execute_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT pg_terminate_backend({first_leader})"),
            ))
            .await
            .unwrap();
    }
    let second_leader = eventually("another session leads", || async {
        leader_pid(&app).await.filter(|pid| *pid != first_leader)
    })
    .await;
    // Particle keeps nothing for a stream that isn't open: the pump publishes until a reading
    // is stored by the new leader.
    let mut sent = 0;
    let readings = eventually("a reading after the takeover is stored", || {
        sent += 1;
        fleet
            .sim
            .publish(pump, "reading", Some(&format!("after-{sent}")));
        let admin = &admin;
        async move {
            let readings = named(admin, pump, "reading").await;
            (readings.len() >= 2).then_some(readings)
        }
    })
    .await;

    // Assert
    assert_ne!(second_leader, first_leader);
    let mut data: Vec<&str> = readings
        .iter()
        .map(|e| e["data"].as_str().unwrap())
        .collect();
    assert_eq!(data[0], "1");
    let stored = data.len();
    data.sort_unstable();
    data.dedup();
    assert_eq!(data.len(), stored, "nothing stored twice: {readings:?}");
    drop(sibling);
}
