//! A user's enrolment status, as an identity product's users page shows
//! it (Voiso's Pending / Activated / Disabled): what the policy asks of
//! them and whether the factors they have answer it.

use super::*;

/// Where a user stands with MFA at one instant.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// Past the enrolment deadline (or MFA required at once) without an
    /// active allowed factor: the next sign-in stops at enrolment.
    Overdue,
    /// MFA is asked for, and no active factor is one the policy allows.
    Pending,
    /// An active factor the policy allows.
    Activated,
    /// Enforcement `off`: nothing is asked.
    Disabled,
}

impl EnrolmentStatus {
    /// Every status, in the order a report lists users: past the deadline
    /// first.
    pub const ALL: [EnrolmentStatus; 4] = [
        EnrolmentStatus::Overdue,
        EnrolmentStatus::Pending,
        EnrolmentStatus::Activated,
        EnrolmentStatus::Disabled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EnrolmentStatus::Overdue => "overdue",
            EnrolmentStatus::Pending => "pending",
            EnrolmentStatus::Activated => "activated",
            EnrolmentStatus::Disabled => "disabled",
        }
    }

    /// The status of the user a decision at `at` was made for, from the
    /// factors it was given as enrolled.
    pub fn of(d: &Decision<'_>, at: Timestamp) -> EnrolmentStatus {
        if d.enforcement == Level::Off {
            EnrolmentStatus::Disabled
        } else if !d.usable.is_empty() {
            EnrolmentStatus::Activated
        } else if d.enforcement == Level::Required && d.grace_deadline.is_none_or(|dl| at >= dl) {
            EnrolmentStatus::Overdue
        } else {
            EnrolmentStatus::Pending
        }
    }
}

impl std::fmt::Display for EnrolmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_from_a_decision() {
        let text = r#"{"source":"p.mfa","precedence":"specific","timezone":"UTC","calendar":CALENDAR,"epochs":[],"rules":[{"scope":{"users":[],"groups":[],"apps":[],"except":{"users":[],"groups":[],"apps":[]}},"line":1},{"scope":{"users":[],"groups":["Kiosk"],"apps":[],"except":{"users":[],"groups":[],"apps":[]}},"line":2},{"scope":{"users":[],"groups":["Late"],"apps":[],"except":{"users":[],"groups":[],"apps":[]}},"line":3}],"phases":[],"settings":[{"enforcement":"required","factors":["totp"]},{"enforcement":"off"},{"enforcement":"optional"}],"table":[0,1,2],"groups":[["Kiosk",[1]],["Late",[2]]],"exemptions":[]}"#;
        let calendar =
            serde_json::to_string(&crate::policy::Calendar::default()).expect("calendar");
        let text = text.replace("CALENDAR", &calendar);
        let tables: Tables = serde_json::from_str(&text).expect("tables");
        let p = Policy::from_tables(tables).expect("policy");
        let at = Timestamp::UNIX_EPOCH;
        let status = |groups: &[&str], enrolled: &[Factor]| {
            let ctx = LoginContext::new("ann", at)
                .groups(groups)
                .enrolled(enrolled);
            EnrolmentStatus::of(&p.decide_uncached(&ctx), at)
        };
        assert_eq!(status(&[], &[Factor::Totp]), EnrolmentStatus::Activated);
        // Required at once, only a factor the policy does not allow.
        assert_eq!(status(&[], &[Factor::Sms]), EnrolmentStatus::Overdue);
        assert_eq!(status(&["Kiosk"], &[]), EnrolmentStatus::Disabled);
        // Optional (the group rule wins in `specific`): due, not overdue.
        assert_eq!(status(&["Late"], &[]), EnrolmentStatus::Pending);
        assert!(EnrolmentStatus::Overdue < EnrolmentStatus::Pending);
    }
}
