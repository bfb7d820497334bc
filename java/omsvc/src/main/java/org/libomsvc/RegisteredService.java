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
import org.libomsvc.internal.NativeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the native runner calls for one {@link OMService}: it hands the service its epoch, tracks
 * the Java-side {@link ServiceStatus} and tells the service after each change.
 */
final class RegisteredService implements NativeService {
  private static final Logger LOG = LoggerFactory.getLogger(RegisteredService.class);

  private final OMService service;
  private final String name;
  private final LongPredicate isEpochCurrent;
  private final NodeHandle node;
  private volatile ServiceStatus status = ServiceStatus.PAUSING;
  private volatile long epoch;
  private volatile ServiceEpoch run;

  RegisteredService(
      OMService service, String name, LongPredicate isEpochCurrent, NodeHandle node) {
    this.service = service;
    this.name = name;
    this.isEpochCurrent = isEpochCurrent;
    this.node = node;
  }

  OMService service() {
    return service;
  }

  String name() {
    return name;
  }

  ServiceStatus status() {
    return status;
  }

  /** The epoch of the current run; 0 while pausing. */
  long epoch() {
    return epoch;
  }

  @Override
  public void start(long epoch) throws Exception {
    NodeHandle outer = node.enteringService();
    try {
      ServiceEpoch started = new ServiceEpoch(epoch, isEpochCurrent);
      run = started;
      service.start(started);
      this.epoch = epoch;
      status = ServiceStatus.RUNNING;
      notifyStatusChanged();
    } finally {
      node.leavingService(outer);
    }
  }

  @Override
  public void stop() throws Exception {
    NodeHandle outer = node.enteringService();
    ServiceEpoch ending = run;
    if (ending != null) {
      ending.end();
    }
    try {
      service.stop();
    } finally {
      status = ServiceStatus.PAUSING;
      epoch = 0;
      notifyStatusChanged();
      node.leavingService(outer);
    }
  }

  @Override
  public boolean shouldRun() throws Exception {
    NodeHandle outer = node.enteringService();
    try {
      return service.shouldRun();
    } finally {
      node.leavingService(outer);
    }
  }

  /** A failing listener must not turn a successful start or stop into a failed one. */
  private void notifyStatusChanged() {
    try {
      service.notifyStatusChanged();
    } catch (RuntimeException e) {
      LOG.warn("notifyStatusChanged of service {} failed (status {})", name, status, e);
    }
  }
}
