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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libomsvc.EventOutcome;
import org.libomsvc.OMDeleteServiceConfigurationRequest;
import org.libomsvc.OMServiceConfigurationResponse;
import org.libomsvc.OMSetServiceConfigurationRequest;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ServiceStatusView;
import org.libomsvc.StaleEpochException;
import org.libomsvc.it.proto.ProgressConfiguration;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;
import org.libomsvc.testkit.Await;

/**
 * Leadership and configuration on a real three-peer Ratis group (docs/design.md B2, B6-B8, B10,
 * B11, B13).
 */
class LeaderOnlyServiceIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  /**
   * A closed leader is replaced within this bound: a follower notices after at most the maximum
   * election timeout, and an election with pre-vote takes a few round trips more.
   */
  private static final Duration ELECTION_BOUND =
      Duration.ofMillis(4 * RatisPeer.ELECTION_TIMEOUT_MAX.toLong(TimeUnit.MILLISECONDS) + 1000);

  /** How long a configuration command's apply lags its commit in the B6 scenario. */
  private static final long APPLY_DELAY_MILLIS = 1000;

  @TempDir Path dir;
  private RatisCluster cluster;

  @BeforeEach
  void startCluster() throws Exception {
    cluster = RatisCluster.start(dir);
  }

  @AfterEach
  void closeCluster() throws Exception {
    cluster.close();
    assertEquals(List.of(), cluster.forwardingErrors, "errors forwarding Ratis events");
  }

  @Test
  void exactlyOnePeerRunsTheServiceAndOnlyOnceLeaderReady() {
    RatisPeer leader = cluster.awaitReadyLeader(TIMEOUT);
    Map.Entry<String, Long> runner = cluster.awaitSingleRunner(0, TIMEOUT);

    assertEquals(leader.id().toString(), runner.getKey(), "the service runs on the leader");
    Timeline.Event start = cluster.timeline.lastStart(ProgressService.NAME).orElseThrow();
    assertTrue(start.ratisLeaderReady(), "Ratis called the peer leader-ready when it started");
    assertEquals(leader.currentTerm(), start.epoch(), "the epoch is the leader's term");
    List<EventOutcome> readies = leader.stateMachine().leaderReadyOutcomes();
    assertFalse(readies.isEmpty(), "leader-ready was forwarded");
    assertTrue(
        readies.stream().allMatch(EventOutcome.CHANGED::equals),
        "the host passes leader-ready the term it was elected in: " + readies);
    for (RatisPeer peer : cluster.peers()) {
      ServiceStatusView view = peer.manager().getStatus().service(ProgressService.NAME);
      boolean isLeader = peer == leader;
      assertEquals(
          isLeader ? ServiceStatus.RUNNING : ServiceStatus.PAUSING,
          view.status(),
          peer + " " + view);
      assertEquals(isLeader ? 1 : 0, view.startCount(), peer + " " + view);
    }
    assertEquals(1, cluster.timeline.starts(ProgressService.NAME).size(), cluster.describe());
  }

  @Test
  void aConfigurationSavedThroughRatisReadsBackIdenticalOnEveryPeer() throws Exception {
    cluster.awaitReadyLeader(TIMEOUT);
    byte[] configuration = new byte[1024];
    new Random(42).nextBytes(configuration);

    OMServiceConfigurationResponse response =
        submit(
            OMSetServiceConfigurationRequest.of("KeyLifecycleService", configuration)
                .toByteArray());
    assertEquals(Outcome.APPLIED, response.getOutcome(), response.toString());
    for (RatisPeer peer : cluster.peers()) {
      Await.until(
          TIMEOUT,
          "the configuration on " + peer,
          () -> peer.manager().getStateManager().read("KeyLifecycleService").isPresent());
      assertArrayEquals(
          configuration,
          peer.manager().getStateManager().read("KeyLifecycleService").orElseThrow(),
          "configuration read on " + peer);
    }

    submit(OMDeleteServiceConfigurationRequest.of("KeyLifecycleService").toByteArray());
    for (RatisPeer peer : cluster.peers()) {
      Await.until(
          TIMEOUT,
          "the deletion on " + peer,
          () -> peer.manager().getStateManager().read("KeyLifecycleService").isEmpty());
      assertEquals(List.of(), peer.manager().getStateManager().list(), peer.toString());
    }

    OMServiceConfigurationResponse rejected =
        submit(OMSetServiceConfigurationRequest.of("", configuration).toByteArray());
    assertEquals(Outcome.REJECTED, rejected.getOutcome());
    assertTrue(rejected.getError().contains("the name is empty"), rejected.getError());
  }

  @Test
  void afterATransferTheNewLeaderStartsInTheNextEpochFromTheSavedProgress() throws Exception {
    RatisPeer oldLeader = cluster.awaitReadyLeader(TIMEOUT);
    long oldEpoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
    oldLeader.progressService().saveProgress(4242).get(20, TimeUnit.SECONDS);
    RatisPeer target = cluster.anyFollowerOf(oldLeader).orElseThrow();

    assertTrue(cluster.transferLeadership(target, TIMEOUT), "Ratis confirmed the transfer");
    Map.Entry<String, Long> runner = cluster.awaitSingleRunner(oldEpoch, TIMEOUT);

    assertEquals(target.id().toString(), runner.getKey(), cluster.describe());
    assertEquals(oldEpoch + 1, runner.getValue(), "the epoch after one election");
    Timeline.Event start = cluster.timeline.lastStart(ProgressService.NAME).orElseThrow();
    assertEquals(4242, start.position(), "the new leader resumed from the saved progress");
    ServiceStatusView oldView = oldLeader.manager().getStatus().service(ProgressService.NAME);
    assertEquals(ServiceStatus.PAUSING, oldView.status());
    assertEquals(1, oldView.stopCount());
    assertEquals(List.of(), cluster.timeline.overlaps(ProgressService.NAME), cluster.describe());
  }

  @Test
  void aClosedLeaderIsReplacedWithinTheElectionBoundAndRejoinsWithoutRunningTheService()
      throws Exception {
    RatisPeer oldLeader = cluster.awaitReadyLeader(TIMEOUT);
    long oldEpoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
    oldLeader.progressService().saveProgress(7).get(20, TimeUnit.SECONDS);
    long entriesBefore = oldLeader.manager().getStateManager().lastApplied().index();

    long closedAt = System.nanoTime();
    oldLeader.close();
    Map.Entry<String, Long> runner = cluster.awaitSingleRunner(oldEpoch, ELECTION_BOUND);
    long failoverMillis = (System.nanoTime() - closedAt) / 1_000_000;
    System.out.printf(
        "closed leader %s: %s ran the service in epoch %d after %d ms%n",
        oldLeader, runner.getKey(), runner.getValue(), failoverMillis);
    assertFalse(runner.getKey().equals(oldLeader.id().toString()));
    assertEquals(7, cluster.timeline.lastStart(ProgressService.NAME).orElseThrow().position());

    cluster.restart(oldLeader);
    Await.until(
        TIMEOUT,
        oldLeader + " replaying the entries it had",
        () -> oldLeader.manager().getStatus().applied() >= entriesBefore,
        cluster::describe);
    Await.until(
        TIMEOUT,
        oldLeader + " following the new leader",
        () -> runner.getKey().equals(oldLeader.manager().getStatus().leader()),
        cluster::describe);
    assertTrue(oldLeader.manager().waitSettled(Duration.ofSeconds(5)));
    ServiceStatusView view = oldLeader.manager().getStatus().service(ProgressService.NAME);
    assertEquals(ServiceStatus.PAUSING, view.status(), view.toString());
    assertEquals(0, view.startCount(), view.toString());
    assertEquals(
        Map.of(runner.getKey(), runner.getValue()),
        cluster.timeline.running(ProgressService.NAME),
        cluster.describe());
    assertArrayEquals(
        cluster
            .peer(runner.getKey())
            .manager()
            .getStateManager()
            .read(ProgressService.NAME)
            .orElseThrow(),
        oldLeader.manager().getStateManager().read(ProgressService.NAME).orElseThrow());
  }

  /**
   * docs/design.md B6: the leader's apply lags (as OM's double buffer does); a configuration is
   * committed and, while its apply is still pending, leadership moves. The new leader's service
   * must read that configuration when it starts: the barrier holds it back until the entry is
   * applied.
   */
  @Test
  void aChangeCommittedJustBeforeATransferIsWhatTheNewLeaderReadsAtStart() throws Exception {
    RatisPeer oldLeader = cluster.awaitReadyLeader(TIMEOUT);
    long oldEpoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
    RatisPeer target = cluster.anyFollowerOf(oldLeader).orElseThrow();
    for (RatisPeer peer : cluster.peers()) {
      peer.stateMachine().setApplyDelayMillis(APPLY_DELAY_MILLIS);
    }
    long committedBefore = target.stateMachine().lastDispatchedCommandIndex();

    byte[] change = ProgressConfiguration.newBuilder().setPosition(99).build().toByteArray();
    CompletableFuture<RaftClientReply> submitted =
        cluster
            .client()
            .async()
            .send(
                Message.valueOf(
                    ByteString.copyFrom(
                        OMSetServiceConfigurationRequest.of(ProgressService.NAME, change)
                            .toByteArray())));
    Await.until(
        TIMEOUT,
        "the change committed on " + target,
        () -> target.stateMachine().lastDispatchedCommandIndex() > committedBefore,
        cluster::describe);
    assertTrue(
        target.manager().getStateManager().read(ProgressService.NAME).isEmpty(),
        "the change is committed but not yet applied on " + target);
    assertTrue(cluster.transferLeadership(target, TIMEOUT), "Ratis confirmed the transfer");

    String waitedFor = null;
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (cluster.timeline.running(ProgressService.NAME).isEmpty()
        && System.nanoTime() < deadline) {
      String waitingFor = target.manager().getStatus().service(ProgressService.NAME).waitingFor();
      if (waitingFor != null && waitingFor.contains("barrier")) {
        waitedFor = waitingFor;
      }
      Await.sleep(5);
    }
    cluster.awaitSingleRunner(oldEpoch, TIMEOUT);
    Timeline.Event start = cluster.timeline.lastStart(ProgressService.NAME).orElseThrow();
    assertEquals(target.id().toString(), start.peer());
    assertTrue(start.ratisLeaderReady());
    assertTrue(waitedFor != null, "the new leader was seen waiting for its barrier");
    System.out.println("the new leader's service waited: " + waitedFor);
    assertEquals(99, start.position(), "what the new leader's service read at start");
    submitted.get(20, TimeUnit.SECONDS);
  }

  /** docs/design.md B10: a user's stop is persisted, so no later leader restarts the service. */
  @Test
  void aUserStopSurvivesATransfer() throws Exception {
    RatisPeer leader = cluster.awaitReadyLeader(TIMEOUT);
    long epoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
    leader.progressService().requestStop().get(20, TimeUnit.SECONDS);
    Await.until(
        TIMEOUT,
        "the stop on " + leader,
        () -> cluster.timeline.running(ProgressService.NAME).isEmpty(),
        cluster::describe);

    RatisPeer target = cluster.anyFollowerOf(leader).orElseThrow();
    assertTrue(cluster.transferLeadership(target, TIMEOUT));
    Await.until(TIMEOUT, target + " leader-ready", target::isLeaderReady, cluster::describe);
    // The host reports its startup entry applied on its apply thread, just after leader-ready:
    // wait for that, then the user's stop is what keeps the service from starting.
    Await.until(
        TIMEOUT,
        target + " past its barrier",
        () -> {
          String why = target.manager().getStatus().service(ProgressService.NAME).waitingFor();
          return why == null || !why.startsWith("waiting for barrier");
        },
        cluster::describe);
    assertTrue(target.manager().waitSettled(Duration.ofSeconds(5)));
    ServiceStatusView view = target.manager().getStatus().service(ProgressService.NAME);
    assertEquals(ServiceStatus.PAUSING, view.status(), view.toString());
    assertEquals("should_run is false", view.waitingFor(), view.toString());
    assertEquals(1, cluster.timeline.starts(ProgressService.NAME).size(), cluster.describe());
    assertTrue(epoch > 0);
  }

  /**
   * docs/design.md B13 and F3: a save the old leader's service made in its epoch, delivered to
   * the log only after a transfer (as a client's retry reaches the new leader), is FENCED on every
   * peer: the configuration never goes backwards, and the old run's next save fails at once.
   */
  @Test
  void aSaveOfTheOldEpochDeliveredAfterATransferIsFencedOnEveryPeer() throws Exception {
    RatisPeer oldLeader = cluster.awaitReadyLeader(TIMEOUT);
    long oldEpoch = cluster.awaitSingleRunner(0, TIMEOUT).getValue();
    oldLeader.progressService().saveProgress(15).get(20, TimeUnit.SECONDS);
    byte[] late =
        OMSetServiceConfigurationRequest.of(
                ProgressService.NAME, ProgressConfiguration.newBuilder().setPosition(14).build())
            .stampedWith(oldEpoch)
            .toByteArray();

    RatisPeer target = cluster.anyFollowerOf(oldLeader).orElseThrow();
    assertTrue(cluster.transferLeadership(target, TIMEOUT), "Ratis confirmed the transfer");
    cluster.awaitSingleRunner(oldEpoch, TIMEOUT);
    OMServiceConfigurationResponse saved =
        target.progressService().saveProgress(16).get(20, TimeUnit.SECONDS);

    RaftClientReply reply = cluster.client().io().send(Message.valueOf(ByteString.copyFrom(late)));
    assertTrue(reply.isSuccess(), String.valueOf(reply.getException()));
    OMServiceConfigurationResponse fenced =
        OMServiceConfigurationResponse.parseFrom(reply.getMessage().getContent().toByteArray());
    assertEquals(Outcome.FENCED, fenced.getOutcome(), fenced.toString());
    assertTrue(fenced.getError().contains("epoch " + oldEpoch), fenced.getError());
    long fencedIndex = reply.getLogIndex();
    for (RatisPeer peer : cluster.peers()) {
      Await.until(
          TIMEOUT,
          "the fenced entry applied on " + peer,
          () -> peer.manager().getStatus().applied() >= fencedIndex,
          cluster::describe);
      assertEquals(
          16,
          peer.progressService().currentConfiguration().getPosition(),
          peer + " took the configuration backwards");
      assertTrue(
          peer.manager().getStateManager().lastApplied().index() >= saved.getLastApplied().index());
    }
    ExecutionException ended =
        assertThrows(
            ExecutionException.class,
            () -> oldLeader.progressService().saveProgress(17).get(20, TimeUnit.SECONDS));
    assertTrue(ended.getCause() instanceof StaleEpochException, ended.toString());
  }

  private OMServiceConfigurationResponse submit(byte[] request) throws Exception {
    RaftClientReply reply =
        cluster.client().io().send(Message.valueOf(ByteString.copyFrom(request)));
    assertTrue(reply.isSuccess(), String.valueOf(reply.getException()));
    return OMServiceConfigurationResponse.parseFrom(reply.getMessage().getContent().toByteArray());
  }
}
