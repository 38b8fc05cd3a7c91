//! The kinds of route of the Particle REST API, told from a request's method and path.

/// The kinds of Particle API route: what the simulator's faults are limited to, and what the
/// client's metrics count requests by (never an id, a device or a customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /oauth/token`.
    Token,
    /// `/v1/access_tokens/…`.
    AccessTokens,
    /// `/v1/products/:pid/customers…`.
    Customers,
    /// Claiming (`POST /v1/devices`) and claim codes.
    Claim,
    /// Unclaiming (`DELETE /v1/devices/:id`) and releasing from a customer
    /// (`DELETE /v1/products/:pid/devices/:id/owner`): apart from claims so a test can fail
    /// the claim that follows a successful unclaim.
    Unclaim,
    /// Listing, inspecting, importing, removing and pinging devices.
    Devices,
    /// `POST /v1/[products/:pid/]devices/:id/:function`.
    Function,
    /// `GET /v1/[products/:pid/]devices/:id/:variable`.
    Variable,
    /// Opening an event stream.
    Events,
    /// Publishing an event.
    Publish,
    /// Anything else (unknown routes).
    Other,
}

/// The numeric product id of a `/v1/products/:pid/…` path.
pub fn product_of(path: &str) -> Option<i64> {
    let mut segments = path.trim_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("v1"), Some("products"), Some(pid)) => pid.parse().ok(),
        _ => None,
    }
}

impl Route {
    /// Which kind of route a request is, from its method (`GET`, …) and path alone.
    pub fn classify(method: &str, path: &str) -> Self {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let get = method == "GET";
        match segments.as_slice() {
            ["oauth", "token"] => Self::Token,
            ["v1", "access_tokens", ..] => Self::AccessTokens,
            ["v1", "device_claims"] => Self::Claim,
            ["v1", "products", _, "customers", ..] => Self::Customers,
            ["v1", "products", _, "device_claims"] => Self::Claim,
            ["v1", "products", _, "events", ..] => Self::events(get),
            ["v1", "products", _, "devices", rest @ ..] => Self::device_route(method, rest, true),
            ["v1", "devices", rest @ ..] => match rest {
                [] if method == "POST" => Self::Claim,
                ["events", ..] => Self::events(get),
                _ => Self::device_route(method, rest, false),
            },
            _ => Self::Other,
        }
    }

    /// Its name in metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "oauth_token",
            Self::AccessTokens => "access_tokens",
            Self::Customers => "customers",
            Self::Claim => "claim",
            Self::Unclaim => "unclaim",
            Self::Devices => "devices",
            Self::Function => "function",
            Self::Variable => "variable",
            Self::Events => "events",
            Self::Publish => "publish",
            Self::Other => "other",
        }
    }

    fn events(get: bool) -> Self {
        if get { Self::Events } else { Self::Publish }
    }

    /// `rest` is what follows `devices/`.
    fn device_route(method: &str, rest: &[&str], product: bool) -> Self {
        let delete = method == "DELETE";
        match rest {
            // DELETE /v1/devices/:id unclaims; the product form removes from the product.
            [_] if delete && !product => Self::Unclaim,
            [] | [_] => Self::Devices,
            [_, "ping"] if method == "PUT" => Self::Devices,
            [_, "owner"] => Self::Unclaim,
            [_, "events", ..] => Self::Events,
            [_, _] if method == "POST" => Self::Function,
            [_, _] if method == "GET" => Self::Variable,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classified_from_method_and_path() {
        let cases = [
            ("POST", "/oauth/token", Route::Token),
            ("GET", "/v1/access_tokens/current", Route::AccessTokens),
            ("POST", "/v1/products/7/customers", Route::Customers),
            ("POST", "/v1/devices", Route::Claim),
            ("GET", "/v1/devices", Route::Devices),
            ("DELETE", "/v1/devices/abc", Route::Unclaim),
            ("DELETE", "/v1/products/7/devices/abc/owner", Route::Unclaim),
            ("DELETE", "/v1/products/7/devices/abc", Route::Devices),
            ("POST", "/v1/devices/abc/ping", Route::Function),
            ("GET", "/v1/devices/abc", Route::Devices),
            ("POST", "/v1/products/7/devices", Route::Devices),
            ("PUT", "/v1/devices/abc/ping", Route::Devices),
            ("POST", "/v1/devices/abc/start", Route::Function),
            (
                "GET",
                "/v1/products/7/devices/abc/pressure",
                Route::Variable,
            ),
            ("GET", "/v1/devices/events", Route::Events),
            ("GET", "/v1/devices/events/pump", Route::Events),
            ("GET", "/v1/devices/abc/events/", Route::Events),
            ("GET", "/v1/products/7/events", Route::Events),
            ("POST", "/v1/products/7/events", Route::Publish),
            ("GET", "/v2/nothing", Route::Other),
        ];
        for (method, path, expected) in cases {
            assert_eq!(Route::classify(method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn a_product_route_names_its_product_and_others_none() {
        assert_eq!(
            product_of("/v1/products/30302/customers/a%40b.c"),
            Some(30_302)
        );
        assert_eq!(product_of("/v1/products/pumps-cell/devices"), None);
        assert_eq!(product_of("/v1/devices/abc"), None);
    }
}
