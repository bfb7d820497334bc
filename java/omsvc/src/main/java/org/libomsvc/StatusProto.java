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

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import org.libomsvc.proto.NodeStatus;
import org.libomsvc.proto.TransactionInfo;

/** Reads the native status, an encoded {@code omsvc.v1.NodeStatus}, into {@link NodeStatusView}. */
final class StatusProto {
  private StatusProto() {}

  static NodeStatusView parse(byte[] encoded) {
    NodeStatus node;
    try {
      node = NodeStatus.parseFrom(encoded);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the native status does not decode: " + e.getMessage(), e);
    }
    List<ServiceStatusView> services = new ArrayList<>(node.getServicesCount());
    for (org.libomsvc.proto.ServiceStatus service : node.getServicesList()) {
      services.add(service(service));
    }
    TransactionInfo lastApplied = node.getLastAppliedEntry();
    return new NodeStatusView(
        node.getSelfId(),
        node.getTerm(),
        node.hasLeader() ? node.getLeader() : null,
        role(node.getRole()),
        node.getBarrier(),
        node.getApplied(),
        node.getPeersList(),
        node.getIgnoredEvents(),
        node.hasBlocker() ? node.getBlocker() : null,
        lastApplied.getTerm(),
        lastApplied.getIndex(),
        services);
  }

  private static ServiceStatusView service(org.libomsvc.proto.ServiceStatus service) {
    return new ServiceStatusView(
        service.getName(),
        state(service.getState()),
        service.hasEpoch() ? service.getEpoch() : 0,
        service.getSinceUnixMs(),
        service.getStartCount(),
        service.getStopCount(),
        Integer.toUnsignedLong(service.getConsecutiveFailures()),
        service.getFailedStartCount(),
        service.getFailedRunCount(),
        service.hasLastError() ? service.getLastError() : null,
        service.hasWaitingFor() ? service.getWaitingFor() : null);
  }

  /** The role as the JSON status names it. */
  private static String role(NodeStatus.Role role) {
    switch (role) {
      case FOLLOWER:
        return "follower";
      case LEADER_NOT_READY:
        return "leader-not-ready";
      case LEADER_READY:
        return "leader-ready";
      default:
        return "unspecified";
    }
  }

  private static ServiceStatus state(org.libomsvc.proto.ServiceStatus.State state) {
    switch (state) {
      case RUNNING:
        return ServiceStatus.RUNNING;
      case STOPPING:
        return ServiceStatus.STOPPING;
      case PAUSING:
        return ServiceStatus.PAUSING;
      default:
        throw new IllegalStateException("the native status has no service state: " + state);
    }
  }
}
