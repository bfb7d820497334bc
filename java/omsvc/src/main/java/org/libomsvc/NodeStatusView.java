package org.libomsvc;

import java.util.List;

/**
 * A node's status as the native side reports it: its leadership view and each service's status,
 * with the reason services wait when they do.
 *
 * @param selfId this peer's id
 * @param term the current term
 * @param leader the known leader's id; null when none is known
 * @param role "follower", "leader-not-ready" or "leader-ready"
 * @param barrier the barrier index of the current leadership
 * @param applied the highest index reported applied
 * @param peers the peer set of the last configuration
 * @param ignoredEvents stale or contradictory events received and ignored
 * @param blocker why services may not run (e.g. "waiting for barrier 120, applied 118"); null when
 *     they may
 * @param lastAppliedTerm term of the table's last applied entry
 * @param lastAppliedIndex index of the table's last applied entry
 * @param services every registered service, in registration order
 */
public record NodeStatusView(
    String selfId,
    long term,
    String leader,
    String role,
    long barrier,
    long applied,
    List<String> peers,
    long ignoredEvents,
    String blocker,
    long lastAppliedTerm,
    long lastAppliedIndex,
    List<ServiceStatusView> services) {

  /** The named service's status, or {@link UnknownServiceException}. */
  public ServiceStatusView service(String name) {
    return services.stream()
        .filter(service -> service.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new UnknownServiceException(
                    "no service named \"" + name + "\" is registered on node " + selfId));
  }
}
