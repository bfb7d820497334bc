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

package org.libomsvc.ozone.it;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.apache.hadoop.ozone.om.ha.OMService;

/**
 * A service written to Ozone 2.2's own contract, as upstream's TestOMServiceManager writes one:
 * its status follows the OM's leader state at each {@code notifyStatusChanged()}, and {@code
 * shouldRun()} reports it. Nothing in it knows libomsvc.
 */
final class OzoneStyleService implements OMService {
  static final String NAME = "OzoneStyleService";

  private final OzoneManager om;
  private volatile ServiceStatus status = ServiceStatus.PAUSING;
  private volatile boolean started;
  final AtomicInteger starts = new AtomicInteger();
  final AtomicInteger stops = new AtomicInteger();

  OzoneStyleService(OzoneManager om) {
    this.om = om;
  }

  @Override
  public void notifyStatusChanged() {
    status = om.isLeaderReady() ? ServiceStatus.RUNNING : ServiceStatus.PAUSING;
  }

  @Override
  public boolean shouldRun() {
    return status == ServiceStatus.RUNNING;
  }

  @Override
  public String getServiceName() {
    return NAME;
  }

  @Override
  public void start() {
    started = true;
    starts.incrementAndGet();
  }

  @Override
  public void stop() {
    started = false;
    stops.incrementAndGet();
  }

  boolean isStarted() {
    return started;
  }
}
