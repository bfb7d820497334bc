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

package org.libomsvc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libomsvc.ClosedHandleException;
import org.libomsvc.EventOutcome;
import org.libomsvc.InvalidServiceNameException;
import org.libomsvc.OMService;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceEpoch;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ServiceStatusView;
import org.libomsvc.testkit.Await;

/**
 * Misuse on a real Ratis group, and the JVM ending while a service runs Java code
 * (docs/design.md B1, B12, B14).
 */
class MisuseIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;

  @Test
  void aServiceWhoseStartThrowsIsRetriedWithItsErrorVisibleAndOthersRun() throws Exception {
    try (RatisCluster cluster = RatisCluster.startWithFailingService(dir)) {
      RatisPeer leader = cluster.awaitReadyLeader(TIMEOUT);
      Await.until(
          TIMEOUT,
          "two failed starts on " + leader,
          () ->
              leader.manager().getStatus().service(FailingService.NAME).consecutiveFailures() >= 2,
          cluster::describe);

      ServiceStatusView failing = leader.manager().getStatus().service(FailingService.NAME);
      assertEquals(ServiceStatus.PAUSING, failing.status());
      assertTrue(
          failing.lastError().contains("java.lang.IllegalStateException"), failing.lastError());
      assertTrue(failing.lastError().contains(FailingService.FAILURE), failing.lastError());
      assertTrue(failing.waitingFor().startsWith("start failed"), failing.waitingFor());
      assertTrue(leader.failingService().startAttempts() >= 2);
      assertEquals(
          ServiceStatus.RUNNING,
          leader.manager().getStatus().service(ProgressService.NAME).status());
      assertEquals(
          leader.id().toString(),
          cluster.awaitSingleRunner(0, TIMEOUT).getKey(),
          "the other service runs");
      for (RatisPeer peer : cluster.peers()) {
        if (peer != leader) {
          assertEquals(0, peer.failingService().startAttempts(), "attempts on follower " + peer);
        }
      }
    }
  }

  @Test
  void badNamesAndAClosedPeersHandleAreRefused() throws Exception {
    try (RatisCluster cluster = RatisCluster.start(dir)) {
      RatisPeer leader = cluster.awaitReadyLeader(TIMEOUT);
      OMServiceManager manager = leader.manager();
      assertThrows(InvalidServiceNameException.class, () -> manager.register(named("")));
      assertThrows(InvalidServiceNameException.class, () -> manager.register(named(null)));
      assertThrows(NullPointerException.class, () -> manager.register(null));

      leader.close();
      assertTrue(manager.isClosed());
      ClosedHandleException closed =
          assertThrows(ClosedHandleException.class, () -> manager.getStatus());
      assertTrue(closed.getMessage().contains(leader.id().toString()), closed.getMessage());
      assertEquals(
          EventOutcome.SHUT_DOWN, manager.getEventForwarder().notifyTermIndexUpdated(1, 1));
      assertThrows(
          ClosedHandleException.class, () -> manager.getStateManager().read(ProgressService.NAME));
      assertFalse(manager.isEpochCurrent(1));
      manager.close();
      cluster.awaitSingleRunner(0, TIMEOUT);
    }
  }

  /**
   * A host that closes its node before its RaftServer: Ratis keeps calling the StateMachine, and
   * the forwarded events are ignored instead of throwing into Ratis's threads.
   */
  @Test
  void ratisEventsReachingAClosedNodeAreHarmless() throws Exception {
    try (RatisCluster cluster = RatisCluster.start(dir)) {
      RatisPeer leader = cluster.awaitReadyLeader(TIMEOUT);
      long epoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
      leader.closeNodeOnly();

      RatisPeer target = cluster.anyFollowerOf(leader).orElseThrow();
      Await.until(
          TIMEOUT,
          "a transfer to " + target,
          () -> target.isLeaderReady() || cluster.transferLeadership(target, TIMEOUT),
          cluster::describe);
      assertEquals(target.id().toString(), cluster.awaitSingleRunner(epoch, TIMEOUT).getKey());

      assertEquals(List.of(), cluster.forwardingErrors, "errors thrown into Ratis's callbacks");
      assertTrue(
          leader.stateMachine().ignoredAfterShutdown() >= 2,
          "events the closed node ignored: " + leader.stateMachine().ignoredAfterShutdown());
    }
  }

  @Test
  void atExitTheShutdownHookInterruptsAStartThatDoesNotReturnAndTheJvmEnds() throws Exception {
    String log = assertChildExits("exit", "inStart", ExitWhileInServiceMain.EXIT_CODE);
    assertTrue(log.contains(ExitWhileInServiceMain.IN_START), log);
    // Only the hook interrupts the start: without it the JVM would go with the runner in Java.
    assertTrue(log.contains(ExitWhileInServiceMain.START_INTERRUPTED), log);
    assertFalse(log.contains(ExitWhileInServiceMain.STOPPED), "a failed start is not stopped");
  }

  @Test
  void atExitTheShutdownHookStopsARunningService() throws Exception {
    String log = assertChildExits("exit", "running", ExitWhileInServiceMain.EXIT_CODE);
    assertTrue(log.contains(ExitWhileInServiceMain.RUNNING), log);
    assertTrue(log.contains(ExitWhileInServiceMain.STOPPED), log);
  }

  @Test
  void aServiceThatCallsSystemExitIsNotWaitedForByTheShutdownHook() throws Exception {
    String log = assertChildExits("exit", "exitsInStart", ExitWhileInServiceMain.EXIT_CODE);
    // The runner is inside System.exit, which waits for the hook: waiting for the runner in the
    // hook would last until the hook gives up.
    assertTrue(log.contains("called System.exit; its services are not stopped"), log);
    assertFalse(log.contains("did not stop within"), log);
  }

  @Test
  void whenMainReturnsTheJvmEndsAndTheShutdownHookStopsARunningService() throws Exception {
    // An idle runner is not attached to the JVM, so it does not keep the JVM alive.
    String log = assertChildExits("return", "running", 0);
    assertTrue(log.contains(ExitWhileInServiceMain.RUNNING), log);
    assertTrue(log.contains(ExitWhileInServiceMain.STOPPED), log);
  }

  /** Runs the child JVM to its end; returns its output. */
  private String assertChildExits(String how, String where, int expectedCode) throws Exception {
    Path output = dir.resolve("child-" + how + "-" + where + ".log");
    Process child =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                testClassPath(),
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                // Interrupt a start that does not return after 0.5 s rather than 5 s.
                "-Domsvc.shutdown.interrupt.ms=500",
                ExitWhileInServiceMain.class.getName(),
                how,
                where)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean exited = child.waitFor(30, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly().waitFor();
    }
    String log = Files.readString(output, StandardCharsets.UTF_8);
    assertTrue(exited, "the child JVM did not end within 30 s:\n" + log);
    assertEquals(expectedCode, child.exitValue(), log);
    assertFalse(log.contains("A fatal error has been detected"), log);
    assertEquals(List.of(), hsErrFiles(), "JVM crash logs");
    return log;
  }

  private List<Path> hsErrFiles() throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
    }
  }

  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null ? surefire : System.getProperty("java.class.path");
  }

  private static OMService named(String name) {
    return new OMService() {
      @Override
      public String getServiceName() {
        return name;
      }

      @Override
      public void start(ServiceEpoch epoch) {}

      @Override
      public void stop() {}
    };
  }
}
