//! A log entry's position: its term, its index, and the two together.
//!
//! Term and index are distinct types, so `leader_ready(term, barrier)` or `applied(term, index)`
//! cannot take its arguments swapped. Hosts wrap what Raft hands them at the boundary:
//! `node.applied(Term(3), LogIndex(41))`.

/// A Raft term. Terms only grow; the term a service starts in is its epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Term(pub u64);

/// A Raft log index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct LogIndex(pub u64);

impl LogIndex {
    /// The index after this one.
    pub const fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Display for LogIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

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

impl From<crate::proto::TransactionInfo> for TermIndex {
    fn from(info: crate::proto::TransactionInfo) -> Self {
        TermIndex::new(Term(info.term), LogIndex(info.index))
    }
}

impl From<TermIndex> for crate::proto::TransactionInfo {
    fn from(entry: TermIndex) -> Self {
        crate::proto::TransactionInfo {
            term: entry.term.0,
            index: entry.index.0,
        }
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
    use super::{LogIndex, Term, TermIndex};

    fn at(term: u64, index: u64) -> TermIndex {
        TermIndex::new(Term(term), LogIndex(index))
    }

    #[test]
    fn entries_order_by_term_then_index() {
        assert!(at(2, 100) < at(3, 1));
        assert!(at(3, 1) < at(3, 2));
        assert_eq!(at(3, 41).to_string(), "(t:3, i:41)");
    }
}
