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

import java.util.Objects;

/** One service as the native manager sees it. A value: equal when every field is. */
public final class ServiceStatusView {
  private final String name;
  private final ServiceStatus status;
  private final long epoch;
  private final long sinceUnixMillis;
  private final long startCount;
  private final long stopCount;
  private final long consecutiveFailures;
  private final long failedStartCount;
  private final long failedRunCount;
  private final String lastError;
  private final String waitingFor;

  /**
   * @param name the service's name
   * @param status RUNNING between a successful start and the end of its permission, STOPPING from
   *     then until its stop returns, PAUSING otherwise
   * @param epoch the epoch (term) it runs or is stopping in; 0 when pausing
   * @param sinceUnixMillis when the status last changed (for STOPPING: when the stop was requested)
   * @param startCount successful starts so far
   * @param stopCount stops so far
   * @param consecutiveFailures failed starts since the last successful one
   * @param failedStartCount failed starts since the service was registered
   * @param failedRunCount runs that failed while running since the service was registered
   * @param lastError the latest error from start, stop or shouldRun (kept after recovery); null if
   *     none
   * @param waitingFor why it is not running (e.g. "waiting for barrier 120, applied 118"); null
   *     while running
   */
  public ServiceStatusView(
      String name,
      ServiceStatus status,
      long epoch,
      long sinceUnixMillis,
      long startCount,
      long stopCount,
      long consecutiveFailures,
      long failedStartCount,
      long failedRunCount,
      String lastError,
      String waitingFor) {
    this.name = name;
    this.status = status;
    this.epoch = epoch;
    this.sinceUnixMillis = sinceUnixMillis;
    this.startCount = startCount;
    this.stopCount = stopCount;
    this.consecutiveFailures = consecutiveFailures;
    this.failedStartCount = failedStartCount;
    this.failedRunCount = failedRunCount;
    this.lastError = lastError;
    this.waitingFor = waitingFor;
  }

  /** As the full constructor, with no failed runs (the constructor before failedRunCount). */
  public ServiceStatusView(
      String name,
      ServiceStatus status,
      long epoch,
      long sinceUnixMillis,
      long startCount,
      long stopCount,
      long consecutiveFailures,
      long failedStartCount,
      String lastError,
      String waitingFor) {
    this(
        name,
        status,
        epoch,
        sinceUnixMillis,
        startCount,
        stopCount,
        consecutiveFailures,
        failedStartCount,
        0,
        lastError,
        waitingFor);
  }

  /** The service's name. */
  public String name() {
    return name;
  }

  /**
   * RUNNING between a successful start and the end of its permission, STOPPING from then until its
   * stop returns, PAUSING otherwise.
   */
  public ServiceStatus status() {
    return status;
  }

  /** The epoch (term) it runs or is stopping in; 0 when pausing. */
  public long epoch() {
    return epoch;
  }

  /** When the status last changed (for STOPPING: when the stop was requested). */
  public long sinceUnixMillis() {
    return sinceUnixMillis;
  }

  /** Successful starts so far. */
  public long startCount() {
    return startCount;
  }

  /** Stops so far. */
  public long stopCount() {
    return stopCount;
  }

  /** Failed starts since the last successful one. */
  public long consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Failed starts since the service was registered. */
  public long failedStartCount() {
    return failedStartCount;
  }

  /** Runs that failed while running since the service was registered. */
  public long failedRunCount() {
    return failedRunCount;
  }

  /** The latest error from start, stop or shouldRun (kept after recovery); null if none. */
  public String lastError() {
    return lastError;
  }

  /** Why it is not running (e.g. "waiting for barrier 120, applied 118"); null while running. */
  public String waitingFor() {
    return waitingFor;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ServiceStatusView)) {
      return false;
    }
    ServiceStatusView that = (ServiceStatusView) other;
    return Objects.equals(name, that.name)
        && status == that.status
        && epoch == that.epoch
        && sinceUnixMillis == that.sinceUnixMillis
        && startCount == that.startCount
        && stopCount == that.stopCount
        && consecutiveFailures == that.consecutiveFailures
        && failedStartCount == that.failedStartCount
        && failedRunCount == that.failedRunCount
        && Objects.equals(lastError, that.lastError)
        && Objects.equals(waitingFor, that.waitingFor);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name,
        status,
        epoch,
        sinceUnixMillis,
        startCount,
        stopCount,
        consecutiveFailures,
        failedStartCount,
        failedRunCount,
        lastError,
        waitingFor);
  }

  @Override
  public String toString() {
    return "ServiceStatusView[name="
        + name
        + ", status="
        + status
        + ", epoch="
        + epoch
        + ", sinceUnixMillis="
        + sinceUnixMillis
        + ", startCount="
        + startCount
        + ", stopCount="
        + stopCount
        + ", consecutiveFailures="
        + consecutiveFailures
        + ", failedStartCount="
        + failedStartCount
        + ", failedRunCount="
        + failedRunCount
        + ", lastError="
        + lastError
        + ", waitingFor="
        + waitingFor
        + "]";
  }
}
