//! Ports for nodes that must keep one address across restarts.

use std::net::TcpListener;

/// `n` distinct ports on 127.0.0.1 that were free a moment ago (all bound at once, then
/// released).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for a free port"))
        .collect();
    listeners
        .iter()
        .map(|listener| listener.local_addr().expect("a bound address").port())
        .collect()
}
