//! Fault injection: what the simulator can be told to get wrong, and the bookkeeping that
//! decides which request a fault hits.
use std::collections::{HashMap, HashSet};

pub use super::super::route::Route;

/// A misbehaviour to inject, with the shape the real cloud gives it (reference §8).
///
/// Counted faults (`count`) hit the next matching requests in the order they were set, then
/// disappear; device faults last until [`clear_faults`](super::SimulatorHandle::clear_faults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The device drops off the cloud (a `spark/status` `offline` event): functions answer
    /// `400 {"ok":false,"error":"Timed out."}` after `SimConfig::offline_timeout`, variables
    /// `408 {"error":"Timed out."}`, listings show `online:false`.
    Offline {
        /// Device id.
        device: String,
    },
    /// The device's firmware answers functions and variables `millis` late, but answers.
    Slow {
        /// Device id.
        device: String,
        /// Extra latency per call.
        millis: u64,
    },
    /// The next `count` calls presenting an otherwise valid token answer
    /// `401 {"error":"invalid_token","error_description":"The access token provided has expired."}`,
    /// as when a token expires while the request is in flight.
    TokenExpiredMidFlight {
        /// How many requests to hit.
        count: u32,
    },
    /// The next `count` requests answer `429` (JSON body), with `Retry-After` unless
    /// `retry_after_secs` is 0.
    RateLimited {
        /// How many requests to hit.
        count: u32,
        /// The `Retry-After` value; 0 sends no header.
        retry_after_secs: u64,
    },
    /// The next `count` requests fail upstream: `500` answers the device-service JSON
    /// `{"ok":false,"code":500,"errors":[{"error":"…"}]}`, any other status (502/503/504) a
    /// non-JSON page from the load balancer.
    ServerError {
        /// How many requests to hit.
        count: u32,
        /// The status to answer.
        status: u16,
    },
    /// The next `count` requests get their real response cut short: `Content-Length` announces
    /// the whole body, half of it is sent, then the connection closes. Streams are not cut.
    TruncatedBody {
        /// How many requests to hit.
        count: u32,
    },
    /// The next `count` requests never get an answer (until the client gives up).
    Hang {
        /// How many requests to hit.
        count: u32,
    },
    /// Closes every open event stream now (not kept: later streams stay open).
    DropStream,
    /// Limits a counted fault to one kind of route; device faults and `DropStream` ignore it.
    OnRoute {
        /// Which requests the fault may hit.
        route: Route,
        /// The counted fault.
        fault: Box<Fault>,
    },
    /// Limits a counted fault to the `/v1/products/:pid/…` routes of one product (by its
    /// numeric id), as when one product's requests fail and another's don't.
    OnProduct {
        /// The product's numeric id.
        product: i64,
        /// The counted fault (possibly itself limited to a route).
        fault: Box<Fault>,
    },
}

/// A counted fault that the HTTP layer acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    TokenExpired,
    RateLimited { retry_after_secs: u64 },
    ServerError { status: u16 },
    Truncated,
    Hang,
}

#[derive(Debug)]
struct Pending {
    route: Option<Route>,
    product: Option<i64>,
    kind: Counted,
    remaining: u32,
}

/// What to do to the device state after recording a fault.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    None,
    TakeOffline(String),
    DropStreams,
}

/// The faults in force.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    pending: Vec<Pending>,
    slow: HashMap<String, u64>,
    offline: HashSet<String>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, fault: Fault) -> Effect {
        self.add_on(None, None, fault)
    }

    fn add_on(&mut self, route: Option<Route>, product: Option<i64>, fault: Fault) -> Effect {
        let (kind, count) = match fault {
            Fault::Offline { device } => {
                self.offline.insert(device.clone());
                return Effect::TakeOffline(device);
            }
            Fault::Slow { device, millis } => {
                self.slow.insert(device, millis);
                return Effect::None;
            }
            Fault::DropStream => return Effect::DropStreams,
            Fault::OnRoute { route, fault } => return self.add_on(Some(route), product, *fault),
            Fault::OnProduct { product, fault } => {
                return self.add_on(route, Some(product), *fault);
            }
            Fault::TokenExpiredMidFlight { count } => (Counted::TokenExpired, count),
            Fault::RateLimited {
                count,
                retry_after_secs,
            } => (Counted::RateLimited { retry_after_secs }, count),
            Fault::ServerError { count, status } => (Counted::ServerError { status }, count),
            Fault::TruncatedBody { count } => (Counted::Truncated, count),
            Fault::Hang { count } => (Counted::Hang, count),
        };
        if count > 0 {
            self.pending.push(Pending {
                route,
                product,
                kind,
                remaining: count,
            });
        }
        Effect::None
    }

    /// Forgets every fault; returns the devices to bring back online.
    pub(crate) fn clear(&mut self) -> Vec<String> {
        self.pending.clear();
        self.slow.clear();
        self.offline.drain().collect()
    }

    /// Consumes one use of the first fault that the HTTP layer applies to this route (and,
    /// on `/v1/products/:pid/…`, this product).
    pub(crate) fn take_http(&mut self, route: Route, product: Option<i64>) -> Option<Counted> {
        self.take(route, product, |kind| kind != Counted::TokenExpired)
    }

    /// Consumes one use of a pending [`Fault::TokenExpiredMidFlight`] for this route.
    pub(crate) fn take_token_expired(&mut self, route: Route, product: Option<i64>) -> bool {
        self.take(route, product, |kind| kind == Counted::TokenExpired)
            .is_some()
    }

    fn take(
        &mut self,
        route: Route,
        product: Option<i64>,
        wanted: impl Fn(Counted) -> bool,
    ) -> Option<Counted> {
        let index = self.pending.iter().position(|p| {
            wanted(p.kind)
                && p.route.is_none_or(|r| r == route)
                && p.product.is_none_or(|id| Some(id) == product)
        })?;
        let pending = &mut self.pending[index];
        let kind = pending.kind;
        pending.remaining -= 1;
        if pending.remaining == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }

    pub(crate) fn slow_millis(&self, device: &str) -> u64 {
        self.slow.get(device).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_are_used_in_order_and_then_forgotten() {
        // Arrange
        let mut book = FaultBook::default();
        book.add(Fault::RateLimited {
            count: 1,
            retry_after_secs: 3,
        });
        book.add(Fault::ServerError {
            count: 2,
            status: 503,
        });

        // Act
        let hits: Vec<_> = (0..4)
            .map(|_| book.take_http(Route::Devices, None))
            .collect();

        // Assert
        assert_eq!(
            hits,
            vec![
                Some(Counted::RateLimited {
                    retry_after_secs: 3
                }),
                Some(Counted::ServerError { status: 503 }),
                Some(Counted::ServerError { status: 503 }),
                None
            ]
        );
    }

    #[test]
    fn a_route_limited_fault_skips_other_routes() {
        // Arrange
        let mut book = FaultBook::default();
        book.add(Fault::OnRoute {
            route: Route::Function,
            fault: Box::new(Fault::TokenExpiredMidFlight { count: 1 }),
        });

        // Act + Assert
        assert!(!book.take_token_expired(Route::Variable, None));
        assert!(book.take_http(Route::Function, None).is_none());
        assert!(book.take_token_expired(Route::Function, None));
        assert!(!book.take_token_expired(Route::Function, None));
    }

    #[test]
    fn a_product_limited_fault_skips_other_products_and_requests_without_one() {
        // Arrange
        let mut book = FaultBook::default();
        book.add(Fault::OnProduct {
            product: 30_302,
            fault: Box::new(Fault::OnRoute {
                route: Route::Customers,
                fault: Box::new(Fault::ServerError {
                    count: 1,
                    status: 503,
                }),
            }),
        });

        // Act + Assert
        assert!(book.take_http(Route::Customers, Some(30_301)).is_none());
        assert!(book.take_http(Route::Customers, None).is_none());
        assert!(book.take_http(Route::Devices, Some(30_302)).is_none());
        assert_eq!(
            book.take_http(Route::Customers, Some(30_302)),
            Some(Counted::ServerError { status: 503 })
        );
        assert!(book.take_http(Route::Customers, Some(30_302)).is_none());
    }
}
