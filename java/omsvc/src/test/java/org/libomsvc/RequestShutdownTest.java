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

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link OMServiceManager#requestShutdown()}: stops the services without waiting for them. */
class RequestShutdownTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  private OMServiceManager manager;

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", null, false);
  }

  @AfterEach
  void close() throws Exception {
    NoDeadlock.within(BOUND, "close", manager::close);
  }

  /** A service whose stop waits for {@link #releaseStop}; a start may request the shutdown. */
  private final class GatedService implements OMService {
    final CountDownLatch inStop = new CountDownLatch(1);
    final CountDownLatch releaseStop = new CountDownLatch(1);
    volatile boolean requestShutdownInStart;

    @Override
    public String getServiceName() {
      return "Gated";
    }

    @Override
    public void start(ServiceEpoch epoch) {
      if (requestShutdownInStart) {
        manager.requestShutdown();
      }
    }

    @Override
    public void stop() throws InterruptedException {
      inStop.countDown();
      releaseStop.await();
    }
  }

  @Test
  void returnsWhileTheServiceIsStillStoppingAndLaterEventsAreIgnored() throws Exception {
    GatedService service = new GatedService();
    manager.register(service);
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    assertEquals(ServiceStatus.RUNNING, manager.getServiceStatus("Gated"));

    // The stop cannot end before this thread releases it: a waiting call would hang here.
    NoDeadlock.within(BOUND, "requestShutdown", manager::requestShutdown);
    assertTrue(service.inStop.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "stop not called");
    assertEquals(ServiceStatus.RUNNING, manager.getServiceStatus("Gated"));
    service.releaseStop.countDown();

    NodeFixture.settle(manager);
    assertEquals(ServiceStatus.PAUSING, manager.getServiceStatus("Gated"));
    assertEquals(
        EventOutcome.SHUT_DOWN, manager.getEventForwarder().notifyLeaderChanged(2, "om1"));
    manager.requestShutdown(); // again: nothing happens
  }

  @Test
  void aServiceMayRequestTheShutdownFromItsOwnStart() throws Exception {
    GatedService service = new GatedService();
    service.requestShutdownInStart = true;
    service.releaseStop.countDown();
    manager.register(service);

    NodeFixture.becomeReadyLeader(manager, 1, 0);

    assertTrue(service.inStop.await(BOUND.toMillis(), TimeUnit.MILLISECONDS), "stop not called");
    NodeFixture.settle(manager);
    assertEquals(ServiceStatus.PAUSING, manager.getServiceStatus("Gated"));
  }

  @Test
  void afterCloseItThrowsClosedHandleException() throws Exception {
    NoDeadlock.within(BOUND, "close", manager::close);
    assertThrows(ClosedHandleException.class, manager::requestShutdown);
  }
}
