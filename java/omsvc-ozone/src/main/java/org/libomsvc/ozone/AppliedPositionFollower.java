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

package org.libomsvc.ozone;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.libomsvc.RatisEventForwarder;
import org.libomsvc.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports OM's flushed position to libomsvc as {@code applied} until it reaches a leadership's
 * barrier, then stops. Ozone 2.2 has no flush callback, so after leader-ready it polls one
 * volatile field every {@link #POLL_MILLIS} ms, and only while services wait for the barrier.
 */
final class AppliedPositionFollower {
  static final long POLL_MILLIS = 1;

  private static final Logger LOG = LoggerFactory.getLogger(AppliedPositionFollower.class);

  private final Supplier<TermIndex> flushed;
  private final RatisEventForwarder forwarder;
  private final ScheduledExecutorService poller;

  private ScheduledFuture<?> polling;
  private long barrier;
  private long reported = -1;

  AppliedPositionFollower(
      Supplier<TermIndex> flushed, RatisEventForwarder forwarder, ScheduledExecutorService poller) {
    this.flushed = flushed;
    this.forwarder = forwarder;
    this.poller = poller;
  }

  /**
   * Reports the flushed position now and, while it is behind {@code barrierIndex}, keeps
   * reporting it as it moves; replaces any barrier followed before.
   */
  synchronized void follow(long barrierIndex) {
    cancel();
    barrier = barrierIndex;
    reported = -1;
    if (!reportAndCheckReached()) {
      polling =
          poller.scheduleWithFixedDelay(
              this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Stops following (leadership ended). */
  synchronized void cancel() {
    if (polling != null) {
      polling.cancel(false);
      polling = null;
    }
  }

  /** Whether a barrier is still being waited for. */
  synchronized boolean isFollowing() {
    return polling != null;
  }

  private synchronized void poll() {
    if (polling == null) {
      return;
    }
    try {
      if (reportAndCheckReached()) {
        cancel();
      }
    } catch (RuntimeException e) {
      LOG.warn("reporting OM's flushed position to libomsvc failed; stopped following it", e);
      cancel();
    }
  }

  /** Forwards the flushed position if it moved; true once it is at or past the barrier. */
  private boolean reportAndCheckReached() {
    TermIndex position = flushed.get();
    if (position == null || position.index() < 0) {
      return false;
    }
    if (position.index() > reported) {
      forwarder.applied(position.term(), position.index());
      reported = position.index();
    }
    return position.index() >= barrier;
  }
}
