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

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A leader-only service with a typed configuration {@code CONF} that survives failover and restart,
 * as SCM's {@code StatefulService}. Reads are local; every write is a log entry submitted through
 * the host's {@link ConfigurationSubmitter} and applied on every peer, so the next leader resumes
 * from what this one saved.
 *
 * <p>The service saves with the {@link ServiceEpoch} its {@code start} was handed ({@link
 * #saveConfiguration(ServiceEpoch, Message)}): the request carries the epoch, fails at once when
 * the epoch has ended, and every peer refuses it (FENCED, nothing written) when its entry was
 * appended in a later term, so a deposed leader never takes the configuration backwards.
 *
 * <p>{@link #shouldRun()} reads the service's run-control record: a user's {@link #requestStop()}
 * records "should not run" apart from the configuration, every peer applies it, the leader's
 * runner then stops the service, and no later leader starts it; no save of the configuration can
 * undo it. Stepping down never touches either.
 */
public abstract class OMStatefulService<CONF extends Message> implements OMService {
  private final String serviceName;
  private final Parser<CONF> parser;
  private final OMStatefulServiceStateManager stateManager;
  private final ConfigurationSubmitter submitter;

  protected OMStatefulService(
      String serviceName,
      Parser<CONF> parser,
      OMStatefulServiceStateManager stateManager,
      ConfigurationSubmitter submitter) {
    this.serviceName = serviceName;
    this.parser = Objects.requireNonNull(parser, "parser must not be null");
    this.stateManager = Objects.requireNonNull(stateManager, "stateManager must not be null");
    this.submitter = Objects.requireNonNull(submitter, "submitter must not be null");
  }

  @Override
  public final String getServiceName() {
    return serviceName;
  }

  /** The configuration in force when none was saved. */
  protected abstract CONF defaultConfiguration();

  /**
   * Whether {@code configuration} says the service should run. Asked only while no user start or
   * stop was ever recorded for the service: a database written before run-control records keeps
   * its meaning. Return {@code true} when the configuration has no such flag.
   */
  protected abstract boolean shouldRun(CONF configuration);

  /**
   * The user's last start or stop ({@link #requestStop()}, {@link #requestStart()}); with none
   * recorded, what the persisted (or default) configuration says.
   */
  @Override
  public boolean shouldRun() {
    return stateManager
        .readRunControl(serviceName)
        .orElseGet(() -> shouldRun(currentConfiguration()));
  }

  /**
   * The persisted configuration; empty when none was saved or it was deleted.
   *
   * @throws CorruptConfigurationException when the stored bytes do not parse as {@code CONF}
   */
  public Optional<CONF> readConfiguration() {
    return stateManager.read(serviceName).map(this::parse);
  }

  /** The persisted configuration, or the default one. */
  public CONF currentConfiguration() {
    return readConfiguration().orElseGet(this::defaultConfiguration);
  }

  /**
   * The service's save in the run {@code epoch} was handed at start. Completes once applied on
   * this node; exceptionally with {@link StaleEpochException} at once when {@code epoch} is no
   * longer current, as soon as it ends while the save waits for Ratis, or when every peer refused
   * the entry because it was appended in a later term (nothing was written), and with an {@link
   * OmsvcException} when every peer rejected it (e.g. over the 4 MiB limit).
   */
  public CompletableFuture<OMServiceConfigurationResponse> saveConfiguration(
      ServiceEpoch epoch, CONF configuration) {
    Objects.requireNonNull(epoch, "epoch must not be null");
    return submitIn(
        epoch,
        OMSetServiceConfigurationRequest.of(serviceName, configuration)
            .stampedWith(epoch.getEpoch()));
  }

  /** The service's removal of its configuration in {@code epoch}, fenced like a save. */
  public CompletableFuture<OMServiceConfigurationResponse> deleteConfiguration(ServiceEpoch epoch) {
    Objects.requireNonNull(epoch, "epoch must not be null");
    return submitIn(
        epoch, OMDeleteServiceConfigurationRequest.of(serviceName).stampedWith(epoch.getEpoch()));
  }

  /**
   * An operator's save (an admin command, a tool, an initial value): not stamped, so not fenced.
   * A running service saves with {@link #saveConfiguration(ServiceEpoch, Message)}.
   */
  public CompletableFuture<OMServiceConfigurationResponse> saveConfigurationAsOperator(
      CONF configuration) {
    return submit(OMSetServiceConfigurationRequest.of(serviceName, configuration));
  }

  /** An operator's removal of the configuration (the default applies again); not fenced. */
  public CompletableFuture<OMServiceConfigurationResponse> deleteConfigurationAsOperator() {
    return submit(OMDeleteServiceConfigurationRequest.of(serviceName));
  }

  /**
   * A user's stop: records "should not run" in the service's run-control record, leaving the
   * configuration as it is. Once applied, the leader's runner stops the service and no later
   * leader starts it.
   */
  public CompletableFuture<OMServiceConfigurationResponse> requestStop() {
    return submit(OMSetRunControlRequest.of(serviceName, false));
  }

  /** A user's start: records "should run"; the leader's runner then starts the service. */
  public CompletableFuture<OMServiceConfigurationResponse> requestStart() {
    return submit(OMSetRunControlRequest.of(serviceName, true));
  }

  /**
   * Submits a write of {@code epoch} only while it is current, and fails it as soon as the epoch
   * ends while it waits for Ratis, so a {@code stop()} that waits on a save does not wait for a
   * quorum this node no longer has.
   */
  private CompletableFuture<OMServiceConfigurationResponse> submitIn(
      ServiceEpoch epoch, OMServiceConfigurationRequest request) {
    if (!epoch.isCurrent()) {
      CompletableFuture<OMServiceConfigurationResponse> failed = new CompletableFuture<>();
      failed.completeExceptionally(
          new StaleEpochException(
              "this node no longer leads in epoch "
                  + epoch.getEpoch()
                  + ", so the save of service \""
                  + serviceName
                  + "\" was not made; stop the service, its next run gets a new epoch"));
      return failed;
    }
    CompletableFuture<OMServiceConfigurationResponse> submitted = submit(request);
    if (submitted.isDone()) {
      return submitted;
    }
    CompletableFuture<OMServiceConfigurationResponse> result = new CompletableFuture<>();
    ScheduledFuture<?> watch =
        EpochWatch.SCHEDULER.scheduleWithFixedDelay(
            () -> {
              if (!epoch.isCurrent()) {
                result.completeExceptionally(
                    new StaleEpochException(
                        "this node no longer leads in epoch "
                            + epoch.getEpoch()
                            + ", so the save of service \""
                            + serviceName
                            + "\" stopped waiting for Ratis (if it still commits, every peer"
                            + " applies it before anything a later leader writes, or refuses"
                            + " it as FENCED); stop the service"));
              }
            },
            EpochWatch.POLL_MILLIS,
            EpochWatch.POLL_MILLIS,
            TimeUnit.MILLISECONDS);
    result.whenComplete((response, error) -> watch.cancel(false));
    submitted.whenComplete(
        (response, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else {
            result.complete(response);
          }
        });
    return result;
  }

  /** One daemon thread that checks the epochs of saves waiting for Ratis. */
  private static final class EpochWatch {
    static final long POLL_MILLIS = 5;
    static final ScheduledThreadPoolExecutor SCHEDULER = newScheduler();

    private static ScheduledThreadPoolExecutor newScheduler() {
      ScheduledThreadPoolExecutor scheduler =
          new ScheduledThreadPoolExecutor(
              1,
              task -> {
                Thread thread = new Thread(task, "omsvc-epoch-watch");
                thread.setDaemon(true);
                return thread;
              });
      scheduler.setRemoveOnCancelPolicy(true);
      return scheduler;
    }
  }

  private CompletableFuture<OMServiceConfigurationResponse> submit(
      OMServiceConfigurationRequest request) {
    return submitter
        .submit(request.toByteArray())
        .thenApply(
            reply -> {
              OMServiceConfigurationResponse response =
                  OMServiceConfigurationResponse.parseFrom(reply);
              if (response.isFenced()) {
                throw new StaleEpochException(
                    "the save of service \""
                        + serviceName
                        + "\" was refused by every peer: "
                        + response.getError());
              }
              if (response.isRejected()) {
                throw new OmsvcException(
                    "configuration of service \""
                        + serviceName
                        + "\" was rejected: "
                        + response.getError());
              }
              if (!response.isApplied()) {
                throw new OmsvcException(
                    "the write of service \""
                        + serviceName
                        + "\" changed nothing ("
                        + response
                        + "): the table had already applied its entry, so the write is lost;"
                        + " submit it again");
              }
              return response;
            });
  }

  private CONF parse(byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptConfigurationException(
          "stored configuration of service \""
              + serviceName
              + "\" does not parse as the service's message type: "
              + e.getMessage(),
          e);
    }
  }
}
