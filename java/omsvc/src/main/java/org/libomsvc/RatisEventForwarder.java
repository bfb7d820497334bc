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

import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.libomsvc.internal.NativeOmsvc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a Ratis {@code StateMachine}'s events to the node, 1:1. The methods are named as the
 * overrides that call them and never block on a service, so they are safe under Ratis's server
 * lock. An {@code OzoneManagerStateMachine} adds:
 *
 * <pre>{@code
 * private long currentTerm() {
 *   try {
 *     return getServer().get().getDivision(getGroupId()).getInfo().getCurrentTerm();
 *   } catch (IOException | InterruptedException | ExecutionException e) {
 *     throw new IllegalStateException("no Raft division for " + getGroupId(), e);
 *   }
 * }
 *
 * public void notifyLeaderChanged(RaftGroupMemberId me, RaftPeerId newLeaderId) {
 *   // Ratis calls this under its server lock: the term read here is the term of the change
 *   forwarder.notifyLeaderChanged(currentTerm(), newLeaderId.toString());
 * }
 * public void notifyNotLeader(Collection<TransactionContext> pending) throws IOException {
 *   forwarder.notifyNotLeader(currentTerm());   // demotes whatever the term
 * }
 * public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
 *   forwarder.notifyConfigurationChanged(term, index, conf.getPeersList().stream()
 *       .map(peer -> peer.getId().toStringUtf8()).collect(Collectors.toList()));
 * }
 * public void notifyLeaderReady() {
 *   // The term: the one this peer was elected in, i.e. the term of the startup entry, which
 *   // Ratis passed to notifyConfigurationChanged just before, on this thread; the one-argument
 *   // notifyLeaderReady uses it. Never a term read now: a newer election may have begun.
 *   // The barrier: the index of the last entry Ratis handed to this StateMachine (OM: to the
 *   // double buffer), not the last one flushed, which may still be behind it.
 *   forwarder.notifyLeaderReady(lastDispatchedIndex);
 * }
 * public void notifyTermIndexUpdated(long term, long index) {   // entries with no transaction
 *   super.notifyTermIndexUpdated(term, index);
 *   lastDispatchedIndex = index;
 *   forwarder.notifyTermIndexUpdated(term, index);
 * }
 * // in applyTransaction, as each entry is handed on (OM: to the double buffer):
 *   lastDispatchedIndex = trx.getLogEntry().getIndex();
 * // and wherever entries finished applying (OM: when the double buffer flushed them):
 *   forwarder.applied(term, index);
 * }</pre>
 *
 * <p>Each method returns what the event did. Events that reach a node that is shut down or closed
 * ({@link OMServiceManager#shutdown()}, {@link OMServiceManager#close()}) are harmless: they change
 * nothing and return {@link EventOutcome#SHUT_DOWN} instead of throwing into Ratis's callback
 * thread; the first one is logged at info. Ratis keeps calling a StateMachine until its server is
 * closed, so such events are routine during a teardown. Wrong arguments still throw: a negative
 * term or index, null peers, or a leadership event for term 0 ({@link IllegalArgumentException},
 * {@link NullPointerException}); the other parts of {@link OMServiceManager} still throw {@link
 * NodeShutDownException} and {@link ClosedHandleException}.
 */
public final class RatisEventForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(RatisEventForwarder.class);

  /** {@link #membershipTerm} before the first membership entry is forwarded. */
  private static final long NO_MEMBERSHIP = -1;

  private final NodeHandle handle;
  private final AtomicBoolean loggedShutDown = new AtomicBoolean();

  /**
   * The term of the last membership entry (Ratis's configuration entry) forwarded, or {@link
   * #NO_MEMBERSHIP}.
   */
  private volatile long membershipTerm = NO_MEMBERSHIP;

  RatisEventForwarder(NodeHandle handle) {
    this.handle = handle;
  }

  /**
   * {@code notifyLeaderChanged(me, newLeaderId)}: {@code newLeaderId} leads in {@code term}; null
   * when no leader is known. Naming this peer means elected in {@code term}, not yet ready.
   */
  public EventOutcome notifyLeaderChanged(long term, String newLeaderId) {
    if (handle.isReleased()) {
      return ignored("notifyLeaderChanged", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.leaderChanged(handle.get(), term, newLeaderId));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "notifyLeaderChanged", term);
    }
  }

  /** {@code notifyNotLeader(pending)}: stops this peer's services, whatever the term. */
  public EventOutcome notifyNotLeader(long term) {
    if (handle.isReleased()) {
      return ignored("notifyNotLeader", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.notLeader(handle.get(), term));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "notifyNotLeader", term);
    }
  }

  /**
   * {@code notifyLeaderReady()}: this peer, elected in {@code term}, applied its startup entry.
   * Services start once every entry up to {@code barrierIndex} is reported {@link #applied}.
   *
   * @param term the term this peer was elected in: the term of its startup entry (the one Ratis
   *     passed to {@code notifyConfigurationChanged} just before), never a term read later from the
   *     server, which may already belong to a newer election. Leader-ready counts only for a term
   *     in which this peer was told it was elected ({@link #notifyLeaderChanged} naming itself);
   *     otherwise it returns {@link EventOutcome#CONTRADICTED} and starts nothing
   * @param barrierIndex the index of the last entry Ratis handed to the StateMachine: one that
   *     applies synchronously has applied it already; one that applies asynchronously (OM's double
   *     buffer) reports it applied later. Not the last entry flushed, which may be behind it
   */
  public EventOutcome notifyLeaderReady(long term, long barrierIndex) {
    if (handle.isReleased()) {
      return ignored("notifyLeaderReady", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.leaderReady(handle.get(), term, barrierIndex));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "notifyLeaderReady", term);
    }
  }

  /**
   * {@code notifyLeaderReady()} with the term of the last membership entry forwarded through
   * {@link #notifyConfigurationChanged}: Ratis calls {@code notifyLeaderReady} right after it
   * applied this peer's startup entry, a membership entry of the term the peer was elected in,
   * and calls {@code notifyConfigurationChanged} for that entry just before, on the same thread.
   *
   * @param barrierIndex as in {@link #notifyLeaderReady(long, long)}
   * @throws IllegalStateException when no membership entry was forwarded (the StateMachine does not
   *     forward {@code notifyConfigurationChanged})
   */
  public EventOutcome notifyLeaderReady(long barrierIndex) {
    long term = membershipTerm;
    if (term == NO_MEMBERSHIP) {
      if (handle.isClosed()) {
        return ignored("notifyLeaderReady", term);
      }
      throw new IllegalStateException(
          "notifyLeaderReady(barrierIndex) passes the term of the last membership entry forwarded,"
              + " and node \""
              + handle.selfId()
              + "\" was sent none: forward the StateMachine's notifyConfigurationChanged, or pass"
              + " the term this peer was elected in to notifyLeaderReady(term, barrierIndex)");
    }
    return notifyLeaderReady(term, barrierIndex);
  }

  /** {@code notifyTermIndexUpdated(term, index)}: cheap unless the term is new. */
  public EventOutcome notifyTermIndexUpdated(long term, long index) {
    if (handle.isReleased()) {
      return ignored("notifyTermIndexUpdated", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.termIndexUpdated(handle.get(), term, index));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "notifyTermIndexUpdated", term);
    }
  }

  /**
   * {@code notifyConfigurationChanged(term, index, conf)} with the new peer ids. Its term is what
   * {@link #notifyLeaderReady(long)} passes on.
   */
  public EventOutcome notifyConfigurationChanged(long term, long index, Collection<String> peers) {
    if (handle.isReleased()) {
      return ignored("notifyConfigurationChanged", term);
    }
    String[] ids = peers == null ? null : peers.toArray(new String[0]);
    EventOutcome outcome;
    try {
      outcome =
          EventOutcome.fromCode(NativeOmsvc.configurationChanged(handle.get(), term, index, ids));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "notifyConfigurationChanged", term);
    }
    membershipTerm = term;
    return outcome;
  }

  /** Every entry up to {@code index} is applied (any entry, not only membership ones). */
  public EventOutcome applied(long term, long index) {
    if (handle.isReleased()) {
      return ignored("applied", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.applied(handle.get(), term, index));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "applied", term);
    }
  }

  /**
   * A leader lease: this peer confirmed with a majority that it leads {@code term}, and no other
   * peer can be elected within {@code validForMillis} from now. From the first renewal in a term,
   * services run, and {@link ServiceEpoch#isCurrent()} answers true, only while a lease holds: a
   * leader paused past its lease (a long GC, SIGSTOP) learns at its first check that its epoch
   * ended, and its services stop. Without renewals nothing is bounded by time.
   *
   * <p>For Ratis, from a timer thread on the leader: note the time, confirm leadership with a
   * linearizable read (ReadIndex sends a heartbeat round to a majority), then pass {@code
   * raft.server.rpc.timeout.min} minus the time since the noted time minus the time services'
   * {@code stop()} may take. A Ratis follower refuses to vote for another candidate while it heard
   * from its leader within {@code rpc.timeout.min}.
   *
   * @throws IllegalArgumentException for term 0, a negative value, or more than one hour
   */
  public EventOutcome leaseRenewed(long term, long validForMillis) {
    if (handle.isReleased()) {
      return ignored("leaseRenewed", term);
    }
    try {
      return EventOutcome.fromCode(NativeOmsvc.leaseRenewed(handle.get(), term, validForMillis));
    } catch (NodeShutDownException | InvalidHandleException | ClosedHandleException e) {
      return afterShutdown(e, "leaseRenewed", term);
    }
  }

  /**
   * An event the node refused: harmless when the node is shut down or being closed; a handle that
   * went invalid while this manager is open is a defect, and is thrown.
   */
  private EventOutcome afterShutdown(RuntimeException refusal, String event, long term) {
    if (refusal instanceof InvalidHandleException && !handle.isClosed()) {
      throw refusal;
    }
    return ignored(event, term);
  }

  private EventOutcome ignored(String event, long term) {
    if (loggedShutDown.compareAndSet(false, true)) {
      LOG.info(
          "node {} is shut down: ignoring {} (term {}) and every later Ratis event",
          handle.selfId(),
          event,
          term);
    }
    return EventOutcome.SHUT_DOWN;
  }
}
