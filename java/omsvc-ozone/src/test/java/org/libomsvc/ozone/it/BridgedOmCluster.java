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

package org.libomsvc.ozone.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.hadoop.hdds.conf.OzoneConfiguration;
import org.apache.hadoop.ozone.MiniOzoneHAClusterImpl;
import org.apache.hadoop.ozone.client.OzoneClient;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ozone.OzoneLeadershipBridge;
import org.libomsvc.testkit.Await;

/**
 * Ozone's own HA mini cluster (3 OMs, 1 SCM, no datanodes) with libomsvc installed in every OM
 * before it starts, as an OM would install it: the bridge, {@link EpochWriterService} and, through
 * the adapter, {@link OzoneStyleService}.
 */
final class BridgedOmCluster implements AutoCloseable {
  static final Duration LEADERSHIP_TIMEOUT = Duration.ofSeconds(60);

  private final Map<String, OmNode> nodes = new ConcurrentHashMap<>();
  private final MiniOzoneHAClusterImpl cluster;
  private final OzoneClient client;

  /** Registers the services under test in one OM, through its bridge or its own manager. */
  @FunctionalInterface
  interface ServiceInstaller {
    void install(OzoneManager om, OzoneLeadershipBridge bridge) throws IOException;
  }

  private final ServiceInstaller services;

  BridgedOmCluster(ServiceInstaller services) throws Exception {
    this.services = services;
    Path omsvcDbs = Paths.get("target", "omsvc-ozone-it", Long.toString(System.nanoTime()));
    OzoneConfiguration conf = new OzoneConfiguration();
    // Each OM would otherwise bind the S3 gRPC server on the same fixed port.
    conf.setBoolean("ozone.om.s3.grpc.server_enabled", false);
    conf.setInt("ozone.om.handler.count.key", 10);
    conf.setInt("ozone.scm.handler.count.key", 10);
    // transferLeadership's Ratis client: with the default retry policy each call takes 5-12 s.
    conf.set(
        "hdds.ratis.client.retry.policy",
        "org.apache.hadoop.hdds.ratis.retrypolicy.RetryLimitedPolicyCreator");
    conf.set("hdds.ratis.client.retrylimited.retry.interval", "100ms");
    InstallingBuilder builder = new InstallingBuilder(conf, om -> install(om, omsvcDbs));
    builder.setOMServiceId("omservice").setNumOfOzoneManagers(3);
    builder.setNumOfStorageContainerManagers(1);
    builder.withoutDatanodes();
    cluster = builder.build();
    cluster.waitForLeaderOM();
    client = cluster.newClient();
  }

  private void install(OzoneManager om, Path omsvcDbs) throws IOException {
    String id = om.getOMNodeId();
    Path dbDir = omsvcDbs.resolve(id);
    Files.createDirectories(dbDir);
    OzoneLeadershipBridge bridge =
        OzoneLeadershipBridge.install(om, OMServiceManager.open(id, dbDir));
    services.install(om, bridge);
    nodes.put(id, new OmNode(om, bridge));
  }

  List<OmNode> nodes() {
    return new ArrayList<>(nodes.values());
  }

  OmNode node(String id) {
    return nodes.get(id);
  }

  /** One of the two OMs other than {@code leader}, alternating with {@code round}. */
  OmNode otherThan(OmNode leader, int round) {
    List<OmNode> others =
        nodes().stream()
            .filter(node -> node != leader)
            .sorted((a, b) -> a.id().compareTo(b.id()))
            .collect(Collectors.toList());
    return others.get(round % others.size());
  }

  /** The OM whose Ratis server is the ready leader, or null while there is not exactly one. */
  OmNode readyLeader() {
    OzoneManager leader = cluster.getOMLeader();
    return leader == null ? null : nodes.get(leader.getOMNodeId());
  }

  /** The OM whose Ratis server is the ready leader, once there is exactly one. */
  OmNode waitForLeader() throws Exception {
    return nodes.get(cluster.waitForLeaderOM().getOMNodeId());
  }

  /** The OM running {@code service}, once exactly one does and it is the ready leader. */
  OmNode waitForServiceOnLeader(String service) {
    return waitForServiceOnLeader(service, 0);
  }

  /**
   * The OM running {@code service} in an epoch above {@code afterEpoch}, once exactly one OM runs
   * it and that OM is the ready leader.
   */
  OmNode waitForServiceOnLeader(String service, long afterEpoch) {
    AtomicReference<OmNode> found = new AtomicReference<>();
    Await.until(
        LEADERSHIP_TIMEOUT,
        service + " running on the ready leader only, in an epoch above " + afterEpoch,
        () -> {
          List<OmNode> running =
              nodes().stream().filter(node -> node.runs(service)).collect(Collectors.toList());
          OzoneManager leader = cluster.getOMLeader();
          if (running.size() == 1
              && leader != null
              && running.get(0).om == leader
              && running.get(0).epoch(service) > afterEpoch) {
            found.set(running.get(0));
            return true;
          }
          return false;
        },
        this::describe);
    return found.get();
  }

  /** Creates a volume through the OM client and returns once the leader committed it. */
  void createVolume(String name) throws IOException {
    client.getObjectStore().createVolume(name);
  }

  void transfer(OmNode from, OmNode to) throws IOException {
    from.om.transferLeadership(to.id());
  }

  void stop(OmNode node) {
    cluster.stopOzoneManager(node.id());
  }

  void restart(OmNode node) throws Exception {
    cluster.restartOzoneManager(node.om, true);
  }

  /** Waits until {@code node}'s Ratis server knows the leader and applied what the leader had. */
  void waitCaughtUp(OmNode node, long index) {
    Await.until(
        LEADERSHIP_TIMEOUT,
        node.id() + " following a leader with index " + index + " applied",
        () ->
            node.om.getOmRatisServer() != null
                && node.om.getOmRatisServer().getServerDivision().getInfo().getLeaderId() != null
                && node.om.getOmRatisServer().getLastAppliedTermIndex().getIndex() >= index,
        this::describe);
  }

  String describe() {
    StringBuilder text = new StringBuilder();
    for (OmNode node : nodes()) {
      text.append(node.id())
          .append(" leaderReady=")
          .append(node.om.isRunning() && node.om.isLeaderReady())
          .append(' ')
          .append(node.bridge.getServiceManager().getStatusJson())
          .append('\n');
    }
    return text.toString();
  }

  @Override
  public void close() throws IOException {
    try {
      client.close();
    } finally {
      cluster.shutdown();
      for (OmNode node : nodes.values()) {
        node.bridge.close();
      }
    }
  }

  /** Installs libomsvc in each OM after it is created and before it starts. */
  private static final class InstallingBuilder extends MiniOzoneHAClusterImpl.Builder {
    private final OmInstaller installer;

    InstallingBuilder(OzoneConfiguration conf, OmInstaller installer) {
      super(conf);
      this.installer = installer;
    }

    @Override
    protected void setClients(OzoneManager om) throws IOException {
      super.setClients(om);
      installer.install(om);
    }
  }

  @FunctionalInterface
  private interface OmInstaller {
    void install(OzoneManager om) throws IOException;
  }
}
