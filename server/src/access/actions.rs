//! The action vocabulary and bit sets over it: a role's precomputed actions, so a check is one
//! bit test instead of a casbin call.
use std::collections::BTreeSet;

use super::Map;

/// Every concrete action the server knows, each with a fixed bit. It only grows: a bit that
/// names an action no role holds any more costs nothing.
#[derive(Default)]
pub(super) struct Vocabulary {
    names: Vec<String>,
    bits: Map<String, u32>,
}

impl Vocabulary {
    /// The action's bit, if it is in the vocabulary.
    pub(super) fn bit(&self, action: &str) -> Option<u32> {
        self.bits.get(action).copied()
    }

    /// Adds `action`; returns its new bit, or `None` when it was already there or is a
    /// pattern (`device.function.call.*` names many actions, none of them itself).
    pub(super) fn insert(&mut self, action: &str) -> Option<u32> {
        if action.is_empty() || action.contains('*') || self.bits.contains_key(action) {
            return None;
        }
        let bit = u32::try_from(self.names.len()).ok()?;
        self.names.push(action.to_owned());
        self.bits.insert(action.to_owned(), bit);
        Some(bit)
    }

    /// Every action with its bit.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0u32..).zip(self.names.iter().map(String::as_str))
    }

    /// The set holding every action.
    pub(super) fn all(&self) -> ActionSet {
        let mut set = ActionSet::default();
        for (bit, _) in self.iter() {
            set.insert(bit);
        }
        set
    }

    /// The names of the actions in `set`.
    pub(super) fn names(&self, set: &ActionSet) -> BTreeSet<String> {
        self.iter()
            .filter(|(bit, _)| set.contains(*bit))
            .map(|(_, name)| name.to_owned())
            .collect()
    }
}

/// A set of actions, one bit per vocabulary entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ActionSet(Vec<u64>);

impl ActionSet {
    pub(super) fn contains(&self, bit: u32) -> bool {
        let (word, mask) = Self::locate(bit);
        self.0.get(word).is_some_and(|w| w & mask != 0)
    }

    pub(super) fn insert(&mut self, bit: u32) {
        let (word, mask) = Self::locate(bit);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(w) = self.0.get_mut(word) {
            *w |= mask;
        }
    }

    pub(super) fn set(&mut self, bit: u32, on: bool) {
        if on {
            self.insert(bit);
        } else {
            let (word, mask) = Self::locate(bit);
            if let Some(w) = self.0.get_mut(word) {
                *w &= !mask;
            }
        }
    }

    pub(super) fn union_with(&mut self, other: &Self) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine |= theirs;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    fn locate(bit: u32) -> (usize, u64) {
        // u32 → usize is lossless on every target the server runs on.
        ((bit / 64) as usize, 1 << (bit % 64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_repeats_do_not_join_the_vocabulary() {
        let mut vocabulary = Vocabulary::default();
        assert_eq!(vocabulary.insert("device.read"), Some(0));
        assert_eq!(vocabulary.insert("device.read"), None);
        assert_eq!(vocabulary.insert("device.function.call.*"), None);
        assert_eq!(vocabulary.insert(""), None);
        assert_eq!(vocabulary.insert("device.share"), Some(1));
        assert_eq!(vocabulary.bit("device.share"), Some(1));
        assert_eq!(vocabulary.bit("device.function.call.*"), None);
    }

    #[test]
    fn sets_grow_past_one_word_and_union() {
        let mut a = ActionSet::default();
        let mut b = ActionSet::default();
        a.insert(3);
        b.insert(130);
        assert!(!a.contains(130) && !b.contains(3));
        a.union_with(&b);
        assert!(a.contains(3) && a.contains(130) && !a.contains(64));
        a.set(3, false);
        a.set(130, false);
        assert!(a.is_empty());
    }
}
