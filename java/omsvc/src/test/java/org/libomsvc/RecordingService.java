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

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A test service that records every call, in order, into a log shared with other services. */
class RecordingService implements OMService {
  final String name;
  final List<String> log;
  final AtomicInteger failStarts = new AtomicInteger();
  final List<ServiceStatus> statusNotifications = new CopyOnWriteArrayList<>();
  volatile ServiceEpoch epoch;
  private OMServiceManager manager;

  RecordingService(String name, List<String> log) {
    this.name = name;
    this.log = log;
  }

  static List<String> newLog() {
    return new CopyOnWriteArrayList<>();
  }

  /** Lets notifyStatusChanged record the status the manager reports. */
  RecordingService watching(OMServiceManager manager) {
    this.manager = manager;
    return this;
  }

  /** The next {@code times} starts throw. */
  RecordingService failingStarts(int times) {
    failStarts.set(times);
    return this;
  }

  @Override
  public String getServiceName() {
    return name;
  }

  @Override
  public void start(ServiceEpoch epoch) {
    if (failStarts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      log.add(name + ":start-failed:" + epoch.getEpoch());
      throw new IllegalStateException(name + " cannot start yet");
    }
    this.epoch = epoch;
    log.add(name + ":start:" + epoch.getEpoch());
  }

  @Override
  public void stop() {
    log.add(name + ":stop");
  }

  @Override
  public void notifyStatusChanged() {
    if (manager != null) {
      statusNotifications.add(manager.getServiceStatus(name));
    }
  }
}
