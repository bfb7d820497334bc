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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StartRetryPolicy}: its rules, and that the runner waits as the policy says. */
class StartRetryPolicyTest {
  private OMServiceManager manager;

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", null, false);
  }

  @AfterEach
  void close() throws Exception {
    NoDeadlock.within(Duration.ofSeconds(30), "close", manager::close);
  }

  /** A service whose first {@code failures} starts throw. */
  private static final class FailingFirst implements OMService {
    final AtomicInteger starts = new AtomicInteger();
    final int failures;

    FailingFirst(int failures) {
      this.failures = failures;
    }

    @Override
    public String getServiceName() {
      return "FailingFirst";
    }

    @Override
    public void start(ServiceEpoch epoch) {
      if (starts.incrementAndGet() <= failures) {
        throw new IllegalStateException("start " + starts.get() + " fails");
      }
    }

    @Override
    public void stop() {}
  }

  @Test
  void theDefaultIsTheNativeDefault() {
    assertEquals(Duration.ofMillis(100), StartRetryPolicy.DEFAULT.initialDelay());
    assertEquals(Duration.ofSeconds(30), StartRetryPolicy.DEFAULT.maxDelay());
  }

  @Test
  void waitsUnderAMillisecondOrAMaximumBelowTheInitialWaitAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> StartRetryPolicy.backoff(Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> StartRetryPolicy.backoff(Duration.ofMillis(-5), Duration.ofSeconds(1)));
    IllegalArgumentException shorterMax =
        assertThrows(
            IllegalArgumentException.class,
            () -> StartRetryPolicy.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertEquals(
        "maxDelay (1000 ms) must not be shorter than initialDelay (2000 ms)",
        shorterMax.getMessage());
    assertThrows(
        NullPointerException.class, () -> StartRetryPolicy.backoff(null, Duration.ofSeconds(1)));
    assertEquals(
        StartRetryPolicy.backoff(Duration.ofMillis(5), Duration.ofMillis(5)),
        StartRetryPolicy.backoff(Duration.ofMillis(5), Duration.ofMillis(5)));
  }

  @Test
  void shortWaitsRetryManyFailedStartsQuickly() throws Exception {
    // With the default policy these 12 failures would take over a minute of waits.
    FailingFirst service = new FailingFirst(12);
    StartRetryPolicy quick = StartRetryPolicy.backoff(Duration.ofMillis(1), Duration.ofMillis(4));
    manager.register(service, Duration.ZERO, quick);

    NodeFixture.becomeReadyLeader(manager, 1, 0);

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (manager.getServiceStatus("FailingFirst") != ServiceStatus.RUNNING) {
      assertTrue(
          System.nanoTime() < deadline, "not running after 20 s: " + manager.getStatusJson());
      Thread.sleep(5);
    }
    assertEquals(13, service.starts.get());
    assertEquals(12, manager.getStatus().service("FailingFirst").failedStartCount());
  }

  @Test
  void aLongInitialWaitHoldsTheRetryBack() throws Exception {
    FailingFirst service = new FailingFirst(1);
    manager.register(
        service, Duration.ZERO, StartRetryPolicy.backoff(Duration.ofHours(1), Duration.ofHours(1)));

    NodeFixture.becomeReadyLeader(manager, 1, 0);
    // The default policy would have retried (and started) the service twice over by now.
    Thread.sleep(500);

    assertEquals(1, service.starts.get(), manager.getStatusJson());
    assertEquals(ServiceStatus.PAUSING, manager.getServiceStatus("FailingFirst"));
  }
}
