//! Plan limits: whether seating one more person goes past the plan's maximum.
use super::plan::Plan;

/// Seating someone would go past the plan's maximum number of people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "your plan includes at most {max} {people}; a platform administrator can change the plan",
    people = if *max == 1 { "person" } else { "people" }
)]
pub struct LimitExceeded {
    /// The plan's maximum.
    pub max: u32,
    /// People seated now.
    pub seated: u32,
}

/// Whether giving access to one more person breaks `plan`'s maximum, with `seated` people
/// seated now. Someone already seated takes no new seat, so never breaks it, even where a
/// plan change has left the tenant above its maximum.
pub fn would_exceed(
    plan: &Plan,
    seated: u32,
    adding_person_already_seated: bool,
) -> Option<LimitExceeded> {
    let max = plan.max_seats?;
    (!adding_person_already_seated && seated >= max).then_some(LimitExceeded { max, seated })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::billing::money::Currency;

    fn plan(max_seats: Option<u32>) -> Plan {
        Plan {
            code: "team".into(),
            name: "Team".into(),
            included_seats: 5,
            monthly_price: 10_000,
            extra_seat_price: 1_500,
            currency: Currency::parse("EUR").unwrap_or_else(|e| panic!("{e}")),
            max_seats,
        }
    }

    #[test]
    fn the_last_allowed_seat_can_be_taken_and_the_next_cannot() {
        assert_eq!(would_exceed(&plan(Some(10)), 9, false), None);
        let refused = would_exceed(&plan(Some(10)), 10, false);
        assert_eq!(
            refused,
            Some(LimitExceeded {
                max: 10,
                seated: 10
            })
        );
        assert_eq!(
            refused.map(|r| r.to_string()).unwrap_or_default(),
            "your plan includes at most 10 people; a platform administrator can change the plan"
        );
    }

    #[test]
    fn someone_already_seated_takes_no_new_seat() {
        assert_eq!(would_exceed(&plan(Some(10)), 10, true), None);
        assert_eq!(would_exceed(&plan(Some(10)), 12, true), None);
    }

    #[test]
    fn a_plan_without_a_maximum_never_refuses() {
        assert_eq!(would_exceed(&plan(None), u32::MAX, false), None);
    }

    #[test]
    fn a_maximum_of_one_reads_as_one_person() {
        let refused = would_exceed(&plan(Some(1)), 1, false).map(|r| r.to_string());
        assert_eq!(
            refused.as_deref(),
            Some(
                "your plan includes at most 1 person; a platform administrator can change the plan"
            )
        );
    }
}
