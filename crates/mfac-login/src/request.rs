//! From a request to the login it describes: the one conversion that the
//! service (`POST /v1/decide`), `mfac eval` and the tests share, so the same
//! words mean the same login everywhere, and the same bad value is refused
//! with the same words.

use crate::api::DecideRequest;
use mfac_core::eval::{LastMfa, LoginContext};
use mfac_core::FactorSet;
use std::net::IpAddr;

/// The longest user id, group, app, label or reason accepted.
pub const MAX_NAME: usize = 256;
/// The most groups one login may name.
pub const MAX_GROUPS: usize = 1000;

/// A value a request may not carry: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {why}")]
pub struct BadValue {
    /// The field as the request names it (`at`, `last_mfa.ip`, ...).
    pub field: &'static str,
    pub why: String,
}

fn bad(field: &'static str, why: impl Into<String>) -> BadValue {
    BadValue {
        field,
        why: why.into(),
    }
}

/// A user id, group, app, label or reason: not empty, not too long, no
/// control characters (which would forge lines in logs and the audit), and
/// no invisible or direction-changing ones (which make a name look like
/// another, and which the policy language refuses in names too: E022).
pub fn name<'a>(field: &'static str, v: &'a str) -> Result<&'a str, BadValue> {
    if v.is_empty() || v.len() > MAX_NAME || v.chars().any(char::is_control) {
        return Err(bad(
            field,
            format!("must be 1 to {MAX_NAME} bytes without control characters"),
        ));
    }
    if let Some(c) = mfac_core::name::find_invisible(v) {
        return Err(bad(
            field,
            format!(
                "holds the invisible or direction-changing character U+{:04X}, which makes a name look like another; send the name without it",
                u32::from(c)
            ),
        ));
    }
    Ok(v)
}

/// A user id as the store keeps it: a [`name`], in Unicode NFC, so that
/// `é` sent as one code point or as `e` and a combining accent is one user
/// with one set of factors, one failure count and one audit trail.
pub fn user<'a>(field: &'static str, v: &'a str) -> Result<std::borrow::Cow<'a, str>, BadValue> {
    name(field, v).map(mfac_core::name::nfc)
}

/// The groups of a login, each a name, at most [`MAX_GROUPS`].
pub fn groups(v: &[String]) -> Result<Vec<&str>, BadValue> {
    if v.len() > MAX_GROUPS {
        return Err(bad("groups", format!("at most {MAX_GROUPS} groups")));
    }
    v.iter().map(|g| name("groups", g)).collect()
}

/// An IP address, if given.
pub fn ip(field: &'static str, v: Option<&str>) -> Result<Option<IpAddr>, BadValue> {
    v.map(|t| t.parse().map_err(|_| bad(field, "not an IP address")))
        .transpose()
}

impl DecideRequest {
    /// The login this request describes, its times read in `tz` (the
    /// policy's), at `now` when it names no instant; `groups` are this
    /// request's, from [`groups`].
    pub fn login<'a>(
        &'a self,
        groups: &'a [&'a str],
        tz: &jiff::tz::TimeZone,
        now: jiff::Timestamp,
    ) -> Result<LoginContext<'a>, BadValue> {
        let when = |t: &str, field: &'static str| {
            mfac_core::time::parse_instant(t, tz).map_err(|e| bad(field, e.to_string()))
        };
        let at = match &self.at {
            Some(t) => when(t, "at")?,
            None => now,
        };
        let last = match &self.last_mfa {
            Some(m) => Some(LastMfa {
                at: when(&m.at, "last_mfa.at")?,
                ip: ip("last_mfa.ip", m.ip.as_deref())?,
                logins_since: m.logins_since,
                aal: match m.aal {
                    None => None,
                    Some(n) => Some(
                        mfac_core::policy::Aal::from_number(n)
                            .ok_or_else(|| bad("last_mfa.aal", "must be 1, 2 or 3"))?,
                    ),
                },
            }),
            None => None,
        };
        let enrolled = self
            .enrolled
            .iter()
            .fold(FactorSet::EMPTY, |set, &f| set.with(f));
        Ok(LoginContext::new(name("user", &self.user)?, at)
            .groups(groups)
            .app(self.app.as_deref().map(|a| name("app", a)).transpose()?)
            .ip(ip("ip", self.ip.as_deref())?)
            .enrolled_set(enrolled)
            .last_mfa(last)
            .step_up(self.step_up))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_field() {
        let utc = jiff::tz::TimeZone::UTC;
        let now = jiff::Timestamp::UNIX_EPOCH;
        let r = DecideRequest {
            user: "ann".into(),
            at: Some("noon".into()),
            ..DecideRequest::default()
        };
        assert_eq!(r.login(&[], &utc, now).map(|_| ()).unwrap_err().field, "at");
        let r = DecideRequest {
            user: "a\u{7}b".into(),
            ..DecideRequest::default()
        };
        assert_eq!(
            r.login(&[], &utc, now).map(|_| ()).unwrap_err().field,
            "user"
        );
        let r = DecideRequest {
            user: "ann".into(),
            ip: Some("300.1.1.1".into()),
            ..DecideRequest::default()
        };
        assert_eq!(r.login(&[], &utc, now).map(|_| ()).unwrap_err().field, "ip");
        let many = vec!["g".to_string(); MAX_GROUPS + 1];
        assert_eq!(groups(&many).unwrap_err().field, "groups");
        let r = DecideRequest {
            user: "ann".into(),
            at: Some("2026-12-15T09:00:00Z".into()),
            ..DecideRequest::default()
        };
        let ctx = r.login(&["Staff"], &utc, now).unwrap();
        assert_eq!((ctx.user, ctx.groups), ("ann", &["Staff"][..]));
    }
}
