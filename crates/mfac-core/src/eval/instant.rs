//! Many users decided at one instant in one app: `mfac simulate`'s
//! million users, each decided twice. Where the per-group joins hold and
//! no rule or exemption names the user (`joined.rs`), a decision without
//! its rule list reads of the user only the joins their groups name and
//! their enrolled factors; a population meets few such pairs, so each
//! verdict is worked out once and looked up after.

use super::{LoginContext, Policy, Scratch, Verdict};
use crate::policy::FactorSet;
use jiff::Timestamp;

/// [`Policy::verdict_group_ids`] for logins at one instant in one app,
/// each verdict remembered by what decides it.
#[derive(Debug)]
pub struct AtInstant<'a> {
    policy: &'a Policy,
    at: Timestamp,
    app: Option<&'a str>,
    epoch: usize,
    known: Known,
    scratch: Scratch,
}

impl<'a> AtInstant<'a> {
    pub fn new(policy: &'a Policy, at: Timestamp, app: Option<&'a str>) -> AtInstant<'a> {
        AtInstant {
            policy,
            at,
            app,
            epoch: policy.epoch_of(at),
            known: Known::default(),
            scratch: Scratch::default(),
        }
    }

    /// The verdict for `user` in the groups with these ids (their ids in
    /// this policy: [`Policy::group_id`]), holding `enrolled`.
    pub fn verdict(&mut self, user: &str, group_ids: &[u32], enrolled: FactorSet) -> Verdict {
        let ctx = LoginContext::new(user, self.at)
            .app(self.app)
            .enrolled_set(enrolled);
        let Some(met) = self.policy.joins_key(user, group_ids, self.epoch) else {
            return self
                .policy
                .verdict_group_ids(group_ids, &ctx, &mut self.scratch);
        };
        let key = Key { met, enrolled };
        if let Some(v) = self.known.get(key) {
            return v;
        }
        let v = self
            .policy
            .verdict_group_ids(group_ids, &ctx, &mut self.scratch);
        self.known.insert(key, v);
        v
    }
}

/// What decides a verdict where [`Policy::joins_key`] holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Key {
    met: u64,
    enrolled: FactorSet,
}

/// The verdicts worked out, by [`Key`]: open addressing in a table small
/// enough to stay in a core's cache beside the policy's (a table that
/// held every pair a million random users meet was slower: each look-up
/// a trip to memory). A population meets few distinct verdicts, so a
/// slot holds an index into them, not the verdict. Once the table is half
/// full, or 255 verdicts are known, what is new is worked out every time:
/// memory stays bounded whatever the directory holds.
#[derive(Debug)]
struct Known {
    slots: Box<[(Key, u8)]>,
    /// Slot `(k, i)` holds verdict `verdicts[i - 1]`; `i == 0`: empty.
    verdicts: Vec<Verdict>,
    len: usize,
}

const SLOTS: usize = 1 << 14;

impl Default for Known {
    fn default() -> Known {
        Known {
            slots: vec![(Key::default(), 0); SLOTS].into_boxed_slice(),
            verdicts: Vec::new(),
            len: 0,
        }
    }
}

impl Known {
    /// The slot of `key`, or the empty slot where it would go.
    fn find(&self, key: Key) -> usize {
        let h = (key.met ^ u64::from(key.enrolled.bits()).rotate_right(8))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut i = (h >> (64 - SLOTS.trailing_zeros())) as usize;
        // At most half full, so an empty slot ends every probe.
        loop {
            match self.slots.get(i) {
                Some(&(k, v)) if v != 0 && k != key => i = (i + 1) % SLOTS,
                _ => return i,
            }
        }
    }

    fn get(&self, key: Key) -> Option<Verdict> {
        let (_, v) = *self.slots.get(self.find(key))?;
        self.verdicts.get(usize::from(v).checked_sub(1)?).copied()
    }

    fn insert(&mut self, key: Key, v: Verdict) {
        if self.len >= SLOTS / 2 {
            return;
        }
        let index = match self.verdicts.iter().position(|&x| x == v) {
            Some(i) => i,
            None if self.verdicts.len() < usize::from(u8::MAX) => {
                self.verdicts.push(v);
                self.verdicts.len() - 1
            }
            None => return,
        };
        let at = self.find(key);
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = (key, index as u8 + 1);
            self.len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Outcome;
    use crate::policy::{Aal, Level};

    /// The `n`th of many distinct verdicts.
    fn verdict(n: i64) -> Verdict {
        Verdict {
            outcome: Outcome::Enrol,
            aal: Aal::Aal1,
            enforcement: Level::Required,
            factors: FactorSet::NON_RECOVERY,
            deadline: Timestamp::from_second(n).ok(),
            report_only: None,
        }
    }

    fn key(met: u64, enrolled: u8) -> Key {
        Key {
            met,
            enrolled: FactorSet::from_bits(enrolled).unwrap(),
        }
    }

    #[test]
    fn the_table_answers_what_it_holds_and_stops_growing() {
        let mut known = Known::default();
        assert_eq!(known.get(key(0, 0)), None);
        // Keys alike but for the factors, or but for one bit, are apart.
        known.insert(key(0, 0), verdict(1));
        known.insert(key(0, 1), verdict(2));
        known.insert(key(1 << 63, 0), verdict(1));
        assert_eq!(known.get(key(0, 0)), Some(verdict(1)));
        assert_eq!(known.get(key(0, 1)), Some(verdict(2)));
        assert_eq!(known.get(key(1 << 63, 0)), Some(verdict(1)));
        assert_eq!(known.get(key(1, 0)), None);
        assert_eq!(known.verdicts.len(), 2, "a verdict is kept once");
        // Past 255 distinct verdicts, a new one is not kept.
        for n in 0..300 {
            known.insert(key(100 + n as u64, 0), verdict(n));
        }
        assert_eq!(known.verdicts.len(), 255);
        assert_eq!(known.get(key(100 + 10, 0)), Some(verdict(10)));
        assert_eq!(known.get(key(100 + 299, 0)), None);
        // Half full, it takes nothing more, and still answers.
        for n in 0..SLOTS as u64 {
            known.insert(key(1_000_000 + n, 0), verdict(1));
        }
        assert_eq!(known.len, SLOTS / 2);
        assert_eq!(known.get(key(0, 1)), Some(verdict(2)));
        assert_eq!(known.get(key(1_000_000 + SLOTS as u64 - 1, 0)), None);
    }
}
