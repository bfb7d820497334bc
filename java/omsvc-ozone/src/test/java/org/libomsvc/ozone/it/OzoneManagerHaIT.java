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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ozone.OmsvcMetricsSource;
import org.libomsvc.testkit.Await;

/**
 * libomsvc inside real Ozone Managers: Ozone 2.2.0's HA mini cluster, the bridge registered with
 * each OM's own OMServiceManager before the OM starts. One cluster serves every scenario, in
 * order; each leaves three running OMs behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OzoneManagerHaIT {
  private static final String WRITER = EpochWriterService.NAME;
  private static final String OZONE_STYLE = OzoneStyleService.NAME;

  private final ScenarioServices services = new ScenarioServices();
  private BridgedOmCluster cluster;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = new BridgedOmCluster(services);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void afterStartOneOmRunsTheServiceOnlyOnceReadyAndFlushedToTheBarrier() throws Exception {
    OmNode leader = cluster.waitForServiceOnLeader(WRITER);
    assertEquals(cluster.waitForLeader().id(), leader.id());
    for (OmNode node : cluster.nodes()) {
      if (node != leader) {
        assertEquals(ServiceStatus.PAUSING, node.status(WRITER), node.id());
      }
    }
    assertFalse(services.starts.isEmpty());
    assertStartsWereReadyAndFlushed();
  }

  @Test
  @Order(2)
  void twentyLeadershipChangesNeverShareOrGoBackOnAnEpoch() throws Exception {
    int changes = 0;
    for (int round = 0; round < 22; round++) {
      OmNode leader = cluster.waitForServiceOnLeader(WRITER);
      long epoch = leader.epoch(WRITER);
      if (round % 6 == 5) {
        cluster.stop(leader);
        OmNode next = cluster.waitForServiceOnLeader(WRITER, epoch);
        cluster.restart(leader);
        cluster.waitCaughtUp(
            leader, next.om.getOmRatisServer().getLastAppliedTermIndex().getIndex());
      } else {
        cluster.transfer(leader, cluster.otherThan(leader, round));
        cluster.waitForServiceOnLeader(WRITER, epoch);
      }
      changes++;
    }
    assertTrue(changes >= 20);
    assertTrue(services.register.writes() > 0, "the services wrote to the register");
    assertEquals(
        new ArrayList<String>(), services.register.refusals(), "writes from an older epoch");
    assertEquals(
        new ArrayList<String>(), services.register.sameEpochConflicts(), "epochs two OMs wrote in");
    Map<Long, Set<String>> omsByEpoch = new HashMap<>();
    for (ServiceStart start : services.starts) {
      omsByEpoch.computeIfAbsent(start.epoch, epoch -> new HashSet<>()).add(start.omId);
    }
    for (Map.Entry<Long, Set<String>> epoch : omsByEpoch.entrySet()) {
      assertEquals(
          1, epoch.getValue().size(), "epoch " + epoch.getKey() + " ran on " + epoch.getValue());
    }
    assertTrue(omsByEpoch.size() > changes, "one epoch per leadership: " + omsByEpoch.keySet());
    assertStartsWereReadyAndFlushed();
  }

  @Test
  @Order(3)
  void aVolumeCreatedJustBeforeATransferIsInTheNewLeadersDbWhenItsServiceStarts()
      throws Exception {
    for (int round = 0; round < 20; round++) {
      OmNode leader = cluster.waitForServiceOnLeader(WRITER);
      long epoch = leader.epoch(WRITER);
      String volume = "vol-before-transfer-" + round;
      cluster.createVolume(volume);
      services.expectedVolume.set(volume);
      cluster.transfer(leader, cluster.otherThan(leader, round));
      OmNode next = cluster.waitForServiceOnLeader(WRITER, epoch);
      long nextEpoch = next.epoch(WRITER);
      ServiceStart start = startIn(nextEpoch);
      assertEquals(volume, start.expectedVolume, start.toString());
      assertTrue(start.expectedVolumeInDb, start.toString());
    }
    services.expectedVolume.set(null);
  }

  @Test
  @Order(4)
  void aRestartedOmRejoinsAsAFollowerAndNeverRunsTheService() throws Exception {
    OmNode leader = cluster.waitForServiceOnLeader(WRITER);
    long epoch = leader.epoch(WRITER);
    OmNode follower = cluster.otherThan(leader, 0);
    long followerStarts = follower.startCount(WRITER);

    cluster.stop(follower);
    cluster.restart(follower);
    cluster.waitCaughtUp(
        follower, leader.om.getOmRatisServer().getLastAppliedTermIndex().getIndex());
    long watchUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < watchUntil) {
      assertEquals(ServiceStatus.PAUSING, follower.status(WRITER), cluster.describe());
      Await.sleep(10);
    }
    assertEquals(followerStarts, follower.startCount(WRITER));
    assertEquals(epoch, cluster.waitForServiceOnLeader(WRITER).epoch(WRITER), "leader unchanged");
  }

  @Test
  @Order(5)
  void anOzoneContractServiceRunsUnchangedUnderTheAdapterAndFollowsTheLeader() throws Exception {
    for (int round = 0; round < 5; round++) {
      OmNode leader = cluster.waitForServiceOnLeader(OZONE_STYLE);
      for (OmNode node : cluster.nodes()) {
        boolean isLeader = node == leader;
        OzoneStyleService service = services.ozoneStyle(node.id());
        assertEquals(isLeader, service.isStarted(), node.id() + " started");
        assertEquals(isLeader, service.shouldRun(), node.id() + " shouldRun()");
        assertEquals(
            service.starts.get() - service.stops.get(),
            isLeader ? 1 : 0,
            node.id() + " starts minus stops");
      }
      long epoch = leader.epoch(OZONE_STYLE);
      cluster.transfer(leader, cluster.otherThan(leader, round));
      cluster.waitForServiceOnLeader(OZONE_STYLE, epoch);
    }
  }

  @Test
  @Order(6)
  void theMetricsSourceShowsEachServiceOnEachOm() throws Exception {
    OmNode leader = cluster.waitForServiceOnLeader(WRITER);
    MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
    for (OmNode node : cluster.nodes()) {
      ObjectName pattern =
          new ObjectName("Hadoop:name=" + OmsvcMetricsSource.sourceName(node.id()) + ",*");
      long expectedRunning = node == leader ? 1 : 0;
      Await.until(
          Duration.ofSeconds(30),
          node.id() + "'s metrics showing " + WRITER + " Running=" + expectedRunning,
          () -> metric(jmx, pattern, WRITER, "Running") == expectedRunning,
          () -> attributes(jmx, pattern));
      if (node == leader) {
        assertEquals(leader.epoch(WRITER), metric(jmx, pattern, WRITER, "Epoch"));
        assertTrue(metric(jmx, pattern, WRITER, "StartAfterLeaderReadyMillis") >= 0);
      }
      assertEquals(node.startCount(WRITER), metric(jmx, pattern, WRITER, "Starts"));
    }
  }

  /** The metric of {@code service}'s record: Hadoop names the n-th record's attributes "name.n". */
  private static long metric(MBeanServer jmx, ObjectName pattern, String service, String metric) {
    try {
      Set<ObjectName> names = jmx.queryNames(pattern, null);
      if (names.size() != 1) {
        return -2;
      }
      ObjectName name = names.iterator().next();
      for (int record = 0; record < 8; record++) {
        String suffix = record == 0 ? "" : "." + record;
        Object tag;
        try {
          tag = jmx.getAttribute(name, "tag.Service" + suffix);
        } catch (javax.management.AttributeNotFoundException end) {
          return -3;
        }
        if (service.equals(tag)) {
          return ((Number) jmx.getAttribute(name, metric + suffix)).longValue();
        }
      }
      return -4;
    } catch (Exception e) {
      throw new AssertionError("reading " + pattern + " over JMX", e);
    }
  }

  private static String attributes(MBeanServer jmx, ObjectName pattern) {
    try {
      List<String> text = new ArrayList<>();
      for (ObjectName name : jmx.queryNames(pattern, null)) {
        for (javax.management.MBeanAttributeInfo attribute :
            jmx.getMBeanInfo(name).getAttributes()) {
          text.add(
              name + " " + attribute.getName() + "=" + jmx.getAttribute(name, attribute.getName()));
        }
      }
      return String.join("\n", text);
    } catch (Exception e) {
      return "could not read the attributes: " + e;
    }
  }

  private void assertStartsWereReadyAndFlushed() {
    for (ServiceStart start : services.starts) {
      assertTrue(start.omLeaderReady, "started on an OM that was not the ready leader: " + start);
      // Barrier 0: the group's first entry, a configuration entry, came before the startup entry;
      // there is no OM transaction to flush.
      assertTrue(
          start.barrier == 0 || start.flushedIndex >= start.barrier,
          "started before OM flushed up to the barrier: " + start);
    }
  }

  private ServiceStart startIn(long epoch) {
    List<ServiceStart> inEpoch =
        services.starts.stream().filter(start -> start.epoch == epoch).collect(Collectors.toList());
    assertEquals(1, inEpoch.size(), "starts in epoch " + epoch + ": " + inEpoch);
    return inEpoch.get(0);
  }
}
