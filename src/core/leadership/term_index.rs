//! A log entry's position.

use super::{LogIndex, Term};

/// Where an entry is in the Raft log: its term and its index. Ordered as Raft orders entries,
/// by term and then by index. It is what the table records as its last applied entry (Ozone's
/// `TransactionInfo`) and what a submitter returns for the entry a write landed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TermIndex {
    /// The entry's term.
    pub term: Term,
    /// The entry's index.
    pub index: LogIndex,
}

impl TermIndex {
    /// The entry at `index` of `term`.
    pub const fn new(term: Term, index: LogIndex) -> Self {
        TermIndex { term, index }
    }
}

impl std::fmt::Display for TermIndex {
    /// As Ratis prints a `TermIndex`: `(t:3, i:41)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(t:{}, i:{})", self.term, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::TermIndex;

    #[test]
    fn entries_order_by_term_then_index() {
        assert!(TermIndex::new(2, 100) < TermIndex::new(3, 1));
        assert!(TermIndex::new(3, 1) < TermIndex::new(3, 2));
        assert_eq!(TermIndex::new(3, 41).to_string(), "(t:3, i:41)");
    }
}
