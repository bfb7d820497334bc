package org.libomsvc;

import java.util.function.LongPredicate;

/**
 * The epoch a service was started in (the Raft term) and the fencing check that goes with it:
 * {@link #isCurrent()} is true while this node is still leader-ready in that term. Anything the
 * service writes outside the node carries the epoch, so a store can refuse an older one.
 */
public final class ServiceEpoch {
  private final long epoch;
  private final LongPredicate isCurrent;

  ServiceEpoch(long epoch, LongPredicate isCurrent) {
    this.epoch = epoch;
    this.isCurrent = isCurrent;
  }

  public long getEpoch() {
    return epoch;
  }

  /** Whether services may still run in this epoch on this node; false once the node closed. */
  public boolean isCurrent() {
    return isCurrent.test(epoch);
  }

  @Override
  public String toString() {
    return "epoch " + epoch;
  }
}
