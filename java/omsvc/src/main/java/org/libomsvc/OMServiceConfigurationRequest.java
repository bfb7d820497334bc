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
import java.util.OptionalLong;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;

/**
 * A configuration command as a service submits it through Ratis and as every peer applies it: the
 * log entry's data is {@link #toByteArray()}, an encoded {@code ServiceConfigurationCommand}.
 * Applying is idempotent by (term, index): a replayed entry changes nothing.
 *
 * <p>A service's write carries its writer's epoch ({@link #getWriterEpoch()}, see {@code
 * stampedWith}): every peer refuses it (FENCED, nothing written) unless its entry's term is that
 * epoch, so a leader that lost its leadership can never take the configuration backwards, even
 * when Ratis delivers its request to the next leader. An operator's write carries none and is
 * not fenced.
 */
public abstract class OMServiceConfigurationRequest {
  private final OptionalLong writerEpoch;

  OMServiceConfigurationRequest(OptionalLong writerEpoch) {
    this.writerEpoch = writerEpoch;
  }

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
    OptionalLong writerEpoch =
        command.hasWriterEpoch() ? OptionalLong.of(command.getWriterEpoch()) : OptionalLong.empty();
    switch (command.getCommandCase()) {
      case SET:
        return new OMSetServiceConfigurationRequest(command.getSet(), writerEpoch);
      case DELETE:
        return new OMDeleteServiceConfigurationRequest(command.getDelete(), writerEpoch);
      case SET_RUN_CONTROL:
        return new OMSetRunControlRequest(command.getSetRunControl(), writerEpoch);
      default:
        throw new MalformedCommandException(
            "malformed configuration command: it holds no set, delete or run-control request");
    }
  }

  /**
   * Applies a committed log entry whatever it holds: what a StateMachine's {@code applyTransaction}
   * calls. An invalid command (malformed, bad name, oversized value) is REJECTED, and a command
   * whose writer epoch is not the entry's term is FENCED, alike on every peer: either writes
   * nothing and still counts as applied.
   */
  public static OMServiceConfigurationResponse applyLogEntry(
      OMStatefulServiceStateManager stateManager, long term, long index, byte[] data) {
    return apply(stateManager, term, index, data, OMServiceConfigurationResponse::new);
  }

  public abstract String getServiceName();

  /** The epoch of the service run that wrote this request; empty for an operator's write. */
  public OptionalLong getWriterEpoch() {
    return writerEpoch;
  }

  /** The log entry's command, with the writer epoch when there is one. */
  public ServiceConfigurationCommand toCommand() {
    ServiceConfigurationCommand.Builder command = ServiceConfigurationCommand.newBuilder();
    setCommand(command);
    if (writerEpoch.isPresent()) {
      command.setWriterEpoch(writerEpoch.getAsLong());
    }
    return command.build();
  }

  abstract void setCommand(ServiceConfigurationCommand.Builder command);

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
    } catch (StaleEpochException e) {
      outcome = Outcome.FENCED;
      error = e.getMessage();
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
    return getClass().getSimpleName()
        + "["
        + getServiceName()
        + (writerEpoch.isPresent() ? ", epoch " + writerEpoch.getAsLong() : "")
        + "]";
  }
}
