//! Request parameters from the query string and a form or JSON body, which the real API
//! accepts interchangeably (except `/oauth/token`, form only).
use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header::CONTENT_TYPE;
use serde_json::Value;

use super::error::SimError;

/// How the body was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    Form,
    Json,
    Other,
}

/// The parameters of one request.
#[derive(Debug)]
pub(crate) struct Params {
    pub(crate) kind: BodyKind,
    body: HashMap<String, Value>,
    query: HashMap<String, String>,
}

impl Params {
    /// Invalid JSON gets a 400 (`{"ok":false,…}`; the real text is unknown).
    pub(crate) fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, SimError> {
        let query = url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .collect();
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (kind, body) = if content_type.starts_with("application/x-www-form-urlencoded") {
            let mut fields: HashMap<String, Value> = HashMap::new();
            for (key, value) in url::form_urlencoded::parse(body).into_owned() {
                match fields.get_mut(&key) {
                    // `ids[]=a&ids[]=b`, and repeated plain keys, become lists.
                    Some(Value::Array(values)) => values.push(Value::String(value)),
                    Some(first) => *first = Value::Array(vec![first.take(), Value::String(value)]),
                    None => {
                        fields.insert(key, Value::String(value));
                    }
                }
            }
            (BodyKind::Form, fields)
        } else if content_type.starts_with("application/json") || content_type.contains("+json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => (BodyKind::Json, map.into_iter().collect()),
                _ if body.iter().all(u8::is_ascii_whitespace) => (BodyKind::Json, HashMap::new()),
                _ => return Err(SimError::bad_request("Invalid JSON body")),
            }
        } else if body.is_empty() {
            (BodyKind::None, HashMap::new())
        } else {
            (BodyKind::Other, HashMap::new())
        };
        Ok(Self { kind, body, query })
    }

    pub(crate) fn has_body(&self, key: &str) -> bool {
        self.body.get(key).is_some_and(|v| !v.is_null())
    }

    /// A body field as text: numbers and booleans as JSON writes them.
    pub(crate) fn body(&self, key: &str) -> Option<String> {
        scalar(self.body.get(key)?)
    }

    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    /// The body field, else the query parameter.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.body(key)
            .or_else(|| self.query(key).map(str::to_owned))
    }

    /// `key` or `key[]`, as one value or a list.
    pub(crate) fn list(&self, key: &str) -> Vec<String> {
        [key.to_owned(), format!("{key}[]")]
            .iter()
            .filter_map(|k| self.body.get(k))
            .flat_map(|v| match v {
                Value::Array(values) => values.iter().filter_map(scalar).collect(),
                other => scalar(other).into_iter().collect::<Vec<_>>(),
            })
            .collect()
    }

    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v == "true" || v == "1")
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Decodes `%XX` escapes that actix leaves in path segments (notably `%2F` in event names,
/// which particle-api-js URL-encodes).
pub(crate) fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn percent_escapes_are_decoded_and_stray_percents_kept() {
        assert_eq!(percent_decode("pump%2Fpressure"), "pump/pressure");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
    }

    #[test]
    fn form_and_json_bodies_give_the_same_fields() {
        // Arrange
        let form = TestRequest::post()
            .uri("/x?format=raw")
            .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .to_http_request();
        let json = TestRequest::post()
            .insert_header((CONTENT_TYPE, "application/json"))
            .to_http_request();

        // Act
        let form = Params::parse(&form, b"arg=4.5&ids[]=a&ids[]=b").ok();
        let json = Params::parse(&json, br#"{"arg":4.5,"ids":["a","b"]}"#).ok();

        // Assert
        for params in [&form, &json] {
            let params = params.as_ref();
            assert_eq!(params.and_then(|p| p.body("arg")).as_deref(), Some("4.5"));
            assert_eq!(
                params.map(|p| p.list("ids")),
                Some(vec!["a".to_owned(), "b".to_owned()])
            );
        }
        assert_eq!(
            form.as_ref().and_then(|p| p.get("format")).as_deref(),
            Some("raw")
        );
    }
}
