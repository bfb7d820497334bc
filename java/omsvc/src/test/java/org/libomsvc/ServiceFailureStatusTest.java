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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the status view shows of a service's failure, and calls a service must not make. */
class ServiceFailureStatusTest {
  private OMServiceManager manager;

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", null, false);
  }

  @AfterEach
  void close() throws Exception {
    NoDeadlock.within(Duration.ofSeconds(30), "close", manager::close);
  }

  /** A service whose start throws what {@code failure} makes. */
  private static OMService failingWith(String name, Failure failure) {
    return new OMService() {
      @Override
      public String getServiceName() {
        return name;
      }

      @Override
      public void start(ServiceEpoch epoch) throws Exception {
        throw failure.make();
      }

      @Override
      public void stop() {}
    };
  }

  interface Failure {
    Exception make() throws Exception;
  }

  /** An exception whose getMessage() itself throws. */
  static final class MessageThrowingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @Override
    public String getMessage() {
      throw new UnsupportedOperationException("no message for you");
    }
  }

  private String lastErrorAfterAFailedStart(String name) {
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    ServiceStatusView service = manager.getStatus().service(name);
    assertNotNull(service.lastError(), manager.getStatusJson());
    assertEquals(1, service.failedStartCount(), manager.getStatusJson());
    return service.lastError();
  }

  @Test
  void aMegabyteExceptionMessageIsCutInTheStatus() {
    String huge = "x".repeat(1 << 20);
    manager.register(failingWith("Huge", () -> new IllegalStateException(huge)));

    String lastError = lastErrorAfterAFailedStart("Huge");

    String start = lastError.substring(0, Math.min(200, lastError.length()));
    assertTrue(lastError.startsWith("start failed: java.lang.IllegalStateException: xxxx"), start);
    assertTrue(lastError.length() < 4096 + 200, "lastError of " + lastError.length() + " chars");
    assertTrue(lastError.endsWith("bytes cut)"), lastError.substring(4000));
    assertTrue(
        lastError.contains((huge.length() - 4096) + " of " + huge.length() + " bytes cut"),
        lastError.substring(4000));
    assertTrue(manager.getStatusJson().length() < 10_000, "the status JSON stays small");
  }

  @Test
  void anExceptionWhoseGetMessageThrowsKeepsItsClassName() {
    manager.register(failingWith("Odd", MessageThrowingException::new));

    String lastError = lastErrorAfterAFailedStart("Odd");

    assertEquals(
        "start failed: "
            + MessageThrowingException.class.getName()
            + " (its getMessage() threw java.lang.UnsupportedOperationException)",
        lastError);
  }

  @Test
  void anExceptionWithoutAMessageIsShownByItsClassName() {
    manager.register(failingWith("Bare", IllegalStateException::new));

    assertEquals(
        "start failed: java.lang.IllegalStateException", lastErrorAfterAFailedStart("Bare"));
  }

  @Test
  void waitSettledFromInsideAServiceFailsAtOnceInsteadOfBurningItsTimeout() {
    AtomicReference<RuntimeException> thrown = new AtomicReference<>();
    manager.register(
        failingWith(
            "Waiter",
            () -> {
              try {
                manager.waitSettled(Duration.ofMinutes(10));
              } catch (RuntimeException e) {
                thrown.set(e);
                throw e;
              }
              return new Exception("waitSettled returned on the runner thread");
            }));

    String lastError = lastErrorAfterAFailedStart("Waiter");

    assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
    assertTrue(
        lastError.startsWith("start failed: java.lang.IllegalStateException: waitSettled"),
        lastError);
    assertTrue(lastError.contains("runner thread"), lastError);
    assertTrue(manager.waitSettled(NodeFixture.SETTLE), "from any other thread it works");
  }
}
