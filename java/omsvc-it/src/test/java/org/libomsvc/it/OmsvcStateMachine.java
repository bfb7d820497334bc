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
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.libomsvc.EventOutcome;
import org.libomsvc.OMServiceConfigurationRequest;
import org.libomsvc.OMServiceConfigurationResponse;
import org.libomsvc.OMServiceManager;
import org.libomsvc.RatisEventForwarder;
import org.libomsvc.testkit.Await;

/**
 * The StateMachine an Ozone Manager would have, reduced to what libomsvc needs: every event is
 * forwarded through {@link RatisEventForwarder}, and every log entry (a configuration command) is
 * applied into the native table. Leader changes and step-downs carry the term read from the
 * division inside the callback (Ratis calls them under its server lock); leader-ready carries the
 * term this peer was elected in, that of its startup entry, which Ratis passed to {@link
 * #notifyConfigurationChanged} just before on the same thread ({@link
 * RatisEventForwarder#notifyLeaderReady(long)}), never a term read at leader-ready time.
 *
 * <p>Like OM's double buffer, entries are applied asynchronously, in order, on one "apply" thread
 * (configuration commands optionally after a delay): the leader-ready barrier is the index of the
 * last entry handed to that thread, and each entry reports itself applied when it is. With a delay
 * this reproduces the race of docs/design.md P2 (a service started at leader-ready reading
 * configuration that a committed entry is about to change).
 */
final class OmsvcStateMachine extends BaseStateMachine {
  private final OMServiceManager manager;
  private final RatisEventForwarder forwarder;
  private final ExecutorService applier;

  /** Failures of forwarded events: a test asserts there are none. */
  private final List<Throwable> forwardingErrors;

  private final List<EventOutcome> leaderReadyOutcomes = new CopyOnWriteArrayList<>();
  private final AtomicLong ignoredAfterShutdown = new AtomicLong();

  private volatile long applyDelayMillis;

  /** The last entry handed to the apply thread; only the Ratis updater thread writes it. */
  private volatile long lastDispatchedIndex;

  /** The last configuration command handed to the apply thread. */
  private volatile long lastDispatchedCommandIndex;

  OmsvcStateMachine(String peerId, OMServiceManager manager, List<Throwable> forwardingErrors) {
    this.manager = manager;
    this.forwarder = manager.getEventForwarder();
    this.forwardingErrors = forwardingErrors;
    this.applier =
        Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "apply-" + peerId));
  }

  /** Delays the apply of every later configuration command by {@code millis} (0: none). */
  void setApplyDelayMillis(long millis) {
    applyDelayMillis = millis;
  }

  /** The last configuration command committed and handed to the apply thread. */
  long lastDispatchedCommandIndex() {
    return lastDispatchedCommandIndex;
  }

  private long currentTerm() throws IOException {
    return getServer().join().getDivision(getGroupId()).getInfo().getCurrentTerm();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    forward(
        () ->
            forwarder.notifyLeaderChanged(
                currentTerm(), newLeaderId == null ? null : newLeaderId.toString()));
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    forward(() -> forwarder.notifyNotLeader(currentTerm()));
  }

  /** The barrier: the last entry Ratis dispatched to this StateMachine, applied or not. */
  @Override
  public void notifyLeaderReady() {
    long barrier = lastDispatchedIndex;
    EventOutcome outcome = forward(() -> forwarder.notifyLeaderReady(barrier));
    leaderReadyOutcomes.add(outcome);
  }

  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
    List<String> peers =
        conf.getPeersList().stream()
            .map(peer -> peer.getId().toStringUtf8())
            .collect(Collectors.toList());
    forward(() -> forwarder.notifyConfigurationChanged(term, index, peers));
  }

  /** Configuration and metadata entries: no state machine data, applied in order all the same. */
  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    forward(() -> forwarder.notifyTermIndexUpdated(term, index));
    lastDispatchedIndex = index;
    applier.execute(
        () -> {
          updateLastAppliedTermIndex(term, index);
          forward(() -> forwarder.applied(term, index));
        });
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    lastDispatchedIndex = index;
    lastDispatchedCommandIndex = index;
    return CompletableFuture.supplyAsync(
        () -> {
          delay();
          // Applies into the native table and reports (term, index) applied.
          OMServiceConfigurationResponse response =
              OMServiceConfigurationRequest.applyLogEntry(
                  manager.getStateManager(), term, index, data);
          updateLastAppliedTermIndex(term, index);
          return Message.valueOf(ByteString.copyFrom(response.toByteArray()));
        },
        applier);
  }

  @Override
  public void close() throws IOException {
    applier.shutdown();
    try {
      if (!applier.awaitTermination(10, TimeUnit.SECONDS)) {
        throw new IOException("the apply thread did not finish within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    super.close();
  }

  private void delay() {
    long millis = applyDelayMillis;
    if (millis > 0) {
      Await.sleep(millis);
    }
  }

  /** What each leader-ready this peer forwarded did (null: it threw), in order. */
  List<EventOutcome> leaderReadyOutcomes() {
    return leaderReadyOutcomes;
  }

  /** How many forwarded events the node ignored because it was shut down or closed. */
  long ignoredAfterShutdown() {
    return ignoredAfterShutdown.get();
  }

  interface Forwarding {
    EventOutcome run() throws IOException;
  }

  private EventOutcome forward(Forwarding forwarding) {
    try {
      EventOutcome outcome = forwarding.run();
      if (outcome == EventOutcome.SHUT_DOWN) {
        ignoredAfterShutdown.incrementAndGet();
      }
      return outcome;
    } catch (IOException | RuntimeException e) {
      forwardingErrors.add(e);
      return null;
    }
  }

  static List<Throwable> newErrorList() {
    return new CopyOnWriteArrayList<>();
  }
}
