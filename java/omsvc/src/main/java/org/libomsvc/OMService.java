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

/**
 * A background service that runs on the Raft group's leader only, as in Ozone's {@code OMService}.
 * The native manager decides when it runs (leader-ready in the current term, every entry before the
 * barrier applied, {@link #shouldRun()} true) and calls {@link #start} and {@link #stop} on its
 * runner thread, one call at a time: start and stop never overlap, and a stop completes before the
 * next start. A service no longer polls {@code isLeaderReady()}.
 *
 * <p>An exception thrown by {@code start} is shown in the status view and the start is retried with
 * backoff while the node should still run the service; other services are not affected.
 *
 * <p>Not Ozone's {@code org.apache.hadoop.ozone.om.ha.OMService}, which sits on the same class path
 * in an OM: implement this one for a new leader-only service. An existing Ozone service runs
 * unchanged through {@code org.libomsvc.ozone.OzoneLeadershipBridge#register} (module {@code
 * omsvc-ozone}). Porting one to this interface: {@code start()} gains the {@link ServiceEpoch}
 * parameter (stamp {@link ServiceEpoch#getEpoch()} on anything written outside the node and check
 * {@link ServiceEpoch#isCurrent()} before each batch), and the service no longer derives {@code
 * shouldRun()} from the OM's leader state.
 */
public interface OMService {
  /** The unique, stable name of the service (1 to 255 bytes of UTF-8, no control characters). */
  String getServiceName();

  /**
   * Starts the service's work in {@code epoch} and returns; long work belongs on the service's own
   * threads. Called on the runner thread.
   */
  void start(ServiceEpoch epoch) throws Exception;

  /** Stops the service's work and returns once it has stopped. Called on the runner thread. */
  void stop() throws Exception;

  /**
   * Whether the service wants to run at all (e.g. its persisted configuration says "stopped").
   * Asked before each start and again after every configuration change while running.
   */
  default boolean shouldRun() {
    return true;
  }

  /** Called on the runner thread right after the status changed (after start, after stop). */
  default void notifyStatusChanged() {}
}
