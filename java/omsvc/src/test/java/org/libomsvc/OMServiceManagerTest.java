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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service lifecycle as Ratis events drive it (docs/design.md B1-B5, B12, and the epoch token
 * of F1).
 */
class OMServiceManagerTest {
  @TempDir Path dir;
  private OMServiceManager manager;
  private RatisEventForwarder events;
  private final List<String> log = RecordingService.newLog();

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", dir.resolve("db"), false);
    events = manager.getEventForwarder();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void registrationRefusesNullEmptyAndDuplicateNames() {
    assertThrows(NullPointerException.class, () -> manager.register(null));
    InvalidServiceNameException empty =
        assertThrows(
            InvalidServiceNameException.class,
            () -> manager.register(new RecordingService("", log)));
    assertEquals("invalid service name \"\": the name is empty", empty.getMessage());
    InvalidServiceNameException nullName =
        assertThrows(
            InvalidServiceNameException.class,
            () -> manager.register(new RecordingService(null, log)));
    assertTrue(nullName.getMessage().contains("getServiceName() returned null"));
    assertThrows(
        InvalidServiceNameException.class,
        () -> manager.register(new RecordingService("x".repeat(256), log)));
    assertThrows(
        InvalidServiceNameException.class,
        () -> manager.register(new RecordingService("bad\nname", log)));

    manager.register(new RecordingService("KeyLifecycleService", log));
    DuplicateServiceException duplicate =
        assertThrows(
            DuplicateServiceException.class,
            () -> manager.register(new RecordingService("KeyLifecycleService", log)));
    assertTrue(duplicate.getMessage().contains("KeyLifecycleService"), duplicate.getMessage());
    assertEquals(1, manager.getServices().size());
    assertEquals(1, manager.getStatus().services().size());
  }

  @Test
  void aServiceRunsOnlyFromLeaderReadyUntilNotLeader() {
    RecordingService service = new RecordingService("KeyLifecycleService", log).watching(manager);
    manager.register(service);
    NodeFixture.settle(manager);
    assertEquals(ServiceStatus.PAUSING, manager.getServiceStatus(service.name));

    assertEquals(EventOutcome.CHANGED, events.notifyLeaderChanged(3, "om1"));
    NodeFixture.settle(manager);
    ServiceStatusView waiting = manager.getStatus().service(service.name);
    assertEquals(ServiceStatus.PAUSING, waiting.status());
    assertTrue(waiting.waitingFor().contains("leader-ready"), waiting.waitingFor());
    assertEquals(List.of(), log, "nothing starts between leader-changed and leader-ready");

    assertEquals(EventOutcome.CHANGED, events.notifyLeaderReady(3, 0));
    NodeFixture.settle(manager);
    assertEquals(List.of("KeyLifecycleService:start:3"), log);
    assertEquals(ServiceStatus.RUNNING, manager.getServiceStatus(service.name));
    ServiceStatusView running = manager.getStatus().service(service.name);
    assertEquals(3, running.epoch());
    assertEquals(1, running.startCount());
    assertNull(running.waitingFor());
    assertTrue(service.epoch.isCurrent());
    assertTrue(manager.isEpochCurrent(3));

    assertEquals(EventOutcome.CHANGED, events.notifyNotLeader(3));
    NodeFixture.settle(manager);
    assertEquals(List.of("KeyLifecycleService:start:3", "KeyLifecycleService:stop"), log);
    assertEquals(ServiceStatus.PAUSING, manager.getServiceStatus(service.name));
    assertFalse(service.epoch.isCurrent(), "the fencing token of a stopped run");
    assertEquals(
        List.of(ServiceStatus.RUNNING, ServiceStatus.PAUSING), service.statusNotifications);
  }

  @Test
  void servicesStartInRegistrationOrderAndRepeatedEventsStartNothingTwice() {
    manager.register(new RecordingService("first", log));
    manager.register(new RecordingService("second", log));
    NodeFixture.becomeReadyLeader(manager, 2, 0);

    assertEquals(EventOutcome.UNCHANGED, events.notifyLeaderReady(2, 0));
    assertEquals(EventOutcome.UNCHANGED, events.notifyLeaderChanged(2, "om1"));
    assertEquals(EventOutcome.UNCHANGED, events.notifyTermIndexUpdated(2, 17));
    NodeFixture.settle(manager);
    assertEquals(List.of("first:start:2", "second:start:2"), log);
  }

  @Test
  void theBarrierHoldsServicesUntilEarlierEntriesAreApplied() {
    manager.register(new RecordingService("KeyLifecycleService", log));
    NodeFixture.becomeReadyLeader(manager, 4, 120);
    ServiceStatusView view = manager.getStatus().service("KeyLifecycleService");
    assertTrue(view.waitingFor().contains("barrier 120"), view.waitingFor());
    assertEquals(List.of(), log);

    events.applied(4, 120);
    NodeFixture.settle(manager);
    assertEquals(List.of("KeyLifecycleService:start:4"), log);
  }

  @Test
  void staleEventsNeverStartAServiceAndAStaleNotLeaderStillStopsIt() {
    manager.register(new RecordingService("KeyLifecycleService", log));
    events.notifyLeaderChanged(5, "om2");
    assertEquals(EventOutcome.STALE, events.notifyLeaderChanged(4, "om1"));
    assertEquals(EventOutcome.STALE, events.notifyLeaderReady(4, 0));
    NodeFixture.settle(manager);
    assertEquals(List.of(), log);
    assertTrue(manager.getStatus().ignoredEvents() >= 2);

    NodeFixture.becomeReadyLeader(manager, 6, 0);
    assertEquals(List.of("KeyLifecycleService:start:6"), log);
    assertEquals(EventOutcome.STALE, events.notifyNotLeader(5));
    NodeFixture.settle(manager);
    assertEquals(List.of("KeyLifecycleService:start:6", "KeyLifecycleService:stop"), log);
  }

  @Test
  void aServiceWhoseStartThrowsIsRetriedWithItsErrorVisibleAndOthersRun() throws Exception {
    RecordingService failing = new RecordingService("TrashRecoveryService", log).failingStarts(2);
    manager.register(failing);
    manager.register(new RecordingService("KeyLifecycleService", log));
    NodeFixture.becomeReadyLeader(manager, 1, 0);

    assertTrue(log.contains("TrashRecoveryService:start-failed:1"), log.toString());
    assertTrue(log.contains("KeyLifecycleService:start:1"), log.toString());
    ServiceStatusView view = manager.getStatus().service("TrashRecoveryService");
    assertTrue(
        view.lastError().contains("TrashRecoveryService cannot start yet"), view.lastError());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (manager.getServiceStatus("TrashRecoveryService") != ServiceStatus.RUNNING) {
      assertTrue(System.nanoTime() < deadline, "retried start: " + manager.getStatusJson());
      Thread.sleep(5);
    }
    assertEquals(
        2, log.stream().filter(e -> e.startsWith("TrashRecoveryService:start-failed")).count());
    assertEquals(ServiceStatus.RUNNING, manager.getServiceStatus("KeyLifecycleService"));
  }

  @Test
  void aClosedManagerRefusesEveryCallAndClosesOnce() {
    RecordingService service = new RecordingService("KeyLifecycleService", log);
    manager.register(service);
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    manager.close();
    assertEquals(
        List.of("KeyLifecycleService:start:1", "KeyLifecycleService:stop"),
        log,
        "close stops running services");

    manager.close();
    assertTrue(manager.isClosed());
    assertThrows(ClosedHandleException.class, manager::getStatus);
    assertThrows(
        ClosedHandleException.class, () -> manager.register(new RecordingService("other", log)));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyLeaderReady(2, 0), "Ratis's late events");
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyTermIndexUpdated(2, 0));
    assertThrows(ClosedHandleException.class, () -> manager.getStateManager().list());
    assertThrows(
        ClosedHandleException.class, () -> manager.getServiceStatus("KeyLifecycleService"));
    IllegalStateException closed =
        assertThrows(IllegalStateException.class, () -> manager.waitSettled(NodeFixture.SETTLE));
    assertTrue(closed.getMessage().contains("om1"), closed.getMessage());
    assertFalse(manager.isEpochCurrent(1));
    assertFalse(service.epoch.isCurrent());
  }

  @Test
  void afterShutdownEventsAreRefusedButReadsWork() {
    manager.register(new RecordingService("KeyLifecycleService", log));
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    manager.shutdown();
    assertEquals(List.of("KeyLifecycleService:start:1", "KeyLifecycleService:stop"), log);
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyLeaderReady(2, 0), "Ratis's late events");
    assertThrows(
        NodeShutDownException.class, () -> manager.register(new RecordingService("late", log)));
    assertEquals(List.of(), manager.getStateManager().list());
  }

  @Test
  void managersInOneJvmShareNoState() {
    try (OMServiceManager other = OMServiceManager.open("om1", dir.resolve("other"), false)) {
      List<String> otherLog = RecordingService.newLog();
      manager.register(new RecordingService("KeyLifecycleService", log));
      other.register(new RecordingService("KeyLifecycleService", otherLog));
      NodeFixture.becomeReadyLeader(manager, 7, 0);
      NodeFixture.settle(other);

      assertEquals(List.of("KeyLifecycleService:start:7"), log);
      assertEquals(List.of(), otherLog);
      assertEquals(0, other.getStatus().term());
      assertEquals("follower", other.getStatus().role());
      assertFalse(other.isEpochCurrent(7));
    }
  }

  @Test
  void theStatusViewCarriesTheLeadershipState() {
    manager.register(new RecordingService("KeyLifecycleService", log));
    NodeFixture.becomeReadyLeader(manager, 9, 0);
    NodeStatusView status = manager.getStatus();
    assertEquals("om1", status.selfId());
    assertEquals(9, status.term());
    assertEquals("om1", status.leader());
    assertEquals("leader-ready", status.role());
    assertEquals(List.of("om1", "om2", "om3"), status.peers());
    assertNull(status.blocker());
    assertThrows(UnknownServiceException.class, () -> status.service("NoSuchService"));
    assertThrows(UnknownServiceException.class, () -> manager.getServiceStatus("NoSuchService"));
  }
}
