//! The OpenAPI document and its browsable reference.
use fleetwarden_tests::spawn_app;

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_route_with_its_errors() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/openapi.json").await;

    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/health/live"]["get"].is_object());
    assert!(doc["paths"]["/health/ready"]["get"]["responses"]["503"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Every API operation documents at least one error answer.
    let paths = doc["paths"].as_object().unwrap_or_else(|| panic!("paths"));
    let mut operations = 0;
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/v1/")) {
        for (method, op) in item.as_object().into_iter().flatten() {
            let responses = op["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{path}"));
            assert!(
                responses
                    .keys()
                    .any(|code| code.starts_with('4') || code.starts_with('5')),
                "{method} {path} documents no error response"
            );
            operations += 1;
        }
    }
    assert!(
        operations >= 18,
        "only {operations} API operations documented"
    );
}

#[tokio::test]
async fn the_api_reference_page_works_without_internet() {
    let app = spawn_app().await;

    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(
        html.contains("/api/v1/openapi.json"),
        "the page points at our document"
    );
    assert!(
        html.contains("/api/docs/scalar.js"),
        "the script is served by us, not a CDN"
    );

    let script = app.get("/api/docs/scalar.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.bytes().await.map(|b| b.len()).unwrap_or(0) > 100_000);
}

#[tokio::test]
async fn every_operation_documents_what_the_edge_answers_and_text_refuses_nul() {
    let app = spawn_app().await;

    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let paths = doc["paths"].as_object().unwrap_or_else(|| panic!("paths"));
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/v1/")) {
        for (method, op) in item.as_object().into_iter().flatten() {
            let has = |code: &str| op["responses"][code].is_object();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert!(!secured || has("401"), "{method} {path}: 401");
            assert!(has("503"), "{method} {path}: 503");
            if op["requestBody"].is_object() {
                for code in ["400", "408", "413", "422"] {
                    assert!(has(code), "{method} {path}: {code}");
                }
            }
        }
    }
    // Found by the fuzzer: the tenant root is refused with a 422.
    assert!(
        doc["paths"]["/api/v1/tenants/{tenant}/organizations/{id}"]["delete"]["responses"]["422"]
            .is_object()
    );
    // Request bodies: unknown fields refused, text without NUL.
    let site = &doc["components"]["schemas"]["CreateSite"];
    assert_eq!(site["additionalProperties"], false, "{site}");
    let scope = &doc["components"]["schemas"]["ScopeRef"];
    assert_eq!(
        scope["properties"]["id"]["pattern"], "^[^\\u0000]*$",
        "{scope}"
    );
    let filter = doc["paths"]["/api/v1/tenants/{tenant}/audit"]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("parameters"))
        .iter()
        .find(|p| p["name"] == "action")
        .unwrap_or_else(|| panic!("action"))
        .clone();
    assert_eq!(filter["schema"]["pattern"], "^[^\\u0000]*$", "{filter}");
}
