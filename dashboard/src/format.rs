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
/// four decimals of the major unit (`158.0645…` USD cents → `1.5806 USD`; two decimals of a
/// whole currency's unit). Decimal digits, not floats: float formatting and parsing would add
/// tens of kilobytes to the wasm.
pub fn unit_price(minor: &str, currency: &str) -> String {
    let whole = WHOLE_CURRENCIES.contains(&currency);
    let (shown, places) = if whole { (2, 2) } else { (2, 4) };
    match scaled(minor.trim(), shown) {
        Some(units) => {
            let unit = 10u128.pow(places);
            format!(
                "{}.{:0width$} {currency}",
                units / unit,
                units % unit,
                width = places as usize
            )
        }
        None => format!("{minor} {currency} (minor units)"),
    }
}

/// A non-negative decimal string times 10^`digits`, rounded half up to an integer.
fn scaled(text: &str, digits: usize) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let kept: String = frac
        .chars()
        .chain(std::iter::repeat('0'))
        .take(digits)
        .collect();
    let mut units: u128 = format!("{int}{kept}")
        .trim_start_matches('0')
        .parse()
        .unwrap_or(0);
    if frac.as_bytes().get(digits).is_some_and(|b| *b >= b'5') {
        units += 1;
    }
    Some(units)
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
        assert_eq!(
            unit_price("38.70967741935483870967741935", "USD"),
            "0.3871 USD"
        );
        assert_eq!(unit_price("12", "JPY"), "12.00 JPY");
        assert_eq!(unit_price("n/a", "USD"), "n/a USD (minor units)");
    }
}
