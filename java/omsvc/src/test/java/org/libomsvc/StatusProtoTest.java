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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.libomsvc.proto.NodeStatus;
import org.libomsvc.proto.TransactionInfo;

/** The Java status views read from the one status model, {@code omsvc.v1.NodeStatus}. */
class StatusProtoTest {
  private static org.libomsvc.proto.ServiceStatus.Builder service(String name) {
    return org.libomsvc.proto.ServiceStatus.newBuilder()
        .setName(name)
        .setSinceUnixMs(1_700_000_000_123L)
        .setStartCount(4)
        .setStopCount(3)
        .setConsecutiveFailures(2)
        .setFailedStartCount(5)
        .setFailedRunCount(1);
  }

  private static byte[] encoded() {
    return NodeStatus.newBuilder()
        .setSelfId("om1")
        .setTerm(7)
        .setLeader("om1")
        .setRole(NodeStatus.Role.LEADER_READY)
        .setBarrier(120)
        .setApplied(118)
        .addAllPeers(Arrays.asList("om1", "om2"))
        .setIgnoredEvents(9)
        .setBlocker("waiting for barrier 120, applied 118")
        .setLastAppliedEntry(TransactionInfo.newBuilder().setTerm(6).setIndex(117))
        .addServices(
            service("Stopping").setState(org.libomsvc.proto.ServiceStatus.State.STOPPING)
                .setEpoch(6))
        .addServices(
            service("Failing")
                .setState(org.libomsvc.proto.ServiceStatus.State.PAUSING)
                .setLastError("start failed: disk full")
                .setWaitingFor("should_run is false"))
        .build()
        .toByteArray();
  }

  @Test
  void theNodeViewHasEveryField() {
    NodeStatusView node = StatusProto.parse(encoded());
    assertEquals("om1", node.selfId());
    assertEquals(7, node.term());
    assertEquals("om1", node.leader());
    assertEquals("leader-ready", node.role());
    assertEquals(120, node.barrier());
    assertEquals(118, node.applied());
    assertEquals(Arrays.asList("om1", "om2"), node.peers());
    assertEquals(9, node.ignoredEvents());
    assertEquals("waiting for barrier 120, applied 118", node.blocker());
    assertEquals(6, node.lastAppliedTerm());
    assertEquals(117, node.lastAppliedIndex());
    assertEquals(2, node.services().size());
  }

  @Test
  void theServiceViewsShowStateEpochAndLastError() {
    NodeStatusView node = StatusProto.parse(encoded());

    ServiceStatusView stopping = node.service("Stopping");
    assertEquals(ServiceStatus.STOPPING, stopping.status());
    assertEquals(6, stopping.epoch());
    assertNull(stopping.lastError());
    assertNull(stopping.waitingFor());

    ServiceStatusView failing = node.service("Failing");
    assertEquals(
        new ServiceStatusView(
            "Failing",
            ServiceStatus.PAUSING,
            0,
            1_700_000_000_123L,
            4,
            3,
            2,
            5,
            1,
            "start failed: disk full",
            "should_run is false"),
        failing);
    assertEquals(1, failing.failedRunCount());
  }

  @Test
  void anAbsentLeaderAndBlockerReadAsNull() {
    NodeStatusView node =
        StatusProto.parse(
            NodeStatus.newBuilder()
                .setSelfId("om2")
                .setRole(NodeStatus.Role.FOLLOWER)
                .build()
                .toByteArray());
    assertNull(node.leader());
    assertNull(node.blocker());
    assertEquals("follower", node.role());
  }

  @Test
  void bytesThatAreNotAStatusAreRefused() {
    assertThrows(IllegalStateException.class, () -> StatusProto.parse(new byte[] {(byte) 0xff}));
  }

  @Test
  void aFailedNativeStartShowsInTheViewWithItsError() throws Exception {
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    try {
      manager.register(
          new OMService() {
            @Override
            public String getServiceName() {
              return "Broken";
            }

            @Override
            public void start(ServiceEpoch epoch) {
              throw new IllegalStateException("the disk is full");
            }

            @Override
            public void stop() {}
          });
      manager.register(new RecordingService("Healthy", new ArrayList<>()));
      NodeFixture.becomeReadyLeader(manager, 3, 0);

      NodeStatusView node = manager.getStatus();
      assertEquals("leader-ready", node.role());
      assertEquals(3, node.term());
      ServiceStatusView broken = node.service("Broken");
      assertEquals(ServiceStatus.PAUSING, broken.status(), manager.getStatusJson());
      assertEquals(0, broken.epoch());
      assertEquals(
          "start failed: java.lang.IllegalStateException: the disk is full", broken.lastError());
      ServiceStatusView healthy = node.service("Healthy");
      assertEquals(ServiceStatus.RUNNING, healthy.status(), manager.getStatusJson());
      assertEquals(3, healthy.epoch());
      assertNull(healthy.lastError());
    } finally {
      NoDeadlock.within(Duration.ofSeconds(30), "close", manager::close);
    }
  }
}
