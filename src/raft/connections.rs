//! Admission of inbound connections: a total limit, a per-address limit, and capacity kept in
//! reserve for cluster members, so a flood of connections from anywhere else can neither take
//! the node's file descriptors nor keep its peers out.
//!
//! Members are known by IP address, from the addresses in the membership. Their connections
//! come from ephemeral ports, so the port says nothing; and without authentication a first
//! frame cannot prove membership either (the cluster name is not a secret). So every
//! connection from a member's host is treated as the member's: it may use the reserve, has no
//! per-address limit and no shared read budget. On a machine that runs members, clients on that
//! machine share this trust; an attacker elsewhere gets the per-address limit, the shared budget
//! and whatever is left outside the reserve.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Limits on inbound connections and on what they may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open inbound connections at most (keep it below the process's file limit).
    pub max_connections: usize,
    /// Of those, how many only cluster members may use.
    pub member_reserve: usize,
    /// Open connections from one non-member address at most.
    pub max_per_address: usize,
    /// Bytes of large frames (over 64 KiB) that all non-member connections together may be
    /// reading; a frame reserves its length whole and waits for room. Never below one frame.
    pub untrusted_read_budget: usize,
    /// A connection with no frame begun for this long is closed.
    pub idle_timeout: Duration,
    /// A frame begun must be complete within this long, or its connection is closed.
    pub frame_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            member_reserve: 64,
            max_per_address: 64,
            untrusted_read_budget: 64 * 1024 * 1024,
            idle_timeout: Duration::from_secs(300),
            frame_timeout: Duration::from_secs(30),
        }
    }
}

/// File descriptors kept for everything but inbound connections: RocksDB's files, outbound
/// connections to peers, the runtime's own.
const FILES_KEPT_FOR_THE_NODE: u64 = 256;

impl ConnectionLimits {
    /// These limits with `max_connections` lowered, if needed, to what the process's open file
    /// limit leaves for inbound connections (a node out of descriptors cannot even open its
    /// database files or reach its peers). The reserve shrinks with it, to half at most.
    pub fn fit_to_file_limit(mut self) -> ConnectionLimits {
        let mut files = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct passed by reference.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) } != 0 {
            return self;
        }
        let room = files
            .rlim_cur
            .saturating_sub(FILES_KEPT_FOR_THE_NODE)
            .max(16);
        if (self.max_connections as u64) > room {
            self.max_connections = room as usize;
        }
        self.member_reserve = self.member_reserve.min(self.max_connections / 2);
        self
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
    members: BTreeSet<IpAddr>,
    refused: u64,
}

/// The open inbound connections, by address.
#[derive(Debug, Clone)]
pub struct Admission {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The node has all the connections it takes (outside the members' reserve).
    Full {
        /// Connections open on the node.
        open: usize,
    },
    /// This address has all the connections it may have.
    AddressFull {
        /// Connections open from the address.
        open: usize,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Full { open } => {
                write!(f, "{open} connections open, the limit for non-members")
            }
            Refusal::AddressFull { open } => {
                write!(f, "{open} connections open from this address, its limit")
            }
        }
    }
}

/// One admitted connection; its place is freed when dropped.
#[derive(Debug)]
pub struct Admitted {
    counts: Arc<Mutex<Counts>>,
    addr: IpAddr,
    /// Whether it comes from a member's address (and so may use the members' reserve).
    pub is_member: bool,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = lock(&self.counts);
        counts.total -= 1;
        if let Some(open) = counts.per_address.get_mut(&self.addr) {
            *open -= 1;
            if *open == 0 {
                counts.per_address.remove(&self.addr);
            }
        }
    }
}

fn lock(counts: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    counts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Admission {
    /// No connection open yet, and no member known.
    pub fn new(limits: ConnectionLimits) -> Admission {
        Admission {
            limits,
            counts: Default::default(),
        }
    }

    /// The limits it enforces.
    pub fn limits(&self) -> &ConnectionLimits {
        &self.limits
    }

    /// The member addresses, from the current membership.
    pub fn set_members(&self, members: BTreeSet<IpAddr>) {
        lock(&self.counts).members = members;
    }

    /// Connections refused so far.
    pub fn refused(&self) -> u64 {
        lock(&self.counts).refused
    }

    /// Admits a connection from `addr`, or says which limit it would break (and counts it).
    pub fn admit(&self, addr: IpAddr) -> Result<Admitted, Refusal> {
        let mut counts = lock(&self.counts);
        let is_member = counts.members.contains(&addr) || counts.members.contains(&canonical(addr));
        let open_here = counts.per_address.get(&addr).copied().unwrap_or(0);
        let refusal = if is_member {
            (counts.total >= self.limits.max_connections)
                .then_some(Refusal::Full { open: counts.total })
        } else if counts.total + self.limits.member_reserve >= self.limits.max_connections {
            Some(Refusal::Full { open: counts.total })
        } else if open_here >= self.limits.max_per_address {
            Some(Refusal::AddressFull { open: open_here })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            counts.refused += 1;
            return Err(refusal);
        }
        counts.total += 1;
        *counts.per_address.entry(addr).or_default() += 1;
        Ok(Admitted {
            counts: self.counts.clone(),
            addr,
            is_member,
        })
    }
}

/// An IPv4 address seen as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 10,
            member_reserve: 4,
            max_per_address: 3,
            ..Default::default()
        }
    }

    #[test]
    fn one_address_gets_its_share_and_members_keep_their_reserve() {
        let admission = Admission::new(limits());
        let member: IpAddr = "10.0.0.1".parse().unwrap();
        admission.set_members([member].into());
        let flood: IpAddr = "10.9.9.9".parse().unwrap();
        let kept: Vec<_> = (0..3).map(|_| admission.admit(flood).unwrap()).collect();
        assert_eq!(
            admission.admit(flood).unwrap_err(),
            Refusal::AddressFull { open: 3 }
        );
        let others: Vec<_> = (0..3)
            .map(|i| {
                admission
                    .admit(format!("10.1.0.{i}").parse().unwrap())
                    .unwrap()
            })
            .collect();
        // 6 open, 4 reserved: no other non-member gets in, every member still does.
        assert_eq!(
            admission.admit("10.2.0.1".parse().unwrap()).unwrap_err(),
            Refusal::Full { open: 6 }
        );
        let members: Vec<_> = (0..4).map(|_| admission.admit(member).unwrap()).collect();
        assert!(members.iter().all(|admitted| admitted.is_member));
        assert_eq!(
            admission.admit(member).unwrap_err(),
            Refusal::Full { open: 10 }
        );
        drop(kept);
        assert!(
            admission.admit(flood).is_err(),
            "still full outside the reserve"
        );
        drop(members);
        assert!(!admission.admit(flood).unwrap().is_member);
        assert_eq!(admission.refused(), 4);
        drop(others);
    }

    #[test]
    fn a_member_seen_as_mapped_ipv6_is_the_member() {
        let admission = Admission::new(limits());
        admission.set_members(["127.0.0.1".parse().unwrap()].into());
        assert!(
            admission
                .admit("::ffff:127.0.0.1".parse().unwrap())
                .unwrap()
                .is_member
        );
    }
}
