/*
 * Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 * The ASF licenses this file to You under the Apache License, Version 2.0
 * (the "License"); you may not use this file except in compliance with
 * the License.  You may obtain a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package org.libomsvc;

import java.util.function.LongPredicate;

/**
 * The epoch a service was started in (the Raft term) and the fencing check that goes with it:
 * {@link #isCurrent()} is true while this node is still leader-ready in that term. Anything the
 * service writes outside the node carries the epoch, so a store can refuse an older one.
 *
 * <p>One instance belongs to one run of the service: once {@link #isCurrent()} has answered
 * false, or the service's {@code stop()} has been called, it answers false for good, even if the
 * service runs again in the same epoch (with a new instance).
 */
public final class ServiceEpoch {
  private final long epoch;
  private final LongPredicate isCurrent;
  private volatile boolean ended;

  ServiceEpoch(long epoch, LongPredicate isCurrent) {
    this.epoch = epoch;
    this.isCurrent = isCurrent;
  }

  public long getEpoch() {
    return epoch;
  }

  /**
   * Whether this run may still act as the leader of its epoch on this node: false once the node
   * closed, the epoch ended, its leader lease (if the host renews one) ran out, or its stop began.
   */
  public boolean isCurrent() {
    if (ended) {
      return false;
    }
    if (!isCurrent.test(epoch)) {
      ended = true;
      return false;
    }
    return true;
  }

  /** Ends this run for good (called before the service's {@code stop()}). */
  void end() {
    ended = true;
  }

  @Override
  public String toString() {
    return "epoch " + epoch;
  }
}
