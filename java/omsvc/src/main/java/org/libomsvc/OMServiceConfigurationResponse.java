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
import org.libomsvc.proto.ServiceConfigurationResponse;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;
import org.libomsvc.proto.TransactionInfo;

/**
 * What applying a configuration entry did on one peer: the outcome, the table's last applied entry
 * after it, and why it was rejected if it was. Its encoding ({@link #toByteArray()}) is what a
 * StateMachine returns from {@code applyTransaction} to the submitter.
 */
public class OMServiceConfigurationResponse {
  private final Outcome outcome;
  private final TermIndex lastApplied;
  private final String error;

  OMServiceConfigurationResponse(Outcome outcome, TermIndex lastApplied, String error) {
    this.outcome = outcome;
    this.lastApplied = lastApplied;
    this.error = error == null ? "" : error;
  }

  /** Reads a response a peer encoded (e.g. from a Ratis reply's message content). */
  public static OMServiceConfigurationResponse parseFrom(byte[] bytes) {
    try {
      ServiceConfigurationResponse proto = ServiceConfigurationResponse.parseFrom(bytes);
      TransactionInfo info = proto.getTransactionInfo();
      return new OMServiceConfigurationResponse(
          proto.getOutcome(), new TermIndex(info.getTerm(), info.getIndex()), proto.getError());
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedCommandException(
          "the reply is not a ServiceConfigurationResponse: " + e.getMessage());
    }
  }

  /**
   * APPLIED, ALREADY_APPLIED (a replayed entry: nothing changed), REJECTED (an invalid command) or
   * FENCED (written in an epoch that had ended when its entry was appended: nothing changed).
   */
  public Outcome getOutcome() {
    return outcome;
  }

  /** Whether the command changed the table at its entry: the only outcome that means "saved". */
  public boolean isApplied() {
    return outcome == Outcome.APPLIED;
  }

  public boolean isRejected() {
    return outcome == Outcome.REJECTED;
  }

  public boolean isFenced() {
    return outcome == Outcome.FENCED;
  }

  /** The table's last applied entry after this command. */
  public TermIndex getLastApplied() {
    return lastApplied;
  }

  /** Why the command was rejected or fenced; empty otherwise. */
  public String getError() {
    return error;
  }

  public ServiceConfigurationResponse toProto() {
    return ServiceConfigurationResponse.newBuilder()
        .setOutcome(outcome)
        .setTransactionInfo(
            TransactionInfo.newBuilder().setTerm(lastApplied.term()).setIndex(lastApplied.index()))
        .setError(error)
        .build();
  }

  public byte[] toByteArray() {
    return toProto().toByteArray();
  }

  @Override
  public String toString() {
    return outcome + " " + lastApplied + (error.isEmpty() ? "" : ": " + error);
  }
}
