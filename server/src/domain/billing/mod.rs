//! Billing arithmetic, plain and exact: calendar-month periods in UTC, seats as distinct people
//! per day, and money in whole minor units, rounded once, half to even. No I/O: the caller
//! loads the spans and stores the result.
mod money;
mod period;
mod seats;

pub use money::{Currency, InvalidCurrency, Money, round_half_even};
pub use period::Period;
pub use seats::{SeatSpan, daily_seats};
