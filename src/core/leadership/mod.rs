//! What this node may do, derived from the Raft events its host forwards (docs/design.md,
//! section 3).

mod model;
mod permission;
mod term_index;

pub use model::{EventOutcome, LeadershipModel, Role};
pub use permission::{Blocker, GrantId, Permission};
pub use term_index::{LogIndex, Term, TermIndex};
