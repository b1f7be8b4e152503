//! Proof results kept from one check of a document to the next, for an
//! editor that checks on every keystroke. While the policy means the same
//! (its tables equal, lines and file name aside), a property proven before
//! has the same answer: editing an assertion, a comment or the layout
//! re-proves only what changed. Counterexamples are kept raw, so their
//! places are written afresh from the current text.

use crate::{Counterexample, Property, Space, Unjudgeable};
use mfac_core::compile::Tables;
use mfac_core::eval::Policy;

type Answer = Result<Result<(), Counterexample>, Unjudgeable>;

#[derive(Debug, Default)]
pub struct Memo {
    meaning: Option<Tables>,
    answers: Vec<(Property, Space, Answer)>,
    hits: usize,
}

impl Memo {
    /// Start a check of `policy`: the answers stay if it means what the
    /// last one meant, and are forgotten if not.
    pub fn begin(&mut self, policy: &Policy) {
        let meaning = policy.tables().meaning();
        if self.meaning.as_ref() != Some(&meaning) {
            self.answers.clear();
            self.meaning = Some(meaning);
        }
    }

    /// The answer kept for `p` over `space`.
    pub fn get(&mut self, p: &Property, space: &Space) -> Option<Answer> {
        let found = self
            .answers
            .iter()
            .find(|(q, s, _)| q == p && s == space)
            .map(|(_, _, a)| a.clone());
        self.hits += usize::from(found.is_some());
        found
    }

    pub fn keep(&mut self, p: &Property, space: &Space, answer: &Answer) {
        self.answers
            .push((p.clone(), space.clone(), answer.clone()));
    }

    /// How many answers were reused, over the memo's life.
    pub fn hits(&self) -> usize {
        self.hits
    }
}
