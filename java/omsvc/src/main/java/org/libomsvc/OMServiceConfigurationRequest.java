package org.libomsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;

/**
 * A configuration command as a service submits it through Ratis and as every peer applies it: the
 * log entry's data is {@link #toByteArray()}, an encoded {@code ServiceConfigurationCommand}.
 * Applying is idempotent by (term, index): a replayed entry changes nothing.
 */
public abstract class OMServiceConfigurationRequest {
  OMServiceConfigurationRequest() {}

  /**
   * Reads a log entry's data back into its request.
   *
   * @throws MalformedCommandException when the bytes are not a ServiceConfigurationCommand with a
   *     command
   */
  public static OMServiceConfigurationRequest fromLogEntry(byte[] data) {
    ServiceConfigurationCommand command;
    try {
      command = ServiceConfigurationCommand.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedCommandException("malformed configuration command: " + e.getMessage());
    }
    switch (command.getCommandCase()) {
      case SET:
        return new OMSetServiceConfigurationRequest(command.getSet());
      case DELETE:
        return new OMDeleteServiceConfigurationRequest(command.getDelete());
      default:
        throw new MalformedCommandException(
            "malformed configuration command: it holds neither set nor delete");
    }
  }

  /**
   * Applies a committed log entry whatever it holds: what a StateMachine's {@code applyTransaction}
   * calls. An invalid command (malformed, bad name, oversized value) is REJECTED alike on every
   * peer, writes nothing, and still counts as applied.
   */
  public static OMServiceConfigurationResponse applyLogEntry(
      OMStatefulServiceStateManager stateManager, long term, long index, byte[] data) {
    return apply(stateManager, term, index, data, OMServiceConfigurationResponse::new);
  }

  public abstract String getServiceName();

  public abstract ServiceConfigurationCommand toCommand();

  /** The log entry's data: the encoded ServiceConfigurationCommand. */
  public byte[] toByteArray() {
    return toCommand().toByteArray();
  }

  /** Applies this request as the committed entry (term, index) on one peer. */
  public abstract OMServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index);

  interface ResponseFactory<R extends OMServiceConfigurationResponse> {
    R create(Outcome outcome, TermIndex lastApplied, String error);
  }

  static <R extends OMServiceConfigurationResponse> R apply(
      OMStatefulServiceStateManager stateManager,
      long term,
      long index,
      byte[] data,
      ResponseFactory<R> responses) {
    Outcome outcome;
    String error = "";
    try {
      outcome =
          stateManager.apply(term, index, data) == ApplyOutcome.APPLIED
              ? Outcome.APPLIED
              : Outcome.ALREADY_APPLIED;
    } catch (MalformedCommandException
        | InvalidServiceNameException
        | ConfigurationTooLargeException e) {
      outcome = Outcome.REJECTED;
      error = e.getMessage();
    }
    return responses.create(outcome, stateManager.lastApplied(), error);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + getServiceName() + "]";
  }
}
