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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.ozone.om.ha.OMServiceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libomsvc.OMService;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceEpoch;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ServiceStatusView;
import org.libomsvc.testkit.Await;

/**
 * The bridge against scripted Ratis readings: what it forwards at each {@code
 * notifyStatusChanged()} and what the services do as a result.
 */
class OzoneLeadershipBridgeTest {
  private static final Duration SETTLE = Duration.ofSeconds(10);

  private final ScriptedRaftView raft = new ScriptedRaftView("om1");
  private final List<String> log = new CopyOnWriteArrayList<>();
  private OzoneLeadershipBridge bridge;

  @BeforeEach
  void open() {
    bridge = new OzoneLeadershipBridge(raft, OMServiceManager.open("om1", null, false));
    bridge.getServiceManager().register(new LoggingService("Cleaner", log));
  }

  @AfterEach
  void close() {
    bridge.close();
  }

  @Test
  void startsOnlyOnceReadyAndFlushedUpToTheBarrier() throws Exception {
    raft.flushedUpTo(1, 7);
    raft.electedNotReady(2);
    notifyAndSettle();
    assertEquals(ServiceStatus.PAUSING, status().status(), "elected but not ready");

    raft.readyLeader(2, 10);
    notifyAndSettle();
    assertEquals(ServiceStatus.PAUSING, status().status(), "flushed 7 of barrier 10");
    assertEquals("om1", bridge.getServiceManager().getStatus().leader());

    raft.flushedUpTo(1, 10);
    awaitStatus(ServiceStatus.RUNNING, "flushed up to the barrier");
    assertEquals(2, status().epoch());
    assertEquals(10, bridge.getServiceManager().getStatus().applied());
    assertEquals(List.of("Cleaner:start:2"), log);
  }

  @Test
  void stopsWhenThisOmStepsDownAndNeverRestartsInThatTerm() {
    becomeRunningLeader(3, 5);

    raft.follower(3, "om1");
    notifyAndSettle();
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop"), log);

    raft.readyLeader(3, 5);
    notifyAndSettle();
    assertEquals(ServiceStatus.PAUSING, status().status(), "a term stepped down from stays down");
  }

  @Test
  void stopsWhenAnotherOmLeadsANewerTerm() {
    becomeRunningLeader(3, 5);

    raft.follower(4, "om2");
    notifyAndSettle();
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop"), log);
    assertEquals(4, bridge.getServiceManager().getStatus().term());
  }

  @Test
  void aCandidacyAfterLeadingDoesNotBlockWinningTheNewTerm() {
    becomeRunningLeader(3, 5);

    raft.follower(4, null);
    notifyAndSettle();
    raft.readyLeader(4, 6);
    raft.flushedUpTo(4, 6);
    notifyAndSettle();
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop", "Cleaner:start:4"), log);
  }

  @Test
  void aReadyLeaderSeenWithoutItsElectionIsStillForwardedInRatisOrder() {
    raft.flushedUpTo(5, 9);
    raft.follower(4, "om2");
    notifyAndSettle();

    raft.readyLeader(5, 9);
    notifyAndSettle();
    assertEquals(ServiceStatus.RUNNING, status().status());
    assertEquals(0, bridge.getServiceManager().getStatus().ignoredEvents());
  }

  @Test
  void omStopStopsTheServicesAndARestartedOmRunsThemAgainOnceElected() {
    becomeRunningLeader(3, 5);

    bridge.stop();
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop"), log, "stop() waits for the stop");

    raft.follower(4, "om2");
    notifyAndSettle();
    raft.readyLeader(5, 8);
    raft.flushedUpTo(5, 8);
    notifyAndSettle();
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop", "Cleaner:start:5"), log);
  }

  @Test
  void theFirstLeaderOfANewLogHasNoEntryBeforeItsStartupEntryToWaitFor() {
    raft.electedNotReady(1);
    notifyAndSettle();
    raft.readyLeader(1, -1);
    notifyAndSettle();
    assertEquals(ServiceStatus.RUNNING, status().status(), status().toString());
    assertEquals(0, bridge.getServiceManager().getStatus().barrier());
  }

  @Test
  void aFailureIsNotThrownIntoRatisAndTheNextNotificationCatchesUp() {
    raft.failReads(new IllegalStateException("division closed"));
    raft.readyLeader(3, 5);
    raft.flushedUpTo(3, 5);
    notifyAndSettle();
    assertEquals(ServiceStatus.PAUSING, status().status());

    raft.failReads(null);
    notifyAndSettle();
    assertEquals(ServiceStatus.RUNNING, status().status());
  }

  @Test
  void aLeaderNoMajorityAnsweredStopsItsServicesWhenTheLeaseRunsOutAndResumesOnContact() {
    becomeRunningLeader(3, 5);
    raft.quorumAnswered(3, 0, 500);
    Await.sleep(3 * raft.quorumContact().renewEveryMillis());
    assertEquals(ServiceStatus.RUNNING, status().status(), "renewed leases keep it running");

    // Ratis still calls this OM the leader (no notification), but no majority has answered.
    raft.quorumAnswered(3, 900, 500);
    awaitStatus(ServiceStatus.PAUSING, "the lease (at most 400 ms) ran out");
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop"), log);

    raft.quorumAnswered(3, 0, 500);
    awaitStatus(ServiceStatus.RUNNING, "a majority answered again");
    assertEquals(List.of("Cleaner:start:3", "Cleaner:stop", "Cleaner:start:3"), log);
  }

  @Test
  void noLeaseIsRenewedForATermThisOmDoesNotLead() {
    raft.follower(4, "om2");
    raft.quorumAnswered(3, 0, 500);
    notifyAndSettle();
    Await.sleep(200);
    assertEquals(0, bridge.getServiceManager().getStatus().ignoredEvents());
  }

  @Test
  void repeatedNotificationsForwardNothingNew() {
    becomeRunningLeader(3, 5);
    for (int i = 0; i < 5; i++) {
      notifyAndSettle();
    }
    assertEquals(List.of("Cleaner:start:3"), log);
    assertEquals(0, bridge.getServiceManager().getStatus().ignoredEvents());
  }

  @Test
  void anOzoneContractServiceRunsUnderTheRunnerAndItsFailedStartShows() {
    OzoneContractService ozone = new OzoneContractService("OzoneStyle", 1);
    bridge.register(ozone);

    becomeRunningLeader(3, 5);
    Await.until(
        SETTLE,
        "OzoneStyle running after its failed start",
        () -> bridge.getServiceManager().getServiceStatus("OzoneStyle") == ServiceStatus.RUNNING,
        bridge.getServiceManager()::getStatusJson);
    ServiceStatusView view = bridge.getServiceManager().getStatus().service("OzoneStyle");
    assertEquals(1, view.failedStartCount());
    assertTrue(view.lastError().contains("no volume yet"), view.lastError());
    assertEquals(1, ozone.starts);
    assertTrue(ozone.notifications > 0, "notifyStatusChanged reaches the Ozone service");

    raft.follower(4, "om2");
    notifyAndSettle();
    assertEquals(1, ozone.stops);
  }

  private void becomeRunningLeader(long term, long barrier) {
    raft.electedNotReady(term);
    notifyAndSettle();
    raft.readyLeader(term, barrier);
    raft.flushedUpTo(term, barrier);
    notifyAndSettle();
    assertEquals(ServiceStatus.RUNNING, status().status(), status().toString());
  }

  private void notifyAndSettle() {
    bridge.notifyStatusChanged();
    assertTrue(bridge.getServiceManager().waitSettled(SETTLE));
  }

  private ServiceStatusView status() {
    return bridge.getServiceManager().getStatus().service("Cleaner");
  }

  private void awaitStatus(ServiceStatus expected, String why) {
    Await.until(
        SETTLE,
        "Cleaner " + expected + " (" + why + ")",
        () -> status().status() == expected,
        bridge.getServiceManager()::getStatusJson);
  }

  /** A libomsvc service that logs its starts (with their epoch) and stops. */
  private static final class LoggingService implements OMService {
    private final String name;
    private final List<String> log;

    LoggingService(String name, List<String> log) {
      this.name = name;
      this.log = log;
    }

    @Override
    public String getServiceName() {
      return name;
    }

    @Override
    public void start(ServiceEpoch epoch) {
      log.add(name + ":start:" + epoch.getEpoch());
    }

    @Override
    public void stop() {
      log.add(name + ":stop");
    }
  }

  /** Written to Ozone's contract; its first starts throw OMServiceException. */
  private static final class OzoneContractService
      implements org.apache.hadoop.ozone.om.ha.OMService {
    private final String name;
    private int failuresLeft;
    volatile int starts;
    volatile int stops;
    volatile int notifications;

    OzoneContractService(String name, int failures) {
      this.name = name;
      this.failuresLeft = failures;
    }

    @Override
    public void notifyStatusChanged() {
      notifications++;
    }

    @Override
    public boolean shouldRun() {
      return true;
    }

    @Override
    public String getServiceName() {
      return name;
    }

    @Override
    public void start() throws OMServiceException {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new OMServiceException("no volume yet");
      }
      starts++;
    }

    @Override
    public void stop() {
      stops++;
    }
  }
}
