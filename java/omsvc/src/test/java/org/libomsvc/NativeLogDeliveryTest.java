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
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeLogSink;
import org.libomsvc.internal.NativeOmsvc;
import org.libomsvc.internal.Slf4jLogSink;

/**
 * The native log sink never calls Java while a native lock is held: a Java logger may call back
 * into the library, or be slow, without stopping the threads that log. The sink is process-wide,
 * so each test puts the slf4j sink back.
 */
class NativeLogDeliveryTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final int TRACE = 5;

  /** The native queue's capacity (src/jni/logging.rs). */
  private static final int QUEUE_CAPACITY = 4096;

  private OMServiceManager manager;

  @BeforeEach
  void open() {
    NativeLibrary.ensureLoaded();
    manager = OMServiceManager.open("log-om1", null, false);
  }

  @AfterEach
  void restore() throws Exception {
    NoDeadlock.within(BOUND, "putting the slf4j sink back", Slf4jLogSink::install);
    NoDeadlock.within(BOUND, "close", manager::close);
  }

  /** Leadership flaps: each logs under the manager's state lock ("leadership changed"). */
  private void flap(int rounds) {
    RatisEventForwarder events = manager.getEventForwarder();
    for (int term = 1; term <= rounds; term++) {
      events.notifyLeaderChanged(term, "log-om1");
      events.notifyNotLeader(term);
    }
  }

  @Test
  void aLoggerThatCallsBackIntoTheLibraryDoesNotDeadlockTheEventsItLogs() throws Exception {
    AtomicInteger callbacks = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    NativeLogSink readsTheStatus =
        (level, target, message) -> {
          try {
            manager.getStatusJson();
            callbacks.incrementAndGet();
          } catch (ClosedHandleException e) {
            // a record delivered after the test closed the manager
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        };
    NativeOmsvc.installLogSink(readsTheStatus, TRACE);

    NoDeadlock.within(
        BOUND,
        "events whose logs call back into the library",
        () -> {
          flap(200);
          while (callbacks.get() < 200) {
            Thread.sleep(1);
          }
        });

    assertEquals(null, failure.get());
    assertEquals(200, manager.getStatus().term(), "every event was taken");
  }

  @Test
  void awaitLogsDeliveredWaitsForAStalledLoggerUntilItCaughtUp() throws Exception {
    CountDownLatch unblock = new CountDownLatch(1);
    NativeLogSink stalled =
        (level, target, message) -> {
          try {
            unblock.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    NativeOmsvc.installLogSink(stalled, TRACE);

    flap(10);

    assertFalse(NativeOmsvc.awaitLogsDelivered(200), "the records wait in the stalled logger");
    unblock.countDown();
    assertTrue(NativeOmsvc.awaitLogsDelivered(BOUND.toMillis()), "never delivered");
  }

  @Test
  void aStalledLoggerCostsDroppedRecordsNeverABlockedEvent() throws Exception {
    CountDownLatch unblock = new CountDownLatch(1);
    List<String> warnings = new CopyOnWriteArrayList<>();
    NativeLogSink stalled =
        (level, target, message) -> {
          try {
            unblock.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (level == 2 && message.startsWith("dropped ")) {
            warnings.add(message);
          }
        };
    NativeOmsvc.installLogSink(stalled, TRACE);

    NoDeadlock.within(
        BOUND, "events while the logger is stalled", () -> flap(2 * QUEUE_CAPACITY));
    unblock.countDown();
    // A warning may also carry drops from before this sink was installed (an earlier test's
    // flood): count every warning until the stall's drops are all reported.
    long expected = 2 * QUEUE_CAPACITY - QUEUE_CAPACITY - 1;
    NoDeadlock.within(
        BOUND,
        "the dropped-records warnings",
        () -> {
          while (droppedIn(warnings) < expected) {
            Thread.sleep(1);
          }
        });

    for (String warning : warnings) {
      assertTrue(
          warning.matches("dropped \\d+ native log records: the Java log sink fell more than 4096"
              + " records behind"),
          warning);
    }
    assertTrue(droppedIn(warnings) >= expected, warnings.toString());
  }

  private static long droppedIn(List<String> warnings) {
    return warnings.stream().mapToLong(warning -> Long.parseLong(warning.split(" ")[1])).sum();
  }
}
