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

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.apache.hadoop.ozone.om.ha.OMService;
import org.libomsvc.ServiceEpoch;
import org.libomsvc.ozone.OzoneLeadershipBridge;

/**
 * For {@link OzoneFailoverBench}: in every OM, a libomsvc service and a plain Ozone service under
 * Ozone 2.2's own OMServiceManager, each noting {@link System#nanoTime()} when it starts there.
 */
final class StartStamps implements BridgedOmCluster.ServiceInstaller {
  static final String LIBOMSVC_SERVICE = "StampedLibomsvcService";
  static final String PLAIN_SERVICE = "StampedPlainOzoneService";

  private final Map<String, Long> libomsvcStarts = new ConcurrentHashMap<>();
  private final Map<String, Long> plainStarts = new ConcurrentHashMap<>();

  @Override
  public void install(OzoneManager om, OzoneLeadershipBridge bridge) {
    String id = om.getOMNodeId();
    bridge.getServiceManager().register(new StampedService(id));
    // Registered after the bridge: at each notification Ozone calls the bridge first.
    om.getOMServiceManager().register(new FlipOnNotifyService(om));
  }

  void clear() {
    libomsvcStarts.clear();
    plainStarts.clear();
  }

  Long libomsvcStart(String omId) {
    return libomsvcStarts.get(omId);
  }

  Long plainStart(String omId) {
    return plainStarts.get(omId);
  }

  /** libomsvc's way: started by the runner once ready and flushed to the barrier. */
  private final class StampedService implements org.libomsvc.OMService {
    private final String omId;

    StampedService(String omId) {
      this.omId = omId;
    }

    @Override
    public String getServiceName() {
      return LIBOMSVC_SERVICE;
    }

    @Override
    public void start(ServiceEpoch epoch) {
      libomsvcStarts.put(omId, System.nanoTime());
    }

    @Override
    public void stop() {}
  }

  /** Ozone 2.2's way: start and shouldRun flip at notifyStatusChanged on the OM's leader state. */
  private final class FlipOnNotifyService implements OMService {
    private final OzoneManager om;
    private boolean running;

    FlipOnNotifyService(OzoneManager om) {
      this.om = om;
    }

    @Override
    public synchronized void notifyStatusChanged() {
      boolean leaderReady = om.isLeaderReady();
      if (leaderReady && !running) {
        start();
      } else if (!leaderReady && running) {
        stop();
      }
    }

    @Override
    public synchronized boolean shouldRun() {
      return running;
    }

    @Override
    public String getServiceName() {
      return PLAIN_SERVICE;
    }

    @Override
    public synchronized void start() {
      running = true;
      plainStarts.put(om.getOMNodeId(), System.nanoTime());
    }

    @Override
    public synchronized void stop() {
      running = false;
    }
  }
}
