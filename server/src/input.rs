//! Checks of free text that every service shares (names, optional text, time zones): the
//! limits the API document states, on what was sent, with blanks around names dropped.
/// A field that fails its check: the API answers 422 naming it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct Invalid {
    /// The field, as the request names it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Invalid {
    /// `field` fails with `message`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// A name of 1..=max characters, trimmed.
///
/// # Errors
/// 422 naming `field`.
pub fn name(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    // The limit is on what was sent, as the API document says; blanks around it are dropped.
    if value.chars().count() > max || value.trim().is_empty() {
        return Err(Invalid::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.trim().to_owned())
}

/// Optional free text of at most `max` characters.
///
/// # Errors
/// 422 naming `field`.
pub fn text(field: &str, value: Option<&String>, max: usize) -> Result<Option<String>, Invalid> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(Invalid::new(field, format!("at most {max} characters")))
        }
        other => Ok(other.cloned()),
    }
}

/// An IANA time zone name (`America/Chicago`), when one is given.
///
/// # Errors
/// 422 naming `field` for a name the time zone database doesn't know.
pub fn time_zone(field: &str, value: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(str::trim) else {
        return Ok(None);
    };
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| Some(tz.name().to_owned()))
        .map_err(|_| {
            Invalid::new(
                field,
                "must be an IANA time zone such as America/Chicago or Europe/Berlin",
            )
        })
}
