package org.libomsvc;

import java.time.Duration;
import java.util.List;

/** Drives one node through Ratis's event sequences in tests. */
final class NodeFixture {
  static final Duration SETTLE = Duration.ofSeconds(10);

  private NodeFixture() {}

  /** Ratis's order on a new leader: leader changed, configuration, leader-ready. */
  static void becomeReadyLeader(OMServiceManager manager, long term, long barrier) {
    RatisEventForwarder events = manager.getEventForwarder();
    events.notifyLeaderChanged(term, manager.getSelfId());
    events.notifyConfigurationChanged(
        term, barrier, List.of(manager.getSelfId(), "om2", "om3"));
    events.notifyLeaderReady(term, barrier);
    settle(manager);
  }

  static void settle(OMServiceManager manager) {
    if (!manager.waitSettled(SETTLE)) {
      throw new AssertionError("the runner did not settle: " + manager.getStatusJson());
    }
  }
}
