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
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.libomsvc.ConfigurationSubmitter;
import org.libomsvc.OMServiceManager;
import org.libomsvc.testkit.FencedRegister;

/**
 * One Ratis peer with its libomsvc node: an {@link OMServiceManager} over the peer's own directory,
 * the test services registered on it, and a RaftServer whose StateMachine forwards to it. It can be
 * closed and rebuilt (RECOVER) on the same directories.
 */
final class RatisPeer {
  static final TimeDuration ELECTION_TIMEOUT_MIN = TimeDuration.valueOf(300, TimeUnit.MILLISECONDS);
  static final TimeDuration ELECTION_TIMEOUT_MAX = TimeDuration.valueOf(600, TimeUnit.MILLISECONDS);

  private final RaftPeer peer;
  private final Path dir;
  private final RaftGroup group;
  private final ConfigurationSubmitter submitter;
  private final Timeline timeline;
  private final FencedRegister register;
  private final List<Throwable> forwardingErrors;

  // Read without a lock: services call isLeaderReady() from the runner thread while close()
  // waits for that runner, so nothing a service calls may wait on this peer's monitor.
  private volatile RaftServer server;
  private volatile OMServiceManager manager;
  private volatile OmsvcStateMachine stateMachine;
  private volatile ProgressService progressService;
  private volatile FailingService failingService;

  RatisPeer(
      RaftPeer peer,
      Path dir,
      RaftGroup group,
      ConfigurationSubmitter submitter,
      Timeline timeline,
      FencedRegister register,
      List<Throwable> forwardingErrors) {
    this.peer = peer;
    this.dir = dir;
    this.group = group;
    this.submitter = submitter;
    this.timeline = timeline;
    this.register = register;
    this.forwardingErrors = forwardingErrors;
  }

  /**
   * Opens the node, registers the services (and the failing one when asked), then starts the
   * RaftServer: FORMAT on first start, RECOVER on a restart.
   */
  synchronized void start(RaftStorage.StartupOption option, boolean withFailingService)
      throws IOException {
    String id = id().toString();
    manager = OMServiceManager.open(id, dir.resolve("omsvc"));
    progressService =
        new ProgressService(
            id, manager.getStateManager(), submitter, timeline, register, this::isLeaderReady);
    manager.register(progressService);
    failingService = null;
    if (withFailingService) {
      failingService = new FailingService();
      manager.register(failingService);
    }
    stateMachine = new OmsvcStateMachine(id, manager, forwardingErrors);
    server =
        RaftServer.newBuilder()
            .setServerId(id())
            .setGroup(group)
            .setProperties(properties())
            .setStateMachine(stateMachine)
            .setOption(option)
            .build();
    server.start();
  }

  /** Closes the RaftServer (which closes its StateMachine), then the node. */
  void close() throws IOException {
    RaftServer closingServer;
    synchronized (this) {
      closingServer = server;
      server = null;
    }
    if (closingServer == null) {
      return;
    }
    try {
      closingServer.close();
    } finally {
      manager.close();
    }
  }

  /**
   * Closes the node only, as a host tearing down in that order would: its RaftServer keeps running
   * and keeps calling the StateMachine, whose events then reach a closed node.
   */
  void closeNodeOnly() {
    manager.close();
  }

  boolean isUp() {
    return server != null;
  }

  RaftPeerId id() {
    return peer.getId();
  }

  RaftPeer raftPeer() {
    return peer;
  }

  OMServiceManager manager() {
    return manager;
  }

  OmsvcStateMachine stateMachine() {
    return stateMachine;
  }

  ProgressService progressService() {
    return progressService;
  }

  FailingService failingService() {
    return failingService;
  }

  /** Ratis's view of this peer, or null while it is down. */
  DivisionInfo info() {
    RaftServer current = server;
    if (current == null) {
      return null;
    }
    try {
      return current.getDivision(group.getGroupId()).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  boolean isLeader() {
    DivisionInfo info = info();
    return info != null && info.isLeader();
  }

  boolean isLeaderReady() {
    DivisionInfo info = info();
    return info != null && info.isLeader() && info.isLeaderReady();
  }

  long currentTerm() {
    DivisionInfo info = info();
    return info == null ? -1 : info.getCurrentTerm();
  }

  private RaftProperties properties() {
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.resolve("ratis").toFile()));
    GrpcConfigKeys.Server.setPort(properties, port());
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, ELECTION_TIMEOUT_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, ELECTION_TIMEOUT_MAX);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, false);
    return properties;
  }

  private int port() {
    String address = peer.getAddress();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  @Override
  public String toString() {
    return id().toString();
  }
}
