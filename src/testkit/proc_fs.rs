//! What /proc tells about processes: their memory and their process group.

/// The live processes (zombies excluded: nothing reaps orphans in some containers) of
/// process group `pgid`, as `pid state command` lines from /proc.
pub fn live_group_members(pgid: u32) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut members = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|pid| pid.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its ')'.
        let Some((comm, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(group)) = (fields.first(), fields.get(2)) else {
            continue;
        };
        if *state != "Z" && group.parse::<u32>().ok() == Some(pgid) {
            let comm = comm.split_once('(').map_or(comm, |(_, comm)| comm);
            members.push(format!("{pid} {state} {comm}"));
        }
    }
    members
}

/// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`, ...), when the process and the field
/// are there.
pub fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
