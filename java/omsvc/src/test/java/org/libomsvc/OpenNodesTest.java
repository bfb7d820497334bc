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

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What the JVM shutdown hook does ({@link OpenNodes#closeAll(long, long)}, called here directly):
 * it closes every open manager, stopping running services, interrupts a start that does not return,
 * and gives up on one that ignores interrupts instead of holding the JVM forever.
 */
class OpenNodesTest {
  private static final long LONG_ENOUGH_MILLIS = 30_000;

  /** A service whose start runs {@code body} (on the runner thread) and whose stop is counted. */
  private static final class BlockingService implements OMService {
    final CountDownLatch inStart = new CountDownLatch(1);
    final CountDownLatch stopped = new CountDownLatch(1);
    final AtomicBoolean startInterrupted = new AtomicBoolean();
    final AtomicBoolean release = new AtomicBoolean();
    final String mode;

    BlockingService(String mode) {
      this.mode = mode;
    }

    @Override
    public String getServiceName() {
      return "BlockingService";
    }

    @Override
    public void start(ServiceEpoch epoch) throws InterruptedException {
      inStart.countDown();
      if (mode.equals("returns")) {
        return;
      }
      if (mode.equals("sleeps")) {
        try {
          Thread.sleep(LONG_ENOUGH_MILLIS);
        } catch (InterruptedException e) {
          startInterrupted.set(true);
          throw e;
        }
        return;
      }
      while (!release.get()) {
        Thread.onSpinWait(); // ignores interrupts
      }
    }

    @Override
    public void stop() {
      stopped.countDown();
    }
  }

  private static OMServiceManager leaderWith(BlockingService service) throws Exception {
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    manager.register(service);
    manager.getEventForwarder().notifyLeaderChanged(1, "om1");
    manager.getEventForwarder().notifyLeaderReady(1, 0);
    assertTrue(service.inStart.await(10, TimeUnit.SECONDS), "the runner never started the service");
    return manager;
  }

  @Test
  void closesAnOpenManagerAndStopsItsRunningService() throws Exception {
    BlockingService service = new BlockingService("returns");
    OMServiceManager manager = leaderWith(service);
    NodeFixture.settle(manager);

    assertEquals(List.of(), OpenNodes.closeAll(LONG_ENOUGH_MILLIS, LONG_ENOUGH_MILLIS));

    assertEquals(0, service.stopped.getCount(), "the running service was not stopped");
    assertTrue(manager.isClosed());
    assertEquals(List.of(), OpenNodes.closeAll(LONG_ENOUGH_MILLIS, LONG_ENOUGH_MILLIS));
  }

  @Test
  void interruptsAStartThatDoesNotReturnByItself() throws Exception {
    BlockingService service = new BlockingService("sleeps");
    OMServiceManager manager = leaderWith(service);

    long started = System.nanoTime();
    assertEquals(List.of(), OpenNodes.closeAll(100, LONG_ENOUGH_MILLIS));

    assertTrue(service.startInterrupted.get(), "the start was not interrupted");
    assertTrue(
        System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(LONG_ENOUGH_MILLIS / 2),
        "the hook waited for the sleep to end instead of interrupting it");
    assertTrue(manager.isClosed());
    assertEquals(1, service.stopped.getCount(), "a start that failed is not stopped");
  }

  @Test
  void givesUpOnAStartThatIgnoresInterruptsAndNamesItsNode() throws Exception {
    BlockingService service = new BlockingService("spins");
    OMServiceManager manager = leaderWith(service);
    try {
      List<NodeHandle> stuck = OpenNodes.closeAll(50, 300);

      assertEquals(1, stuck.size(), "the spinning start's node is not reported");
      assertEquals("om1", stuck.get(0).selfId());
      assertFalse(service.startInterrupted.get());
    } finally {
      service.release.set(true);
      manager.close();
    }
    assertTrue(manager.isClosed());
  }
}
