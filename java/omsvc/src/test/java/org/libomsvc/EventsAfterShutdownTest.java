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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeOmsvc;

/**
 * The contract for events that reach a node after shutdown or close: through {@link
 * RatisEventForwarder} (Ratis's callback threads) they are harmless and logged once; direct misuse
 * of the API still throws.
 */
class EventsAfterShutdownTest {
  private static final List<String> PEERS = List.of("om1", "om2", "om3");

  /** Every forwarder event, as Ratis would send them during a teardown. */
  private static void forwardEveryKindOfEvent(RatisEventForwarder events) {
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyLeaderChanged(2, "om2"));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyNotLeader(2));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyConfigurationChanged(2, 5, PEERS));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyLeaderReady(2, 4));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyLeaderReady(4));
    assertEquals(EventOutcome.SHUT_DOWN, events.notifyTermIndexUpdated(2, 5));
    assertEquals(EventOutcome.SHUT_DOWN, events.applied(2, 5));
  }

  private static String capturingStderr(Runnable action) {
    NativeLibrary.ensureLoaded();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private static long occurrences(String text, String part) {
    return text.lines().filter(line -> line.contains(part)).count();
  }

  @Test
  void afterShutdownForwardedEventsAreIgnoredAndLoggedOnceWhileOtherCallsStillThrow() {
    try (OMServiceManager manager = OMServiceManager.open("late-om1", null, false)) {
      RatisEventForwarder events = manager.getEventForwarder();
      NodeFixture.becomeReadyLeader(manager, 1, 0);
      manager.shutdown();

      String log = capturingStderr(() -> forwardEveryKindOfEvent(events));

      assertEquals(1, occurrences(log, "node late-om1 is shut down: ignoring"), log);
      assertThrows(
          NodeShutDownException.class,
          () -> manager.register(new RecordingService("late", RecordingService.newLog())));
      assertThrows(
          IllegalArgumentException.class,
          () -> events.notifyTermIndexUpdated(-1, 0),
          "a wrong argument is still an error");
      assertEquals(1, manager.getStatus().term(), "reads still work");
    }
  }

  @Test
  void theNativeBoundaryStillThrowsForEventsAfterShutdownAndAfterFree() {
    NativeLibrary.ensureLoaded();
    long node = NativeOmsvc.nodeOpen("raw-om1", null, false);
    NativeOmsvc.shutdown(node);
    assertThrows(NodeShutDownException.class, () -> NativeOmsvc.leaderReady(node, 2, 0));
    assertThrows(NodeShutDownException.class, () -> NativeOmsvc.termIndexUpdated(node, 2, 0));
    NativeOmsvc.nodeFree(node);
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.leaderReady(node, 2, 0));
  }

  @Test
  void afterCloseForwardedEventsAreIgnoredAndLoggedOnceWhileOtherCallsStillThrow() {
    OMServiceManager manager = OMServiceManager.open("closed-om1", null, false);
    RatisEventForwarder events = manager.getEventForwarder();
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    manager.close();

    String log = capturingStderr(() -> forwardEveryKindOfEvent(events));

    assertEquals(1, occurrences(log, "node closed-om1 is shut down: ignoring"), log);
    assertThrows(ClosedHandleException.class, manager::getStatus);
    assertThrows(ClosedHandleException.class, () -> manager.getStateManager().list());
  }

  @Test
  void theOneArgumentLeaderReadyPassesTheTermOfTheStartupConfiguration() {
    try (OMServiceManager manager = OMServiceManager.open("om1", null, false)) {
      RatisEventForwarder events = manager.getEventForwarder();
      IllegalStateException none =
          assertThrows(IllegalStateException.class, () -> events.notifyLeaderReady(0));
      assertTrue(none.getMessage().contains("notifyConfigurationChanged"), none.getMessage());

      events.notifyLeaderChanged(5, "om1");
      events.notifyConfigurationChanged(5, 12, PEERS);
      assertEquals(EventOutcome.CHANGED, events.notifyLeaderReady(11));
      NodeFixture.settle(manager);
      NodeStatusView status = manager.getStatus();
      assertEquals(5, status.term());
      assertEquals("leader-ready", status.role());
      assertEquals(11, status.barrier());
    }
  }
}
