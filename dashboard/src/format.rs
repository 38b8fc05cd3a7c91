//! Text for people: counts in words and indented tree labels, readings and times, and what
//! they typed, tidied.
use chrono::{DateTime, Utc};

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

/// A reading kept in thousandths, to at most two decimals: `6630` → `6.63`, `4200` → `4.2`.
pub fn thousandths(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let hundredths = (milli.unsigned_abs() + 5) / 10;
    let (whole, part) = (hundredths / 100, hundredths % 100);
    match part {
        0 => format!("{sign}{whole}"),
        p if p % 10 == 0 => format!("{sign}{whole}.{}", p / 10),
        p => format!("{sign}{whole}.{p:02}"),
    }
}

/// How long ago `then` was, in the largest whole unit: `just now`, `12 s ago`, `3 min ago`,
/// `5 h ago`, `2 days ago`.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..5 => "just now".into(),
        5..60 => format!("{seconds} s ago"),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        _ => {
            plural(
                usize::try_from(seconds / 86_400).unwrap_or(usize::MAX),
                "day",
            ) + " ago"
        }
    }
}

/// The browser's time of day for `t`, to the second (`14:05:09`), as the device page shows
/// when a value arrived.
pub fn time_of_day(t: DateTime<Utc>) -> String {
    // Milliseconds are exact in an f64 for the next 280,000 years.
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    String::from(date.to_locale_time_string("en-GB"))
}

/// Now, by the browser's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
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
    fn readings_show_at_most_two_decimals() {
        assert_eq!(thousandths(6_630), "6.63");
        assert_eq!(thousandths(4_200), "4.2");
        assert_eq!(thousandths(8_000), "8");
        assert_eq!(thousandths(6_374), "6.37");
        assert_eq!(thousandths(6_375), "6.38");
        assert_eq!(thousandths(-2_500), "-2.5");
        assert_eq!(thousandths(0), "0");
    }

    #[test]
    fn times_ago_use_the_largest_unit() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        let before = |s| now - chrono::TimeDelta::seconds(s);
        assert_eq!(ago(before(2), now), "just now");
        assert_eq!(ago(before(42), now), "42 s ago");
        assert_eq!(ago(before(200), now), "3 min ago");
        assert_eq!(ago(before(7_300), now), "2 h ago");
        assert_eq!(ago(before(86_400), now), "1 day ago");
    }

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
