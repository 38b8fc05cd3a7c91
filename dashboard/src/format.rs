//! Text for people: counts in words and indented tree labels, and what they typed, tidied.

/// `1 site`, `3 sites`.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// An option's text indented by depth, since `<option>` ignores padding.
pub fn indented(name: &str, depth: usize) -> String {
    format!("{}{name}", "\u{a0}\u{a0}\u{a0}".repeat(depth))
}

/// Typed text, trimmed; `None` when blank (a filter left empty means "any").
pub fn non_blank(text: &str) -> Option<String> {
    Some(text.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Currencies whose minor unit is the major one (ISO 4217 exponent 0).
const WHOLE_CURRENCIES: [&str; 6] = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX"];

/// An amount in minor units as people read it: `49.00 USD` (`4900 JPY` for whole currencies).
pub fn money(minor: i64, currency: &str) -> String {
    if WHOLE_CURRENCIES.contains(&currency) {
        return format!("{minor} {currency}");
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", abs / 100, abs % 100)
}

/// A price per day or seat-day, given in minor units as an unrounded decimal string, shown to
/// four decimals of the major unit (`158.0645…` USD cents → `1.5806 USD`).
pub fn unit_price(minor: &str, currency: &str) -> String {
    let Ok(value) = minor.trim().parse::<f64>() else {
        return format!("{minor} {currency} (minor units)");
    };
    if WHOLE_CURRENCIES.contains(&currency) {
        format!("{value:.2} {currency}")
    } else {
        format!("{:.4} {currency}", value / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_decimals_and_its_currency() {
        assert_eq!(money(4900, "USD"), "49.00 USD");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(money(-1250, "USD"), "-12.50 USD");
        assert_eq!(money(4900, "JPY"), "4900 JPY");
    }

    #[test]
    fn unit_prices_keep_four_decimals() {
        assert_eq!(unit_price("158.06451612903225", "USD"), "1.5806 USD");
        assert_eq!(unit_price("40", "USD"), "0.4000 USD");
    }
}
