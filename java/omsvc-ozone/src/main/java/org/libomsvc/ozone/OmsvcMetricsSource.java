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

import org.apache.hadoop.metrics2.MetricsCollector;
import org.apache.hadoop.metrics2.MetricsInfo;
import org.apache.hadoop.metrics2.MetricsSource;
import org.apache.hadoop.metrics2.MetricsSystem;
import org.apache.hadoop.metrics2.lib.DefaultMetricsSystem;
import org.apache.hadoop.metrics2.lib.Interns;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ServiceStatusView;

/**
 * libomsvc's services as a Hadoop metrics2 source, so they appear where Ozone operators look: the
 * OM's JMX ({@code Hadoop:service=OzoneManager,name=OmsvcServices-<om node id>}) and its
 * Prometheus endpoint. One record per service, tagged with the service and the OM.
 */
public final class OmsvcMetricsSource implements MetricsSource {
  static final String RECORD = "OmsvcService";

  static final MetricsInfo SERVICE = Interns.info("Service", "The libomsvc service");
  static final MetricsInfo OM_NODE = Interns.info("OmNodeId", "The OM this node runs in");
  static final MetricsInfo RUNNING =
      Interns.info("Running", "1 while the service runs on this OM, else 0");
  static final MetricsInfo EPOCH =
      Interns.info("Epoch", "The epoch (Raft term) the service runs in; 0 when not running");
  static final MetricsInfo STARTS = Interns.info("Starts", "Successful starts");
  static final MetricsInfo STOPS = Interns.info("Stops", "Stops");
  static final MetricsInfo FAILED_STARTS = Interns.info("FailedStarts", "Failed starts");
  static final MetricsInfo START_AFTER_READY =
      Interns.info(
          "StartAfterLeaderReadyMillis",
          "From this OM becoming the ready leader to the service running, for its current run;"
              + " -1 when not running in a term this OM was ready in");

  private final String omNodeId;
  private final OMServiceManager services;
  private final LeadershipTimeline timeline;

  OmsvcMetricsSource(String omNodeId, OMServiceManager services, LeadershipTimeline timeline) {
    this.omNodeId = omNodeId;
    this.services = services;
    this.timeline = timeline;
  }

  /** The name this source is registered under for the OM {@code omNodeId}. */
  public static String sourceName(String omNodeId) {
    return "OmsvcServices-" + omNodeId;
  }

  /** Registers the source of {@code bridge} with the process's metrics system. */
  static OmsvcMetricsSource register(String omNodeId, OzoneLeadershipBridge bridge) {
    OmsvcMetricsSource source =
        new OmsvcMetricsSource(omNodeId, bridge.getServiceManager(), bridge.timeline());
    DefaultMetricsSystem.instance()
        .register(sourceName(omNodeId), "libomsvc leader-only services on this OM", source);
    return source;
  }

  /** Removes the source of {@code omNodeId} from the process's metrics system. */
  static void unregister(String omNodeId) {
    MetricsSystem system = DefaultMetricsSystem.instance();
    system.unregisterSource(sourceName(omNodeId));
  }

  @Override
  public void getMetrics(MetricsCollector collector, boolean all) {
    if (services.isClosed()) {
      return;
    }
    for (ServiceStatusView service : services.getStatus().services()) {
      collector
          .addRecord(RECORD)
          .setContext("omsvc")
          .tag(SERVICE, service.name())
          .tag(OM_NODE, omNodeId)
          .addGauge(RUNNING, service.status() == ServiceStatus.RUNNING ? 1 : 0)
          .addGauge(EPOCH, service.epoch())
          .addCounter(STARTS, service.startCount())
          .addCounter(STOPS, service.stopCount())
          .addCounter(FAILED_STARTS, service.failedStartCount())
          .addGauge(START_AFTER_READY, startAfterReadyMillis(service));
    }
  }

  private long startAfterReadyMillis(ServiceStatusView service) {
    if (service.status() != ServiceStatus.RUNNING) {
      return LeadershipTimeline.NEVER;
    }
    long readyAt = timeline.readyAtMillis(service.epoch());
    return readyAt == LeadershipTimeline.NEVER
        ? LeadershipTimeline.NEVER
        : Math.max(0, service.sinceUnixMillis() - readyAt);
  }
}
