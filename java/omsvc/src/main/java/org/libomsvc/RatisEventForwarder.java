package org.libomsvc;

import java.util.Collection;
import org.libomsvc.internal.NativeOmsvc;

/**
 * Passes a Ratis {@code StateMachine}'s events to the node, 1:1, each with the term the
 * StateMachine knows. The methods are named as the overrides that call them and never block on a
 * service, so they are safe under Ratis's server lock. An {@code OzoneManagerStateMachine} adds
 * (the term read from the division, as SCM does):
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
 *   forwarder.notifyLeaderChanged(currentTerm(), newLeaderId.toString());
 * }
 * public void notifyNotLeader(Collection<TransactionContext> pending) throws IOException {
 *   forwarder.notifyNotLeader(currentTerm());
 * }
 * public void notifyLeaderReady() {
 *   // a synchronous apply passes its last applied index; OM's double buffer passes the
 *   // index of the last entry it dispatched and reports applied(...) as its flushes complete
 *   forwarder.notifyLeaderReady(currentTerm(), getLastAppliedTermIndex().getIndex());
 * }
 * public void notifyTermIndexUpdated(long term, long index) {
 *   super.notifyTermIndexUpdated(term, index);
 *   forwarder.notifyTermIndexUpdated(term, index);
 *   forwarder.applied(term, index);
 * }
 * public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
 *   forwarder.notifyConfigurationChanged(term, index, conf.getPeersList().stream()
 *       .map(peer -> peer.getId().toStringUtf8()).collect(Collectors.toList()));
 * }
 * // and wherever an entry finished applying (OM: when the double buffer flushed it):
 *   forwarder.applied(term, index);
 * }</pre>
 *
 * <p>Each method returns what the event did; after {@link OMServiceManager#shutdown()} they throw
 * {@link NodeShutDownException}, after {@link OMServiceManager#close()} {@link
 * ClosedHandleException}.
 */
public final class RatisEventForwarder {
  private final NodeHandle handle;

  RatisEventForwarder(NodeHandle handle) {
    this.handle = handle;
  }

  /**
   * {@code notifyLeaderChanged(me, newLeaderId)}: {@code newLeaderId} leads in {@code term}; null
   * when no leader is known. Naming this peer means elected, not yet ready.
   */
  public EventOutcome notifyLeaderChanged(long term, String newLeaderId) {
    return EventOutcome.fromCode(NativeOmsvc.leaderChanged(handle.get(), term, newLeaderId));
  }

  /** {@code notifyNotLeader(pending)}: stops this peer's services, whatever the term. */
  public EventOutcome notifyNotLeader(long term) {
    return EventOutcome.fromCode(NativeOmsvc.notLeader(handle.get(), term));
  }

  /**
   * {@code notifyLeaderReady()}: this peer's startup entry of {@code term} is applied. Services
   * start once every entry up to {@code barrierIndex} is reported applied.
   */
  public EventOutcome notifyLeaderReady(long term, long barrierIndex) {
    return EventOutcome.fromCode(NativeOmsvc.leaderReady(handle.get(), term, barrierIndex));
  }

  /** {@code notifyTermIndexUpdated(term, index)}: cheap unless the term is new. */
  public EventOutcome notifyTermIndexUpdated(long term, long index) {
    return EventOutcome.fromCode(NativeOmsvc.termIndexUpdated(handle.get(), term, index));
  }

  /** {@code notifyConfigurationChanged(term, index, conf)} with the new peer ids. */
  public EventOutcome notifyConfigurationChanged(long term, long index, Collection<String> peers) {
    String[] ids = peers == null ? null : peers.toArray(new String[0]);
    return EventOutcome.fromCode(NativeOmsvc.configurationChanged(handle.get(), term, index, ids));
  }

  /** Every entry up to {@code index} is applied (any entry, not only configuration ones). */
  public EventOutcome applied(long term, long index) {
    return EventOutcome.fromCode(NativeOmsvc.applied(handle.get(), term, index));
  }
}
