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
