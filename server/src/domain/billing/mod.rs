//! Billing arithmetic, plain and exact: calendar-month periods in UTC, seats as distinct people
//! per day, plans over time, and invoices whose lines are each rounded once, half to even, to
//! whole minor units. No I/O: the caller loads the spans and stores the result.
//!
//! `daily_seats` sorts and sweeps rather than looping over days × spans; its scale is measured
//! by `cargo bench -p fleetwarden-tests --bench billing`, not by a timed test here.
mod invoice;
mod limits;
mod money;
mod period;
mod plan;
mod seats;

#[cfg(test)]
mod against_brute_force;
#[cfg(test)]
mod fixtures;

pub use invoice::{BillingError, Coverage, Invoice, InvoiceLine, LineKind, invoice, projection};
pub use limits::{LimitExceeded, would_exceed};
pub use money::{Currency, InvalidCurrency, Money, round_half_even};
pub use period::Period;
pub use plan::{Plan, PlanSpan};
pub use seats::{SeatSpan, daily_seats};
