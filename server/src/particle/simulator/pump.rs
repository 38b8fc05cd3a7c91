//! The firmware of a simulated pump controller: its cloud functions, variables and the events
//! it publishes.
use chrono::{DateTime, Utc};
use serde_json::Value;

/// `Particle.function` names, in registration order (the order the cloud lists them).
pub(crate) const FUNCTIONS: [&str; 4] = ["setPressure", "start", "stop", "reset"];

/// `Particle.variable` names and their cloud types.
pub(crate) const VARIABLES: [(&str, &str); 4] = [
    ("pressure", "double"),
    ("flow", "double"),
    ("running", "bool"),
    ("firmware", "string"),
];

/// The highest pressure `setPressure` accepts, in bar.
pub(crate) const MAX_PRESSURE_BAR: f64 = 10.0;

/// Litres per minute per bar while running: any monotonic curve will do for a dashboard.
const FLOW_PER_BAR: f64 = 3.7;

/// What a pump controller holds in RAM.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pump {
    pub(crate) pressure: f64,
    pub(crate) running: bool,
    pub(crate) firmware: String,
}

/// The result of a cloud function: its `int` return value and the events it published.
#[derive(Debug, PartialEq)]
pub(crate) struct Called {
    pub(crate) return_value: i32,
    pub(crate) events: Vec<(&'static str, String)>,
}

impl Pump {
    pub(crate) fn new(pressure: f64, firmware: &str) -> Self {
        Self {
            pressure,
            running: false,
            firmware: firmware.to_owned(),
        }
    }

    /// Derived, like a flow sensor downstream of the pump: zero when stopped.
    pub(crate) fn flow(&self) -> f64 {
        if self.running {
            (self.pressure * FLOW_PER_BAR * 100.0).round() / 100.0
        } else {
            0.0
        }
    }

    /// What the pressure sensor reads at `now`: the set pressure while running, with a small
    /// ripple (so a chart shows a live line), and nothing when stopped.
    pub(crate) fn measured_pressure(&self, now: DateTime<Utc>) -> f64 {
        if self.running {
            (self.pressure * (1.0 + 0.02 * ripple(now))).max(0.0)
        } else {
            0.0
        }
    }

    /// What the flow sensor reads at `now`: the flow for the measured pressure.
    pub(crate) fn measured_flow(&self, now: DateTime<Utc>) -> f64 {
        self.measured_pressure(now) * FLOW_PER_BAR
    }

    /// Runs a cloud function; `None` when the firmware registered no such function.
    pub(crate) fn call(&mut self, function: &str, arg: &str) -> Option<Called> {
        let called = match function {
            "setPressure" => match parse_pressure(arg) {
                Some(bar) => {
                    self.pressure = bar;
                    Called {
                        return_value: 1,
                        events: vec![("pump/pressure", format!("{bar}"))],
                    }
                }
                // Firmware convention: -1 for a rejected argument.
                None => Called {
                    return_value: -1,
                    events: Vec::new(),
                },
            },
            "start" => {
                self.running = true;
                Called {
                    return_value: 1,
                    events: vec![("pump/state", "running".to_owned())],
                }
            }
            "stop" => {
                self.running = false;
                Called {
                    return_value: 1,
                    events: vec![("pump/state", "stopped".to_owned())],
                }
            }
            "reset" => {
                self.running = false;
                self.pressure = 0.0;
                Called {
                    return_value: 1,
                    events: vec![("pump/state", "reset".to_owned())],
                }
            }
            _ => return None,
        };
        Some(called)
    }

    /// Reads a cloud variable; `None` when the firmware registered no such variable.
    pub(crate) fn read(&self, variable: &str) -> Option<Value> {
        match variable {
            "pressure" => Some(Value::from(self.pressure)),
            "flow" => Some(Value::from(self.flow())),
            "running" => Some(Value::from(self.running)),
            "firmware" => Some(Value::from(self.firmware.clone())),
            _ => None,
        }
    }
}

/// A slow wave between -1 and 1 over each minute: deterministic, so tests can predict it.
fn ripple(now: DateTime<Utc>) -> f64 {
    let second = f64::from(now.timestamp().rem_euclid(60) as u32);
    (second / 60.0 * std::f64::consts::TAU).sin()
}

fn parse_pressure(arg: &str) -> Option<f64> {
    let bar: f64 = arg.trim().parse().ok()?;
    (bar.is_finite() && (0.0..=MAX_PRESSURE_BAR).contains(&bar)).then_some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_pressure_accepts_a_number_in_range_and_publishes_it() {
        // Arrange
        let mut pump = Pump::new(0.0, "1.0.0");

        // Act
        let called = pump.call("setPressure", " 4.5 ");

        // Assert
        assert_eq!(
            called,
            Some(Called {
                return_value: 1,
                events: vec![("pump/pressure", "4.5".to_owned())]
            })
        );
        assert_eq!(pump.read("pressure"), Some(Value::from(4.5)));
    }

    #[test]
    fn set_pressure_rejects_out_of_range_and_garbage_with_minus_one() {
        for arg in ["", "abc", "-0.1", "10.01", "NaN", "inf"] {
            // Arrange
            let mut pump = Pump::new(2.0, "1.0.0");

            // Act
            let called = pump.call("setPressure", arg);

            // Assert
            assert_eq!(called.map(|c| c.return_value), Some(-1), "arg {arg:?}");
            assert!((pump.pressure - 2.0).abs() < f64::EPSILON);
        }
    }

    #[test]
    fn flow_follows_pressure_only_while_running() {
        // Arrange
        let mut pump = Pump::new(2.0, "1.0.0");
        assert!(pump.flow().abs() < f64::EPSILON);

        // Act
        pump.call("start", "");

        // Assert
        assert!((pump.flow() - 7.4).abs() < 1e-9);
        assert_eq!(pump.read("running"), Some(Value::from(true)));
    }

    #[test]
    fn unknown_functions_and_variables_are_none() {
        let mut pump = Pump::new(0.0, "1.0.0");
        assert!(pump.call("explode", "").is_none());
        assert!(pump.read("temperature").is_none());
    }
}
