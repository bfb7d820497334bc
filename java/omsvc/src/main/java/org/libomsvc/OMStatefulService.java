package org.libomsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A leader-only service with a typed configuration {@code CONF} that survives failover and restart,
 * as SCM's {@code StatefulService}. Reads are local; every write is a log entry submitted through
 * the host's {@link ConfigurationSubmitter} and applied on every peer, so the next leader resumes
 * from what this one saved.
 *
 * <p>{@link #shouldRun()} reads the persisted configuration (or {@link #defaultConfiguration()}
 * when none was saved): a user's {@link #requestStop()} persists "should not run" first, every peer
 * applies it, the leader's runner then stops the service, and no later leader starts it. Stepping
 * down never touches the configuration.
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

  /** Whether {@code configuration} says the service should run. */
  protected abstract boolean shouldRun(CONF configuration);

  /** {@code configuration} with its should-run flag set to {@code shouldRun}. */
  protected abstract CONF withShouldRun(CONF configuration, boolean shouldRun);

  /** What the persisted configuration says (the default when none was saved). */
  @Override
  public boolean shouldRun() {
    return shouldRun(currentConfiguration());
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
   * Replicates {@code configuration}. Completes once applied on this node, exceptionally with an
   * {@link OmsvcException} when every peer rejected it (e.g. over the 4 MiB limit).
   */
  public CompletableFuture<OMServiceConfigurationResponse> saveConfiguration(CONF configuration) {
    return submit(OMSetServiceConfigurationRequest.of(serviceName, configuration));
  }

  /** Replicates the removal of the configuration (the default applies again). */
  public CompletableFuture<OMServiceConfigurationResponse> deleteConfiguration() {
    return submit(OMDeleteServiceConfigurationRequest.of(serviceName));
  }

  /**
   * A user's stop: persists "should not run" (keeping the rest of the configuration). Once it is
   * applied, the leader's runner stops the service and no later leader starts it.
   */
  public CompletableFuture<OMServiceConfigurationResponse> requestStop() {
    return saveConfiguration(withShouldRun(currentConfiguration(), false));
  }

  /** A user's start: persists "should run"; the leader's runner then starts the service. */
  public CompletableFuture<OMServiceConfigurationResponse> requestStart() {
    return saveConfiguration(withShouldRun(currentConfiguration(), true));
  }

  private CompletableFuture<OMServiceConfigurationResponse> submit(
      OMServiceConfigurationRequest request) {
    return submitter
        .submit(request.toByteArray())
        .thenApply(
            reply -> {
              OMServiceConfigurationResponse response =
                  OMServiceConfigurationResponse.parseFrom(reply);
              if (response.isRejected()) {
                throw new OmsvcException(
                    "configuration of service \""
                        + serviceName
                        + "\" was rejected: "
                        + response.getError());
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
