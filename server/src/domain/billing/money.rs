//! Money: whole minor units of one ISO 4217 currency, and the single rounding rule that turns an
//! exact amount into them.
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// An ISO 4217 currency code: three upper-case ASCII letters (`EUR`, `USD`, `JPY`). Whether
/// the code is assigned is not checked; how many minor units a major unit holds is the
/// presentation's concern, since every amount here is already in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Checks a currency code.
    ///
    /// # Errors
    /// Anything but exactly three upper-case ASCII letters.
    pub fn parse(code: &str) -> Result<Self, InvalidCurrency> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(InvalidCurrency(code.to_owned())),
        }
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters get in, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A currency code that isn't three upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a currency code (three upper-case letters, as EUR)")]
pub struct InvalidCurrency(pub String);

/// An amount in whole minor units (cents for EUR, yen for JPY) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// Minor units; negative for credits.
    pub minor: i64,
    /// The currency the units are of.
    pub currency: Currency,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }
}

/// Rounds an exact amount of minor units to a whole one, half to even: the rounding every
/// invoice line goes through, once, so that lines sum to the total without drift and ties
/// don't lean one way over many invoices. `None` when the result doesn't fit in an `i64`.
pub fn round_half_even(exact: Decimal) -> Option<i64> {
    exact
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .to_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        assert_eq!(
            Currency::parse("EUR").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        for bad in ["eur", "EU", "EURO", "", "E1R", "ÉUR", "EU "] {
            assert!(Currency::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rounding_takes_ties_to_the_even_neighbour() {
        let cases = [
            (25, 1, 2),
            (35, 1, 4),
            (-25, 1, -2),
            (-35, 1, -4),
            (24999, 4, 2),
            (25001, 4, 3),
            (5, 1, 0),
            (15, 1, 2),
        ];
        for (mantissa, scale, rounded) in cases {
            let exact = Decimal::new(mantissa, scale);
            assert_eq!(round_half_even(exact), Some(rounded), "{exact}");
        }
        assert_eq!(round_half_even(Decimal::MAX), None);
    }
}
