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
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link OMServiceManager#close()} while a service's own start or stop closes the manager or reads
 * it: nothing deadlocks, and everything ends closed.
 */
class CloseFromServicesTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  /** A service whose start and stop run the given actions on the runner thread. */
  private static final class ActingService implements OMService {
    final List<String> log = RecordingService.newLog();
    volatile ThrowingAction onStart = () -> {};
    volatile ThrowingAction onStop = () -> {};

    interface ThrowingAction {
      void run() throws Exception;
    }

    @Override
    public String getServiceName() {
      return "ActingService";
    }

    @Override
    public void start(ServiceEpoch epoch) throws Exception {
      log.add("start:" + epoch.getEpoch());
      onStart.run();
      log.add("start returned");
    }

    @Override
    public void stop() throws Exception {
      log.add("stop");
      onStop.run();
      log.add("stop returned");
    }
  }

  private static OMServiceManager runningManager(ActingService service) {
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    manager.register(service);
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    assertEquals(ServiceStatus.RUNNING, manager.getServiceStatus(service.getServiceName()));
    return manager;
  }

  private static void assertReleased(OMServiceManager manager) {
    assertTrue(manager.isClosed());
    assertThrows(ClosedHandleException.class, manager::getStatus);
  }

  @Test
  void aStopThatClosesTheManagerDoesNotDeadlockTheHostsClose() throws Exception {
    ActingService service = new ActingService();
    OMServiceManager manager = runningManager(service);
    service.onStop = manager::close;

    NoDeadlock.within(BOUND, "close while stop() closes", manager::close);

    assertReleased(manager);
    assertEquals(List.of("start:1", "start returned", "stop", "stop returned"), service.log);
  }

  /**
   * A ready leader running {@code first} and {@code second}: when leadership ends, {@code first}
   * stops on the runner thread and {@code second} on a thread of its own, at the same time.
   */
  private static OMServiceManager leaderWithConcurrentStops(OMService first, OMService second) {
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    manager.register(first);
    manager.register(second);
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    return manager;
  }

  /**
   * When leadership ends, services stop at the same time, each on a thread of its own: a stop()
   * on such a thread that closes the manager only requests it, like one on the runner thread.
   */
  @Test
  void aConcurrentStopThatClosesTheManagerDoesNotDeadlock() throws Exception {
    RecordingService first = new RecordingService("First", RecordingService.newLog());
    ActingService closing = new ActingService();
    OMServiceManager manager = leaderWithConcurrentStops(first, closing);
    closing.onStop = manager::close;

    NoDeadlock.within(
        BOUND,
        "a concurrent stop() closes the manager",
        () -> {
          manager.getEventForwarder().notifyNotLeader(1);
          while (true) {
            try {
              manager.getStatus();
              Thread.sleep(5);
            } catch (ClosedHandleException released) {
              return;
            }
          }
        });

    assertReleased(manager);
    assertEquals(List.of("start:1", "start returned", "stop", "stop returned"), closing.log);
    assertEquals(List.of("First:start:1", "First:stop"), first.log);
  }

  /** waitSettled from a stop() on its own thread would wait on the runner waiting on it. */
  @Test
  void waitSettledInAConcurrentStopFailsAtOnce() throws Exception {
    ActingService waiting = new ActingService();
    OMServiceManager manager =
        leaderWithConcurrentStops(
            new RecordingService("First", RecordingService.newLog()), waiting);
    AtomicReference<Object> answer = new AtomicReference<>();
    waiting.onStop =
        () -> {
          try {
            answer.set(manager.waitSettled(Duration.ofSeconds(60)));
          } catch (IllegalStateException e) {
            answer.set(e);
          }
        };
    NoDeadlock.within(
        BOUND,
        "waitSettled inside a concurrent stop()",
        () -> {
          manager.getEventForwarder().notifyNotLeader(1);
          NodeFixture.settle(manager);
        });
    assertTrue(answer.get() instanceof IllegalStateException, "waitSettled gave " + answer.get());
    manager.close();
  }

  @Test
  void aStopThatReadsTheManagerDuringCloseSeesItsStatus() throws Exception {
    ActingService service = new ActingService();
    OMServiceManager manager = runningManager(service);
    AtomicReference<Object> seen = new AtomicReference<>();
    AtomicReference<Boolean> epochCurrentInStop = new AtomicReference<>();
    service.onStop =
        () -> {
          try {
            seen.set(manager.getStatus());
            manager.getStateManager().list();
            manager.getServiceStatus(service.getServiceName());
            epochCurrentInStop.set(manager.isEpochCurrent(1));
          } catch (RuntimeException e) {
            seen.set(e);
          }
        };

    NoDeadlock.within(BOUND, "close while stop() reads the status", manager::close);

    assertTrue(seen.get() instanceof NodeStatusView, "what stop() read: " + seen.get());
    assertEquals(1, ((NodeStatusView) seen.get()).term());
    assertEquals(false, epochCurrentInStop.get(), "no epoch is current once close began");
    assertReleased(manager);
  }

  /**
   * Both orders, many rounds: the host closes first (its close waits for the runner, which is in
   * start), or start closes first (its close only requests the shutdown; the host's waits).
   */
  @Test
  void aStartThatClosesWhileTheHostClosesDoesNotDeadlock() throws Exception {
    for (int round = 0; round < 20; round++) {
      boolean hostFirst = round % 2 == 0;
      CountDownLatch inStart = new CountDownLatch(1);
      CountDownLatch go = new CountDownLatch(1);
      AtomicReference<OMServiceManager> managerRef = new AtomicReference<>();
      ActingService service = new ActingService();
      service.onStart =
          () -> {
            inStart.countDown();
            assertTrue(go.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "the test's go");
            managerRef.get().close();
          };
      OMServiceManager manager = OMServiceManager.open("om1", null, false);
      managerRef.set(manager);
      manager.register(service);
      RatisEventForwarder events = manager.getEventForwarder();
      events.notifyLeaderChanged(1, "om1");
      events.notifyConfigurationChanged(1, 0, List.of("om1", "om2", "om3"));
      events.notifyLeaderReady(1, 0);
      assertTrue(inStart.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "start was called");

      String what = "round " + round + (hostFirst ? ", host closes first" : ", start closes first");
      NoDeadlock.within(
          BOUND,
          what,
          () -> {
            Thread host = new Thread(manager::close, "host-close");
            if (hostFirst) {
              host.start();
              while (!manager.isClosed()) {
                Thread.sleep(1);
              }
              go.countDown();
            } else {
              go.countDown();
              while (!manager.isClosed()) {
                Thread.sleep(1);
              }
              host.start();
            }
            host.join();
          });

      assertReleased(manager);
      assertEquals(
          List.of("start:1", "start returned", "stop", "stop returned"), service.log, what);
    }
  }

  @Test
  void aStartThatClosesAloneEndsReleasedAfterItsStop() throws Exception {
    ActingService service = new ActingService();
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    AtomicReference<Object> statusInStop = new AtomicReference<>();
    service.onStart = manager::close;
    service.onStop = () -> statusInStop.set(manager.getStatus());
    manager.register(service);
    RatisEventForwarder events = manager.getEventForwarder();
    events.notifyLeaderChanged(1, "om1");
    events.notifyConfigurationChanged(1, 0, List.of("om1", "om2", "om3"));
    events.notifyLeaderReady(1, 0);

    NoDeadlock.within(
        BOUND,
        "the release after start() closed",
        () -> {
          while (!service.log.contains("stop returned")) {
            Thread.sleep(1);
          }
          manager.close(); // waits for the release under way
        });

    assertReleased(manager);
    assertTrue(statusInStop.get() instanceof NodeStatusView, String.valueOf(statusInStop.get()));
    assertEquals(List.of("start:1", "start returned", "stop", "stop returned"), service.log);
  }

  @Test
  void aSecondCloseWaitsUntilTheFirstHasReleasedTheNode() throws Exception {
    ActingService service = new ActingService();
    OMServiceManager manager = runningManager(service);
    CountDownLatch inStop = new CountDownLatch(1);
    CountDownLatch finishStop = new CountDownLatch(1);
    service.onStop =
        () -> {
          inStop.countDown();
          assertTrue(finishStop.await(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        };
    AtomicReference<Throwable> secondSawOpen = new AtomicReference<>();

    NoDeadlock.within(
        BOUND,
        "two closes",
        () -> {
          Thread first = new Thread(manager::close, "first-close");
          first.start();
          assertTrue(inStop.await(BOUND.toMillis(), TimeUnit.MILLISECONDS));
          Thread second =
              new Thread(
                  () -> {
                    manager.close();
                    try {
                      manager.getStatus();
                      secondSawOpen.set(new AssertionError("close returned before the release"));
                    } catch (ClosedHandleException expected) {
                      // released, as it should be once close returns
                    }
                  },
                  "second-close");
          second.start();
          second.join(200);
          assertTrue(second.isAlive(), "the second close waits while stop() runs");
          finishStop.countDown();
          first.join();
          second.join();
        });

    assertNull(secondSawOpen.get());
    assertReleased(manager);
  }
}
