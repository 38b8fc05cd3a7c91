//! Device calls through Fleetwarden's API to the simulated Particle cloud over real HTTP:
//! authorization against the catalog, the right credential, errors said plainly, audit.
#![expect(clippy::unwrap_used, reason = "tests")]
use fleetwarden_server::particle::simulator::Fault;
use fleetwarden_tests::fleet::PASSWORD;
use fleetwarden_tests::{Session, spawn_fleet_with};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const OPERATOR: &str = "00000000-0000-7000-8000-000000000002";

async fn body(response: reqwest::Response) -> Value {
    response.json().await.unwrap_or(Value::Null)
}

/// The tenant's audit log of function calls, newest first, as the admin reads it.
async fn function_calls_audited(admin: &Session, fleet: &fleetwarden_tests::fleet::Fleet) -> Value {
    let path = format!(
        "/api/v1/tenants/{}/audit?action=device.function_call",
        fleet.coa
    );
    body(admin.get(&path).await).await
}

/// The fleet with Boston shared to the "Boston techs" group as operators, and tech signed in.
async fn with_boston_techs() -> (
    fleetwarden_tests::TestApp,
    fleetwarden_tests::fleet::Fleet,
    Session,
    Session,
) {
    with_boston_techs_and(|_| {}).await
}

/// As [`with_boston_techs`], with settings `customise` may change first.
async fn with_boston_techs_and(
    customise: impl FnOnce(&mut fleetwarden_server::config::Settings),
) -> (
    fleetwarden_tests::TestApp,
    fleetwarden_tests::fleet::Fleet,
    Session,
    Session,
) {
    let (app, fleet) = spawn_fleet_with(customise).await;
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let shared = admin
        .post(
            &format!("/api/v1/tenants/{}/grants", fleet.coa),
            &json!({"subject": {"kind": "group", "id": fleet.boston_techs}, "scope": {"kind": "site", "id": fleet.boston}, "role_id": OPERATOR}),
        )
        .await;
    assert_eq!(shared.status(), 201);
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;
    (app, fleet, admin, tech)
}

#[tokio::test]
async fn a_technician_sets_the_pressure_and_reads_the_new_value() {
    // Arrange
    let (app, fleet, admin, tech) = with_boston_techs().await;
    let pump = &fleet.boston_devices[0];

    // Act
    let set = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/setPressure"),
            &json!({"arg": "4.2"}),
        )
        .await;
    let read = tech
        .get(&format!("/api/v1/devices/{pump}/variables/pressure"))
        .await;

    // Assert
    assert_eq!(set.status(), 200);
    assert_eq!(
        body(set).await,
        json!({"return_value": 1, "connected": true})
    );
    assert_eq!(read.status(), 200);
    assert_eq!(body(read).await["value"], json!(4.2));
    assert_eq!(fleet.sim.device_state(pump).unwrap().pressure, 4.2);
    let audit = function_calls_audited(&admin, &fleet).await;
    let record = &audit["items"][0];
    assert_eq!(record["actor_email"], "tech@coa.example");
    assert_eq!(record["target_id"], json!(pump));
    assert_eq!(
        record["after"],
        json!({"function": "setPressure", "arg": "4.2", "return_value": 1})
    );
    drop(app);
}

#[tokio::test]
async fn the_catalog_and_the_role_decide_what_may_be_called() {
    let (_app, fleet, admin, tech) = with_boston_techs().await;
    let pump = &fleet.boston_devices[1];

    let reset_by_operator = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/reset"),
            &json!({}),
        )
        .await;
    let reset_by_admin = admin
        .post(
            &format!("/api/v1/devices/{pump}/functions/reset"),
            &json!({}),
        )
        .await;
    let unknown = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/selfDestruct"),
            &json!({}),
        )
        .await;
    let hidden = tech
        .post(
            &format!(
                "/api/v1/devices/{}/functions/start",
                fleet.chicago_devices[0]
            ),
            &json!({}),
        )
        .await;
    let too_long = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/setPressure"),
            &json!({"arg": "9".repeat(1025)}),
        )
        .await;

    assert_eq!(
        reset_by_operator.status(),
        403,
        "reset asks for device.function.call.reset"
    );
    assert_eq!(reset_by_admin.status(), 200);
    assert_eq!(unknown.status(), 404, "not in the catalog");
    assert_eq!(hidden.status(), 404, "a device I can't see");
    assert_eq!(too_long.status(), 422);
}

#[tokio::test]
async fn the_device_page_reads_its_products_catalog_and_my_actions_pick_the_controls() {
    let (_app, fleet, _admin, tech) = with_boston_techs().await;
    let pump = &fleet.boston_devices[0];

    let catalog = tech.get(&format!("/api/v1/devices/{pump}/catalog")).await;
    let catalog_status = catalog.status();
    let catalog = body(catalog).await;
    let device = body(tech.get(&format!("/api/v1/devices/{pump}")).await).await;
    let hidden = tech
        .get(&format!(
            "/api/v1/devices/{}/catalog",
            fleet.chicago_devices[0]
        ))
        .await;

    assert_eq!(catalog_status, 200);
    let entries = catalog.as_array().unwrap();
    let functions: Vec<&str> = entries
        .iter()
        .filter(|e| e["kind"] == "function")
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        functions.contains(&"setPressure") && functions.contains(&"reset"),
        "{catalog}"
    );
    let mine: Vec<&str> = device["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let callable: Vec<&str> = entries
        .iter()
        .filter(|e| e["kind"] == "function" && mine.contains(&e["action"].as_str().unwrap()))
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(callable.contains(&"setPressure"));
    assert!(
        !callable.contains(&"reset"),
        "an operator gets no reset control"
    );
    assert_eq!(hidden.status(), 404);
}

#[tokio::test]
async fn an_offline_device_a_throttled_and_a_failing_cloud_are_said_plainly() {
    let (_app, fleet, _admin, tech) = with_boston_techs().await;
    let pump = fleet.boston_devices[2].clone();
    let call = async || {
        tech.post(
            &format!("/api/v1/devices/{pump}/functions/start"),
            &json!({}),
        )
        .await
    };

    fleet.sim.set_fault(Fault::Offline {
        device: pump.clone(),
    });
    let offline = call().await;
    fleet.sim.clear_faults();
    fleet.sim.set_fault(Fault::RateLimited {
        count: 1,
        retry_after_secs: 7,
    });
    let throttled = call().await;
    fleet.sim.set_fault(Fault::ServerError {
        count: 1,
        status: 502,
    });
    let failing = call().await;
    let recovered = call().await;

    assert_eq!(offline.status(), 504);
    assert_eq!(body(offline).await["error"], "device_offline");
    assert_eq!(throttled.status(), 503);
    assert_eq!(throttled.headers()["retry-after"], "7");
    assert_eq!(body(throttled).await["error"], "upstream_unavailable");
    assert!(failing.status().is_server_error());
    assert_eq!(recovered.status(), 200);
}

#[tokio::test]
async fn many_concurrent_calls_on_a_cold_cache_mint_one_token_and_an_expired_one_is_renewed_once() {
    // Arrange: the history ingest would warm the product's token first; the cold start is
    // what is measured here.
    let (_app, fleet, _admin, tech) = with_boston_techs_and(|s| s.history.ingest = false).await;
    let before = fleet.sim.token_requests();
    let url = |i: usize| {
        format!(
            "/api/v1/devices/{}/variables/pressure",
            fleet.boston_devices[i % 4]
        )
    };

    // Act: 100 concurrent reads through the API.
    let reads = futures_join(&tech, (0..100).map(url).collect()).await;
    let minted_cold = fleet.sim.token_requests() - before;
    fleet
        .sim
        .set_fault(Fault::TokenExpiredMidFlight { count: 1 });
    let after_expiry = tech.get(&url(0)).await;

    // Assert
    assert!(reads.iter().all(|s| *s == 200), "{reads:?}");
    assert_eq!(minted_cold, 1, "one token for 100 concurrent calls");
    assert_eq!(after_expiry.status(), 200);
    assert_eq!(fleet.sim.token_requests() - before, 2, "renewed once");
}

async fn futures_join(session: &Session, paths: Vec<String>) -> Vec<u16> {
    let mut set = tokio::task::JoinSet::new();
    for path in paths {
        let client = session.client.clone();
        let url = format!("{}{path}", session_address(session));
        set.spawn(async move {
            client
                .get(url)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap_or(0));
    }
    out
}

fn session_address(session: &Session) -> String {
    session.address().to_owned()
}

/// Makes the database refuse, for good, any audit record of a call with `arg` "6.66" (a
/// pressure the pump takes), as PostgreSQL refuses a value it can't store.
async fn refuse_poisoned_records(db: &sea_orm::DatabaseConnection) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "ALTER TABLE audit_records ADD CONSTRAINT no_poison \
             CHECK ((after->>'arg') IS DISTINCT FROM '6.66')"
        }
        _ => {
            "CREATE TRIGGER no_poison BEFORE INSERT ON audit_records \
             WHEN json_extract(NEW.after, '$.arg') = '6.66' \
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        }
    };
    db.execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn a_diverted_record_makes_the_instance_unready_for_a_while() {
    // Arrange
    let (app, fleet, _admin, tech) =
        with_boston_techs_and(|s| s.health.diverted_unready_secs = 60).await;
    let pump = &fleet.boston_devices[0];
    refuse_poisoned_records(&app.db.conn).await;
    let ready = || async { app.get("/health/ready").await };

    // Act
    let before = ready().await.status();
    let call = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/setPressure"),
            &json!({ "arg": "6.66" }),
        )
        .await;
    let after = ready().await;
    let (after_status, after_body) = (after.status(), after.text().await.unwrap());
    app.clock.advance(chrono::Duration::seconds(61));
    let later = ready().await.status();

    // Assert
    assert_eq!(before, 200);
    assert_eq!(
        call.status(),
        200,
        "the call is answered; its record is diverted"
    );
    assert_eq!(after_status, 503);
    assert!(after_body.contains("diverted"), "{after_body}");
    assert_eq!(
        later, 200,
        "ready again once no record was diverted for a minute"
    );
}

#[tokio::test]
async fn a_record_the_database_refuses_is_diverted_and_never_blocks_the_calls_behind_it() {
    // Arrange
    let (app, fleet, admin, tech) = with_boston_techs().await;
    let pump = &fleet.boston_devices[0];
    refuse_poisoned_records(&app.db.conn).await;
    let call = |arg: &'static str| {
        let path = format!("/api/v1/devices/{pump}/functions/setPressure");
        let tech = &tech;
        async move {
            tech.post(&path, &json!({ "arg": arg }))
                .await
                .status()
                .as_u16()
        }
    };

    // Act: at once, so the poisoned record shares a commit with the others.
    let statuses = tokio::join!(call("1.5"), call("6.66"), call("2.5"));
    let after = call("3.5").await;

    // Assert
    assert_eq!(statuses, (200, 200, 200));
    assert_eq!(after, 200, "the writer goes on");
    let audit = function_calls_audited(&admin, &fleet).await;
    let mut args: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["after"]["arg"].as_str().unwrap())
        .collect();
    args.sort_unstable();
    assert_eq!(args, ["1.5", "2.5", "3.5"]);
    let diverted = entity::audit_diverted::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(diverted.len(), 1, "kept, where an operator sees it");
    assert!(
        diverted[0].record.contains(r#""arg":"6.66""#),
        "{}",
        diverted[0].record
    );
    assert!(!diverted[0].error.is_empty());
}

#[tokio::test]
async fn while_the_audit_trail_cannot_be_written_a_call_waits_for_its_record_and_the_log_says_retry()
 {
    // Arrange: another connection holds the audit table (SQLite: the write lock, so commits
    // fail busy and are retried; PostgreSQL: a table lock, so they wait), and readers of the
    // log wait 1 ms (10 s by default).
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    let (app, fleet, admin, tech) =
        with_boston_techs_and(|s| s.database.audit_read_wait_ms = 1).await;
    let pump = fleet.boston_devices[0].clone();
    let holder = app.db.conn.begin().await.unwrap();
    let hold = match app.db.conn.get_database_backend() {
        DbBackend::Postgres => "LOCK TABLE audit_records IN EXCLUSIVE MODE",
        _ => "DELETE FROM audit_records WHERE action = 'nothing'",
    };
    holder.execute_unprepared(hold).await.unwrap();
    let path = format!("/api/v1/devices/{pump}/functions/setPressure");
    let call = tokio::spawn(async move { tech.post(&path, &json!({"arg": "1.5"})).await });
    // The device acts before the record is written: once it has, the call is waiting on it.
    while fleet.sim.device_state(&pump).unwrap().pressure != 1.5 {
        tokio::task::yield_now().await;
    }

    // Act
    let read = admin
        .get(&format!("/api/v1/tenants/{}/audit", fleet.coa))
        .await;
    let unanswered = !call.is_finished();
    holder.rollback().await.unwrap();
    let answered = call.await.unwrap();

    // Assert: not a log with the answered call missing, and not a hang.
    assert!(unanswered, "no answer before the record is stored");
    assert_eq!(read.status(), 503);
    assert_eq!(read.headers()["retry-after"], "5");
    let error = body(read).await;
    assert_eq!(error["error"], "unavailable");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("still being written"),
        "{error}"
    );
    assert_eq!(answered.status(), 200);
    // Other writers may still be catching up after the lock (the log says retry meanwhile).
    let path = format!(
        "/api/v1/tenants/{}/audit?action=device.function_call",
        fleet.coa
    );
    admin
        .until_status(&path, 200, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let audit = function_calls_audited(&admin, &fleet).await;
    assert_eq!(audit["items"][0]["after"]["arg"], "1.5");
}

#[tokio::test]
async fn looking_at_a_pump_again_and_again_audits_one_read_per_variable_per_ten_minutes() {
    // Arrange
    let (app, fleet, admin, tech) = with_boston_techs().await;
    let (pump, offline) = (&fleet.boston_devices[0], &fleet.boston_devices[1]);
    let read =
        |device: &str, variable: &str| format!("/api/v1/devices/{device}/variables/{variable}");
    let path = format!(
        "/api/v1/tenants/{}/audit?action=device.variable_read&per_page=200",
        fleet.coa
    );
    let audited = async |admin: &Session| -> Vec<Value> {
        body(admin.get(&path).await).await["items"]
            .as_array()
            .unwrap()
            .clone()
    };

    // Act: a page refreshing two values twenty times, a failing read, then ten minutes on.
    for _ in 0..20 {
        assert_eq!(tech.get(&read(pump, "pressure")).await.status(), 200);
        assert_eq!(tech.get(&read(pump, "flow")).await.status(), 200);
    }
    fleet.sim.set_fault(Fault::Offline {
        device: offline.clone(),
    });
    assert_eq!(tech.get(&read(offline, "pressure")).await.status(), 504);
    assert_eq!(tech.get(&read(offline, "pressure")).await.status(), 504);
    let within = audited(&admin).await;
    app.clock.advance(chrono::Duration::minutes(10));
    let tech = app.sign_in("tech@coa.example", PASSWORD).await;
    assert_eq!(tech.get(&read(pump, "pressure")).await.status(), 200);
    let admin = app.sign_in("admin@coa.example", PASSWORD).await;
    let later = audited(&admin).await;

    // Assert: one record per variable for the twenty looks; every failure; a new window.
    let count = |records: &[Value], device: &str, variable: &str, failed: bool| {
        records
            .iter()
            .filter(|r| {
                r["target_id"] == device
                    && r["after"]["variable"] == variable
                    && r["after"]["error"].is_string() == failed
            })
            .count()
    };
    assert_eq!(count(&within, pump, "pressure", false), 1);
    assert_eq!(count(&within, pump, "flow", false), 1);
    assert_eq!(count(&within, offline, "pressure", true), 2);
    assert_eq!(count(&later, pump, "pressure", false), 2);
}

#[tokio::test]
async fn the_catalog_describes_each_control_and_an_argument_outside_it_never_reaches_the_pump() {
    // Arrange
    let (app, fleet, _admin, tech) = with_boston_techs().await;
    let pump = &fleet.boston_devices[0];
    let before = fleet.sim.device_state(pump).unwrap().pressure;

    // Act
    let catalog = body(tech.get(&format!("/api/v1/devices/{pump}/catalog")).await).await;
    let too_high = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/setPressure"),
            &json!({"arg": "12"}),
        )
        .await;
    let too_high_status = too_high.status();
    let too_high = body(too_high).await;
    let with_arg = tech
        .post(
            &format!("/api/v1/devices/{pump}/functions/start"),
            &json!({"arg": "now"}),
        )
        .await;
    app.create_user("ops@example.com", PASSWORD, true).await;
    let ops = app.sign_in("ops@example.com", PASSWORD).await;
    let products = body(ops.get("/api/v1/products").await).await;
    let product = products[0]["id"].as_str().unwrap();
    let senseless = ops
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/products/{product}/catalog"),
            Some(
                &json!({"entries": [{"kind": "function", "name": "setPressure",
                "action": "device.function.call",
                "argument": {"kind": "number", "min": 5, "max": 1}}]}),
            ),
        )
        .await;

    // Assert: a pressure field in bar from 0 to 10, buttons, and a reset that asks first.
    let entry = |name: &str| -> Value {
        catalog
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(
        entry("setPressure")["argument"],
        json!({"kind": "number", "unit": "bar", "min": 0.0, "max": 10.0})
    );
    assert_eq!(entry("setPressure")["label"], "Set pressure");
    assert_eq!(entry("start")["argument"], json!({"kind": "none"}));
    assert_eq!(entry("reset")["confirm"], true);
    assert_eq!(entry("setPressure")["confirm"], false);
    assert_eq!(too_high_status, 422);
    assert_eq!(
        too_high["fields"]["arg"][0],
        "must be a number from 0 to 10 bar"
    );
    assert_eq!(with_arg.status(), 422);
    assert_eq!(
        fleet.sim.device_state(pump).unwrap().pressure,
        before,
        "nothing was sent to the pump"
    );
    assert_eq!(senseless.status(), 422);
}
