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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;
import org.libomsvc.testproto.ProgressConfiguration;

/** Typed configuration written through a submitter (docs/design.md B10, B11) on one node. */
class OMStatefulServiceTest {
  private OMServiceManager manager;
  private ProgressService service;
  private final List<String> log = RecordingService.newLog();

  /**
   * A single-peer group: each request is the next log entry, in the node's current term, applied
   * at once (one at a time, as a log orders them).
   */
  static ConfigurationSubmitter localSubmitter(OMServiceManager manager) {
    OMStatefulServiceStateManager table = manager.getStateManager();
    Object log = new Object();
    return request -> {
      synchronized (log) {
        TermIndex last = table.lastApplied();
        long term = Math.max(1, Math.max(last.term(), manager.getStatus().term()));
        return CompletableFuture.completedFuture(
            OMServiceConfigurationRequest.applyLogEntry(table, term, last.index() + 1, request)
                .toByteArray());
      }
    };
  }

  static final class ProgressService extends OMStatefulService<ProgressConfiguration> {
    private final List<String> log;
    private volatile ServiceEpoch epoch;

    ProgressService(OMServiceManager manager, List<String> log) {
      this(manager, log, localSubmitter(manager));
    }

    ProgressService(OMServiceManager manager, List<String> log, ConfigurationSubmitter submitter) {
      super(
          "ProgressService", ProgressConfiguration.parser(), manager.getStateManager(), submitter);
      this.log = log;
    }

    @Override
    public void start(ServiceEpoch epoch) {
      this.epoch = epoch;
      log.add("start at " + currentConfiguration().getPosition());
    }

    @Override
    public void stop() {
      log.add("stop");
    }

    @Override
    protected ProgressConfiguration defaultConfiguration() {
      return ProgressConfiguration.getDefaultInstance();
    }

    @Override
    protected boolean shouldRun(ProgressConfiguration configuration) {
      return !configuration.getStopped();
    }
  }

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", null, false);
    service = new ProgressService(manager, log);
    manager.register(service);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void savedConfigurationReadsBackAndDeleteRestoresTheDefault() {
    assertEquals(Optional.empty(), service.readConfiguration());
    assertTrue(service.shouldRun());
    ProgressConfiguration saved = ProgressConfiguration.newBuilder().setPosition(42).build();
    OMServiceConfigurationResponse response = service.saveConfigurationAsOperator(saved).join();
    assertEquals(new TermIndex(1, 1), response.getLastApplied());
    assertEquals(Optional.of(saved), service.readConfiguration());

    service.deleteConfigurationAsOperator().join();
    assertEquals(Optional.empty(), service.readConfiguration());
    assertEquals(ProgressConfiguration.getDefaultInstance(), service.currentConfiguration());
  }

  @Test
  void aUserStopPersistsShouldNotRunAndTheRunnerStopsTheService() {
    service
        .saveConfigurationAsOperator(ProgressConfiguration.newBuilder().setPosition(7).build())
        .join();
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    assertEquals(List.of("start at 7"), log);

    service.requestStop().join();
    NodeFixture.settle(manager);
    assertEquals(List.of("start at 7", "stop"), log);
    assertFalse(service.shouldRun());
    assertEquals(7, service.currentConfiguration().getPosition(), "the configuration is kept");
    assertFalse(service.currentConfiguration().getStopped(), "the stop has its own record");
    assertEquals(Optional.of(false), manager.getStateManager().readRunControl("ProgressService"));
    assertEquals(
        "should_run is false", manager.getStatus().service("ProgressService").waitingFor());

    service.requestStart().join();
    NodeFixture.settle(manager);
    assertEquals(List.of("start at 7", "stop", "start at 7"), log);
  }

  @Test
  void aRejectedSaveFailsTheFutureAndACorruptStoredValueIsReported() {
    CompletionException rejected =
        assertThrows(
            CompletionException.class,
            () ->
                service
                    .saveConfigurationAsOperator(
                        ProgressConfiguration.newBuilder()
                            .setPosition(1)
                            .setUnknownFields(
                                com.google.protobuf.UnknownFieldSet.newBuilder()
                                    .addField(
                                        99,
                                        com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                                            .addLengthDelimited(
                                                com.google.protobuf.ByteString.copyFrom(
                                                    new byte[4 * 1024 * 1024 + 1]))
                                            .build())
                                    .build())
                            .build())
                    .join());
    assertTrue(rejected.getCause() instanceof OmsvcException, rejected.toString());
    assertTrue(rejected.getCause().getMessage().contains("limit"), rejected.getMessage());

    manager
        .getStateManager()
        .apply(
            1,
            100,
            OMSetServiceConfigurationRequest.of("ProgressService", new byte[] {(byte) 0xff})
                .toByteArray());
    assertThrows(CorruptConfigurationException.class, service::readConfiguration);
  }

  /** A service that saves its progress in a tight loop while it runs. */
  static final class LoopingService extends OMStatefulService<ProgressConfiguration> {
    final AtomicLong saves = new AtomicLong();
    final AtomicLong starts = new AtomicLong();
    private volatile Thread worker;
    private final AtomicBoolean stopping = new AtomicBoolean();

    LoopingService(OMServiceManager manager) {
      super(
          "LoopingService",
          ProgressConfiguration.parser(),
          manager.getStateManager(),
          localSubmitter(manager));
    }

    @Override
    public void start(ServiceEpoch epoch) {
      starts.incrementAndGet();
      stopping.set(false);
      worker =
          new Thread(
              () -> {
                long position = 0;
                while (!stopping.get()) {
                  try {
                    saveConfiguration(
                            epoch,
                            ProgressConfiguration.newBuilder().setPosition(++position).build())
                        .join();
                    saves.incrementAndGet();
                  } catch (RuntimeException e) {
                    return;
                  }
                }
              },
              "looping-saver");
      worker.start();
    }

    @Override
    public void stop() throws InterruptedException {
      stopping.set(true);
      Thread running = worker;
      if (running != null) {
        running.join();
      }
    }

    @Override
    protected ProgressConfiguration defaultConfiguration() {
      return ProgressConfiguration.getDefaultInstance();
    }

    @Override
    protected boolean shouldRun(ProgressConfiguration configuration) {
      return !configuration.getStopped();
    }
  }

  /** docs/design.md B10 and T10: a progress save once undid a concurrent user stop. */
  @Test
  void aUserStopHoldsAgainstAServiceSavingProgressInATightLoop() throws Exception {
    LoopingService looping = new LoopingService(manager);
    manager.register(looping);
    long term = 1;
    NodeFixture.becomeReadyLeader(manager, term, 0);
    for (int round = 0; round < 200; round++) {
      long before = looping.saves.get();
      awaitTrue(() -> looping.saves.get() > before + 2, "round " + round + ": saving");

      looping.requestStop().join();
      NodeFixture.settle(manager);
      ServiceStatusView view = manager.getStatus().service("LoopingService");
      assertEquals(ServiceStatus.PAUSING, view.status(), "round " + round + ": " + view);
      assertFalse(looping.shouldRun(), "round " + round);

      long starts = looping.starts.get();
      term += 2; // stepped down in one term, elected again in the next
      manager.getEventForwarder().notifyNotLeader(term - 1);
      NodeFixture.becomeReadyLeader(manager, term, manager.getStateManager().lastApplied().index());
      assertEquals(starts, looping.starts.get(), "round " + round + ": a later leader started it");
      assertEquals(
          "should_run is false", manager.getStatus().service("LoopingService").waitingFor());

      looping.requestStart().join();
      NodeFixture.settle(manager);
      assertEquals(starts + 1, looping.starts.get(), "round " + round + ": restarted by the user");
    }
  }

  /** docs/design.md F3: a save is stamped with its run's epoch and fenced on every peer. */
  @Test
  void aSaveOfAnEndedEpochFailsAtOnceAndALateOneIsFencedWithNothingWritten() {
    AtomicReference<Long> appendTerm = new AtomicReference<>();
    OMStatefulServiceStateManager table = manager.getStateManager();
    ConfigurationSubmitter laggingLog =
        request -> {
          TermIndex last = table.lastApplied();
          return CompletableFuture.completedFuture(
              OMServiceConfigurationRequest.applyLogEntry(
                      table, appendTerm.get(), last.index() + 1, request)
                  .toByteArray());
        };
    ProgressService fenced = new ProgressService(manager, log, laggingLog);
    NodeFixture.becomeReadyLeader(manager, 3, 0);
    ServiceEpoch epoch3 = service.epoch;
    assertEquals(3, epoch3.getEpoch());

    appendTerm.set(3L);
    ProgressConfiguration fifteen = ProgressConfiguration.newBuilder().setPosition(15).build();
    OMServiceConfigurationResponse saved = fenced.saveConfiguration(epoch3, fifteen).join();
    assertEquals(Outcome.APPLIED, saved.getOutcome());

    // The entry of the epoch-3 save is appended only in term 4 (a Ratis retry reaching the next
    // leader): refused, with nothing written, and the future fails.
    appendTerm.set(4L);
    CompletionException late =
        assertThrows(
            CompletionException.class,
            () ->
                fenced
                    .saveConfiguration(
                        epoch3, ProgressConfiguration.newBuilder().setPosition(14).build())
                    .join());
    assertTrue(late.getCause() instanceof StaleEpochException, late.toString());
    assertEquals(Optional.of(fifteen), fenced.readConfiguration());
    assertEquals(new TermIndex(3, 1), table.lastApplied());

    // Once the epoch has ended, the save fails before anything is submitted.
    manager.getEventForwarder().notifyNotLeader(4);
    NodeFixture.settle(manager);
    assertFalse(epoch3.isCurrent());
    CompletionException ended =
        assertThrows(
            CompletionException.class, () -> fenced.saveConfiguration(epoch3, fifteen).join());
    assertTrue(ended.getCause() instanceof StaleEpochException, ended.toString());
    assertTrue(ended.getCause().getMessage().contains("epoch 3"), ended.getCause().getMessage());
  }

  /** docs/design.md F3: a save waiting for its commit fails as soon as its epoch ends. */
  @Test
  void aSaveWaitingForItsCommitFailsOnceItsEpochEnds() throws Exception {
    ProgressService hanging =
        new ProgressService(manager, log, request -> new CompletableFuture<>());
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    CompletableFuture<OMServiceConfigurationResponse> pending =
        hanging.saveConfiguration(
            service.epoch, ProgressConfiguration.newBuilder().setPosition(1).build());
    assertFalse(pending.isDone(), "the log has not committed it");

    manager.getEventForwarder().notifyNotLeader(2);
    ExecutionException ended =
        assertThrows(ExecutionException.class, () -> pending.get(10, TimeUnit.SECONDS));
    assertTrue(ended.getCause() instanceof StaleEpochException, ended.toString());
    assertTrue(ended.getCause().getMessage().contains("epoch 1"), ended.getCause().getMessage());
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + NodeFixture.SETTLE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(1);
    }
  }
}
