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

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.libomsvc.testkit.Await;
import org.libomsvc.testkit.FencedRegister;

/**
 * A real Ratis group of three peers on 127.0.0.1 over gRPC (free ports, one temporary directory per
 * peer), each with its own libomsvc node, plus a client that submits to whichever is leader.
 */
final class RatisCluster implements AutoCloseable {
  static final int SIZE = 3;

  final Timeline timeline = new Timeline();
  final FencedRegister register = new FencedRegister();
  final List<Throwable> forwardingErrors = OmsvcStateMachine.newErrorList();

  private final RaftGroup group;
  private final RaftClient client;
  private final List<RatisPeer> peers = new ArrayList<>();

  private RatisCluster(Path dir, boolean withFailingService) throws IOException {
    List<RaftPeer> raftPeers = new ArrayList<>();
    for (int i = 1; i <= SIZE; i++) {
      raftPeers.add(
          RaftPeer.newBuilder().setId("om" + i).setAddress("127.0.0.1:" + freePort()).build());
    }
    group = RaftGroup.valueOf(RaftGroupId.randomId(), raftPeers);
    client = newClient();
    RaftSubmitter submitter = new RaftSubmitter(client);
    for (RaftPeer raftPeer : raftPeers) {
      peers.add(
          new RatisPeer(
              raftPeer,
              dir.resolve(raftPeer.getId().toString()),
              group,
              submitter,
              timeline,
              register,
              forwardingErrors));
    }
    for (RatisPeer peer : peers) {
      peer.start(RaftStorage.StartupOption.FORMAT, withFailingService);
    }
  }

  static RatisCluster start(Path dir) throws IOException {
    return new RatisCluster(dir, false);
  }

  static RatisCluster startWithFailingService(Path dir) throws IOException {
    return new RatisCluster(dir, true);
  }

  List<RatisPeer> peers() {
    return peers;
  }

  RatisPeer peer(String id) {
    return peers.stream().filter(p -> p.id().toString().equals(id)).findFirst().orElseThrow();
  }

  RaftClient client() {
    return client;
  }

  /** The peer Ratis calls leader-ready, once there is exactly one. */
  RatisPeer awaitReadyLeader(Duration timeout) {
    Await.until(
        timeout,
        "a leader-ready peer",
        () -> peers.stream().filter(RatisPeer::isLeaderReady).count() == 1,
        this::describe);
    return peers.stream().filter(RatisPeer::isLeaderReady).findFirst().orElseThrow();
  }

  /**
   * Waits until exactly one peer runs the ProgressService, in an epoch above {@code afterEpoch},
   * and returns that peer's id and epoch.
   */
  Map.Entry<String, Long> awaitSingleRunner(long afterEpoch, Duration timeout) {
    Await.until(
        timeout,
        "exactly one peer running " + ProgressService.NAME + " in an epoch above " + afterEpoch,
        () -> {
          Map<String, Long> running = timeline.running(ProgressService.NAME);
          return running.size() == 1 && running.values().iterator().next() > afterEpoch;
        },
        this::describe);
    return timeline.running(ProgressService.NAME).entrySet().iterator().next();
  }

  /**
   * Asks the leader to hand leadership to {@code target}; true when Ratis confirmed it, false when
   * Ratis refused or timed out (e.g. the target did not catch up in time).
   */
  boolean transferLeadership(RatisPeer target, Duration timeout) {
    try {
      RaftClientReply reply = client.admin().transferLeadership(target.id(), timeout.toMillis());
      return reply.isSuccess();
    } catch (IOException e) {
      System.out.println("transfer to " + target + " failed: " + e.getMessage());
      return false;
    }
  }

  /** Closes {@code peer}'s server and node, then rebuilds both on the same directories. */
  void restart(RatisPeer peer) throws IOException {
    peer.close();
    rejoin(peer);
  }

  /**
   * Starts a closed peer again with RECOVER and waits until it has replayed and caught up with
   * everything the leader had applied when it started.
   */
  void rejoin(RatisPeer peer) throws IOException {
    long leaderApplied =
        peers.stream()
            .filter(RatisPeer::isLeader)
            .findFirst()
            .map(leader -> leader.info().getLastAppliedIndex())
            .orElse(0L);
    peer.start(RaftStorage.StartupOption.RECOVER, peer.failingService() != null);
    Await.until(
        Duration.ofSeconds(20),
        peer + " catching up to index " + leaderApplied,
        () -> peer.info() != null && peer.info().getLastAppliedIndex() >= leaderApplied,
        this::describe);
  }

  Optional<RatisPeer> anyFollowerOf(RatisPeer leader) {
    return peers.stream().filter(p -> p != leader && p.isUp()).findFirst();
  }

  String describe() {
    StringBuilder out = new StringBuilder("cluster state:\n");
    for (RatisPeer peer : peers) {
      out.append("  ").append(peer).append(": ");
      if (!peer.isUp()) {
        out.append("down\n");
        continue;
      }
      out.append("ratis term ")
          .append(peer.currentTerm())
          .append(peer.isLeader() ? (peer.isLeaderReady() ? " leader-ready" : " leader") : "")
          .append("; omsvc ")
          .append(peer.manager().isClosed() ? "closed" : peer.manager().getStatusJson())
          .append('\n');
    }
    out.append("timeline:\n").append(timeline.describe(ProgressService.NAME));
    if (!forwardingErrors.isEmpty()) {
      out.append("forwarding errors: ")
          .append(
              forwardingErrors.stream().map(Throwable::toString).collect(Collectors.joining("; ")));
    }
    return out.toString();
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    try {
      client.close();
    } catch (IOException e) {
      failure = e;
    }
    for (RatisPeer peer : peers) {
      try {
        peer.close();
      } catch (IOException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** A new client of this group (the one {@link #client()} returns is built the same way). */
  RaftClient newClient() {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(group)
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
