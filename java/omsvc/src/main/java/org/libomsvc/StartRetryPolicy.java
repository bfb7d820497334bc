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

import java.time.Duration;
import java.util.Objects;

/**
 * How the runner retries a service whose {@code start} threw: it waits {@link #initialDelay()}
 * before the first retry, doubles the wait after each further failure, and never waits longer
 * than {@link #maxDelay()}. Retries go on while this peer should still run the service; once it
 * may no longer run it (leadership lost), the waits start over from the initial delay. The
 * failures show in the status view. Immutable; pass one to {@link
 * OMServiceManager#register(OMService, Duration, StartRetryPolicy)}.
 */
public final class StartRetryPolicy {
  /** The policy of {@link OMServiceManager#register(OMService)}: 100 ms, doubling up to 30 s. */
  public static final StartRetryPolicy DEFAULT =
      new StartRetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(30));

  private final Duration initialDelay;
  private final Duration maxDelay;

  private StartRetryPolicy(Duration initialDelay, Duration maxDelay) {
    this.initialDelay = initialDelay;
    this.maxDelay = maxDelay;
  }

  /**
   * Waits {@code initialDelay} before the first retry, doubling up to {@code maxDelay}.
   *
   * @throws IllegalArgumentException unless {@code initialDelay} is at least a millisecond and
   *     {@code maxDelay} is at least {@code initialDelay} (both count in whole milliseconds)
   */
  public static StartRetryPolicy backoff(Duration initialDelay, Duration maxDelay) {
    Objects.requireNonNull(initialDelay, "initialDelay must not be null");
    Objects.requireNonNull(maxDelay, "maxDelay must not be null");
    if (initialDelay.toMillis() < 1) {
      throw new IllegalArgumentException(
          "initialDelay must be at least 1 ms, got " + initialDelay.toMillis() + " ms");
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "maxDelay ("
              + maxDelay.toMillis()
              + " ms) must not be shorter than initialDelay ("
              + initialDelay.toMillis()
              + " ms)");
    }
    return new StartRetryPolicy(initialDelay, maxDelay);
  }

  /** The wait before the first retry. */
  public Duration initialDelay() {
    return initialDelay;
  }

  /** The longest wait between two retries. */
  public Duration maxDelay() {
    return maxDelay;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof StartRetryPolicy)) {
      return false;
    }
    StartRetryPolicy that = (StartRetryPolicy) other;
    return initialDelay.equals(that.initialDelay) && maxDelay.equals(that.maxDelay);
  }

  @Override
  public int hashCode() {
    return Objects.hash(initialDelay, maxDelay);
  }

  @Override
  public String toString() {
    return "StartRetryPolicy[initialDelay="
        + initialDelay.toMillis()
        + " ms, maxDelay="
        + maxDelay.toMillis()
        + " ms]";
  }
}
