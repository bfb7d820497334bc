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

package org.libomsvc.ozone;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.libomsvc.OMServiceManager;
import org.libomsvc.RatisEventForwarder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one Ozone Manager to libomsvc. It is itself an Ozone {@link
 * org.apache.hadoop.ozone.om.ha.OMService}, registered once with the OM's own {@code
 * OMServiceManager}: do not implement Ozone's interface to get a leader-only service; implement
 * libomsvc's {@link org.libomsvc.OMService} and register it with {@link #getServiceManager()}, or
 * wrap an existing Ozone service with {@link #register(org.apache.hadoop.ozone.om.ha.OMService)}.
 *
 * <p>In Ozone 2.2, {@code OzoneManagerStateMachine} calls {@code notifyStatusChanged()} from
 * {@code notifyLeaderChanged}, {@code notifyNotLeader} and {@code notifyLeaderReady}, with no
 * arguments. At each call the bridge reads the OM's Ratis division and forwards to libomsvc what
 * changed, in Ratis's order: the term and leader, a step-down, and leader-ready with the term this
 * OM was elected in (the term of its ready leader state, never the server's term read later) and
 * the barrier (the last entry Ratis handed to OM's state machine). Services then start once OM's
 * double buffer has flushed up to the barrier, which the bridge follows until it gets there.
 * While this OM leads, the bridge renews libomsvc's leader lease from Ratis's record of when a
 * majority last answered it ({@link QuorumContact}).
 *
 * <p>Where the OM is built (after its {@code OMServiceManager} exists, before {@code start()}):
 *
 * <pre>{@code
 * OzoneLeadershipBridge bridge = OzoneLeadershipBridge.install(
 *     this, org.libomsvc.OMServiceManager.open(getOMNodeId(), omsvcDbDir));
 * }</pre>
 */
public final class OzoneLeadershipBridge
    implements org.apache.hadoop.ozone.om.ha.OMService, AutoCloseable {
  /** The name this bridge has among the OM's own services. */
  public static final String SERVICE_NAME = "libomsvc-bridge";

  /** How often to look for a leader state when this OM has none. */
  static final long QUORUM_CONTACT_CHECK_MILLIS = 100;

  /** How long {@link #stop()} waits for libomsvc's services to stop when the OM stops. */
  static final Duration STOP_WAIT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(OzoneLeadershipBridge.class);

  private final RaftLeadershipView raft;
  private final OMServiceManager services;
  private final RatisEventForwarder forwarder;
  private final ScheduledExecutorService timer;
  private final AppliedPositionFollower appliedFollower;
  private final LeadershipTimeline timeline = new LeadershipTimeline();
  private final List<OzoneOMServiceAdapter> ozoneServices = new CopyOnWriteArrayList<>();
  private final String selfId;

  /** The (term, leader) pair last forwarded; term 0 before the first. */
  private long forwardedTerm;
  private String forwardedLeader;
  /** The term in which this OM was last seen leading; 0 when not leading. */
  private long leadingTerm;
  /** The last term whose leader-ready was forwarded. */
  private long readyTerm;
  private List<String> forwardedPeers;
  private volatile boolean metricsRegistered;

  OzoneLeadershipBridge(RaftLeadershipView raft, OMServiceManager services) {
    this.raft = Objects.requireNonNull(raft, "raft must not be null");
    this.services = Objects.requireNonNull(services, "services must not be null");
    this.selfId = raft.selfId();
    if (!selfId.equals(services.getSelfId())) {
      throw new IllegalArgumentException(
          "the libomsvc node is peer \""
              + services.getSelfId()
              + "\" but the OM is \""
              + selfId
              + "\": open it with OMServiceManager.open(om.getOMNodeId(), dbDir)");
    }
    this.forwarder = services.getEventForwarder();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "omsvc-ozone-bridge-" + selfId);
              thread.setDaemon(true);
              return thread;
            });
    this.appliedFollower = new AppliedPositionFollower(raft::flushed, forwarder, timer);
    timer.execute(this::renewLeaseAndReschedule);
  }

  /**
   * Creates the bridge of {@code om} and registers it with {@code om.getOMServiceManager()}; call
   * it before {@code om.start()} so that the first election is seen. The bridge owns {@code
   * services} ({@link #close()} closes it), whose self id must be the OM's node id.
   */
  public static OzoneLeadershipBridge install(OzoneManager om, OMServiceManager services) {
    OzoneLeadershipBridge bridge =
        new OzoneLeadershipBridge(new OzoneManagerRaftView(om), services);
    om.getOMServiceManager().register(bridge);
    OmsvcMetricsSource.register(bridge.selfId, bridge);
    bridge.metricsRegistered = true;
    return bridge;
  }

  /** The libomsvc manager: register libomsvc services here, read status and configuration. */
  public OMServiceManager getServiceManager() {
    return services;
  }

  /**
   * Runs a service written to Ozone's {@code OMService} contract under libomsvc's runner (see
   * {@link OzoneOMServiceAdapter}); register it here instead of with the OM's own manager.
   */
  public OzoneOMServiceAdapter register(org.apache.hadoop.ozone.om.ha.OMService ozoneService) {
    OzoneOMServiceAdapter adapter = new OzoneOMServiceAdapter(ozoneService);
    services.register(adapter);
    ozoneServices.add(adapter);
    return adapter;
  }

  /** When this OM last became the ready leader, for the metrics source. */
  LeadershipTimeline timeline() {
    return timeline;
  }

  @Override
  public String getServiceName() {
    return SERVICE_NAME;
  }

  /**
   * Reads the OM's Ratis division and forwards what changed since the last call. Never throws:
   * Ratis calls it on its own threads (the state machine updater among them), where an exception
   * shuts the OM down. A failure is logged, and what it did not forward is forwarded at the next
   * notification.
   */
  @Override
  public void notifyStatusChanged() {
    synchronized (this) {
      LeadershipSnapshot now = null;
      try {
        now = raft.read();
        if (now != null) {
          forward(now);
        }
      } catch (RuntimeException e) {
        LOG.error("OM {}: could not forward the Ratis state ({}) to libomsvc", selfId, now, e);
      }
    }
    for (OzoneOMServiceAdapter adapter : ozoneServices) {
      try {
        adapter.notifyStatusChanged();
      } catch (RuntimeException e) {
        LOG.error("OM {}: {}.notifyStatusChanged() threw", selfId, adapter.getServiceName(), e);
      }
    }
  }

  private void forward(LeadershipSnapshot now) {
    if (now.term() == 0) {
      return;
    }
    if (now.term() != forwardedTerm || !Objects.equals(now.leaderId(), forwardedLeader)) {
      forwardLeaderChanged(now.term(), now.leaderId());
    }
    if (leadingTerm != 0 && !(now.selfLeads() && now.term() == leadingTerm)) {
      stepDown(leadingTerm);
    }
    if (now.selfLeads()) {
      leadingTerm = now.term();
    }
    forwardPeersIfChanged(now.term());
    if (now.readyTerm() > readyTerm) {
      // On a new log the startup entry is index 0 and nothing came before it (-1).
      forwardLeaderReady(now.readyTerm(), Math.max(0, now.lastHandedIndex()));
    }
  }

  private void forwardLeaderChanged(long term, String leader) {
    forwarder.notifyLeaderChanged(term, leader);
    forwardedTerm = term;
    forwardedLeader = leader;
  }

  /** Ends this OM's leadership of {@code term} in libomsvc: its services stop. */
  private void stepDown(long term) {
    appliedFollower.cancel();
    forwarder.notifyNotLeader(term);
    leadingTerm = 0;
  }

  private void forwardLeaderReady(long term, long barrier) {
    if (term != forwardedTerm || !selfId.equals(forwardedLeader)) {
      forwardLeaderChanged(term, selfId);
    }
    forwarder.notifyLeaderReady(term, barrier);
    readyTerm = term;
    timeline.leaderReady(term, System.currentTimeMillis());
    LOG.info("OM {} is the ready leader of term {}; services start once OM flushed index {}",
        selfId, term, barrier);
    appliedFollower.follow(barrier);
  }

  private void forwardPeersIfChanged(long term) {
    List<String> peers = raft.peers();
    if (!peers.isEmpty() && !peers.equals(forwardedPeers)) {
      forwarder.notifyConfigurationChanged(term, 0, peers);
      forwardedPeers = peers;
    }
  }

  /**
   * While this OM leads, renews libomsvc's lease from Ratis's record of when a majority last
   * answered (see {@link QuorumContact}), so services stop when that record grows old (a leader
   * paused or cut off from the others) even if Ratis has not yet stepped the OM down.
   */
  private void renewLeaseAndReschedule() {
    long next = QUORUM_CONTACT_CHECK_MILLIS;
    try {
      QuorumContact contact = raft.quorumContact();
      if (contact != null) {
        next = contact.renewEveryMillis();
        renewLease(contact);
      }
    } catch (RuntimeException e) {
      LOG.warn("OM {}: could not renew libomsvc's lease; it runs out unless renewed", selfId, e);
    }
    if (!timer.isShutdown()) {
      timer.schedule(this::renewLeaseAndReschedule, next, TimeUnit.MILLISECONDS);
    }
  }

  private synchronized void renewLease(QuorumContact contact) {
    long lease = contact.leaseMillis();
    if (leadingTerm == contact.term() && lease > 0) {
      forwarder.leaseRenewed(contact.term(), lease);
    }
  }

  /** Ozone never calls it (services start with leadership); it does nothing. */
  @Override
  public void start() {}

  /**
   * Called when the OM stops: libomsvc's services stop (this OM no longer leads) and the call
   * returns once they have, or after {@link #STOP_WAIT}. The libomsvc node stays open, so an OM
   * restarted in the same process runs its services again once elected.
   */
  @Override
  public void stop() {
    synchronized (this) {
      if (leadingTerm != 0) {
        stepDown(leadingTerm);
      } else if (forwardedTerm != 0 && selfId.equals(forwardedLeader)) {
        stepDown(forwardedTerm);
      }
    }
    if (!services.isClosed() && !services.waitSettled(STOP_WAIT)) {
      LOG.warn("OM {} stopped while libomsvc's services were still stopping after {}",
          selfId, STOP_WAIT);
    }
  }

  /** True: the bridge itself always runs; the services it forwards to decide for themselves. */
  @Override
  public boolean shouldRun() {
    return true;
  }

  /**
   * Stops following OM's position, removes the metrics source and closes the libomsvc manager (its
   * services stop).
   */
  @Override
  public void close() {
    timer.shutdownNow();
    if (metricsRegistered) {
      OmsvcMetricsSource.unregister(selfId);
      metricsRegistered = false;
    }
    services.close();
  }

  @Override
  public String toString() {
    return "OzoneLeadershipBridge[" + selfId + "]";
  }
}
