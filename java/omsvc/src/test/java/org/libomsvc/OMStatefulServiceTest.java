package org.libomsvc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libomsvc.testproto.ProgressConfiguration;

/** Typed configuration written through a submitter (DESIGN B10, B11) on one node. */
class OMStatefulServiceTest {
  private OMServiceManager manager;
  private ProgressService service;
  private final List<String> log = RecordingService.newLog();

  /** A single-peer group: each request is the next log entry, applied at once. */
  static ConfigurationSubmitter localSubmitter(OMStatefulServiceStateManager table) {
    AtomicLong index = new AtomicLong(table.lastApplied().index());
    return request ->
        CompletableFuture.completedFuture(
            OMServiceConfigurationRequest.applyLogEntry(table, 1, index.incrementAndGet(), request)
                .toByteArray());
  }

  static final class ProgressService extends OMStatefulService<ProgressConfiguration> {
    private final List<String> log;

    ProgressService(OMStatefulServiceStateManager table, List<String> log) {
      super("ProgressService", ProgressConfiguration.parser(), table, localSubmitter(table));
      this.log = log;
    }

    @Override
    public void start(ServiceEpoch epoch) {
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

    @Override
    protected ProgressConfiguration withShouldRun(
        ProgressConfiguration configuration, boolean shouldRun) {
      return configuration.toBuilder().setStopped(!shouldRun).build();
    }
  }

  @BeforeEach
  void open() {
    manager = OMServiceManager.open("om1", null, false);
    service = new ProgressService(manager.getStateManager(), log);
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
    OMServiceConfigurationResponse response = service.saveConfiguration(saved).join();
    assertEquals(new TermIndex(1, 1), response.getLastApplied());
    assertEquals(Optional.of(saved), service.readConfiguration());

    service.deleteConfiguration().join();
    assertEquals(Optional.empty(), service.readConfiguration());
    assertEquals(ProgressConfiguration.getDefaultInstance(), service.currentConfiguration());
  }

  @Test
  void aUserStopPersistsShouldNotRunAndTheRunnerStopsTheService() {
    service.saveConfiguration(ProgressConfiguration.newBuilder().setPosition(7).build()).join();
    NodeFixture.becomeReadyLeader(manager, 1, 0);
    assertEquals(List.of("start at 7"), log);

    service.requestStop().join();
    NodeFixture.settle(manager);
    assertEquals(List.of("start at 7", "stop"), log);
    assertFalse(service.shouldRun());
    assertEquals(7, service.currentConfiguration().getPosition(), "the rest is kept");
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
                    .saveConfiguration(
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
}
