//! What a device function's argument is, so a person gets a control that fits the pump (a
//! pressure field in bar, a start button) rather than a text box for the cloud's string, and so
//! an argument outside it is refused before anything is sent to the device.

/// A function's argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    /// None: the function is called with an empty argument (a button).
    None,
    /// A number in a range, in a unit.
    Number {
        /// The unit shown beside it, e.g. `bar`.
        unit: Option<String>,
        /// The smallest accepted.
        min: f64,
        /// The largest accepted.
        max: f64,
    },
    /// One of a few words.
    Choice {
        /// The accepted words.
        options: Vec<String>,
    },
    /// Free text, at most this many bytes.
    Text {
        /// The longest accepted, in bytes.
        max_length: usize,
    },
}

/// The most options a choice may offer.
pub const MAX_OPTIONS: usize = 20;

impl Argument {
    /// Whether the description itself makes sense; why not, if it doesn't.
    ///
    /// # Errors
    /// An empty or inverted range, a unit or option over 32 bytes, no options or too many.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::None => Ok(()),
            Self::Number { unit, min, max } => {
                if !(min.is_finite() && max.is_finite() && min < max) {
                    return Err("a number's min must be below its max".into());
                }
                if unit.as_ref().is_some_and(|u| u.is_empty() || u.len() > 32) {
                    return Err("a unit is 1 to 32 bytes".into());
                }
                Ok(())
            }
            Self::Choice { options } => {
                if options.is_empty() || options.len() > MAX_OPTIONS {
                    return Err(format!("a choice offers 1 to {MAX_OPTIONS} options"));
                }
                if options.iter().any(|o| o.is_empty() || o.len() > 32) {
                    return Err("an option is 1 to 32 bytes".into());
                }
                Ok(())
            }
            Self::Text { max_length } => {
                if *max_length == 0 {
                    return Err("a text argument's max_length is at least 1".into());
                }
                Ok(())
            }
        }
    }

    /// Whether `arg` is an accepted argument; what is wrong with it if not, in words for the
    /// person who typed it.
    ///
    /// # Errors
    /// As above.
    pub fn check(&self, arg: &str) -> Result<(), String> {
        match self {
            Self::None if arg.is_empty() => Ok(()),
            Self::None => Err("this function takes no argument".into()),
            Self::Number { unit, min, max } => {
                let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                match arg.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() && (*min..=*max).contains(&n) => Ok(()),
                    _ => Err(format!("must be a number from {min} to {max}{unit}")),
                }
            }
            Self::Choice { options } if options.iter().any(|o| o == arg) => Ok(()),
            Self::Choice { options } => Err(format!("must be one of {}", options.join(", "))),
            Self::Text { max_length } if arg.len() <= *max_length => Ok(()),
            Self::Text { max_length } => Err(format!("must be at most {max_length} bytes")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar() -> Argument {
        Argument::Number {
            unit: Some("bar".into()),
            min: 0.0,
            max: 10.0,
        }
    }

    #[test]
    fn a_number_is_checked_against_its_range_with_the_unit_in_the_words() {
        assert_eq!(bar().check("4.2"), Ok(()));
        assert_eq!(bar().check(" 10 "), Ok(()));
        assert_eq!(
            bar().check("10.5"),
            Err("must be a number from 0 to 10 bar".into())
        );
        for bad in ["", "NaN", "inf", "four", "-0.1"] {
            assert!(bar().check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn buttons_choices_and_text_take_what_they_say() {
        assert_eq!(Argument::None.check(""), Ok(()));
        assert!(Argument::None.check("x").is_err());
        let choice = Argument::Choice {
            options: vec!["eco".into(), "boost".into()],
        };
        assert_eq!(choice.check("eco"), Ok(()));
        assert_eq!(choice.check("max"), Err("must be one of eco, boost".into()));
        let text = Argument::Text { max_length: 3 };
        assert_eq!(text.check("abc"), Ok(()));
        assert!(text.check("abcd").is_err());
    }

    #[test]
    fn senseless_descriptions_are_refused() {
        let inverted = Argument::Number {
            unit: None,
            min: 5.0,
            max: 1.0,
        };
        assert!(inverted.validate().is_err());
        assert!(Argument::Choice { options: vec![] }.validate().is_err());
        assert!(Argument::Text { max_length: 0 }.validate().is_err());
        assert_eq!(bar().validate(), Ok(()));
    }
}
