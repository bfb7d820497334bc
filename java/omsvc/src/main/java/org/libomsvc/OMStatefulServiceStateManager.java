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

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.libomsvc.internal.NativeOmsvc;

/**
 * The node's configuration table ({@code statefulServiceConfigTable}), as SCM's {@code
 * StatefulServiceStateManager}: service name to opaque bytes, changed only by applied log entries
 * (idempotent by term and index), read locally. Obtained from {@link
 * OMServiceManager#getStateManager()}; it shares that manager's lifetime.
 */
public final class OMStatefulServiceStateManager {
  private final NodeHandle handle;

  OMStatefulServiceStateManager(NodeHandle handle) {
    this.handle = handle;
  }

  /**
   * Applies a committed entry at (term, index): {@code request} is an encoded {@code
   * ServiceConfigurationCommand} (see {@link OMSetServiceConfigurationRequest}). Reports the index
   * as applied to the leadership state too.
   *
   * @throws MalformedCommandException, InvalidServiceNameException, ConfigurationTooLargeException
   *     for an invalid command; nothing is written
   * @throws StaleEpochException when the command carries a writer epoch other than {@code term}
   *     (its writer no longer led when the entry was appended); nothing is written, and like an
   *     invalid command the index still counts as applied
   * @throws IllegalArgumentException when {@code term} is below the last applied entry's (terms in
   *     a Raft log never go down); nothing is written
   */
  public ApplyOutcome apply(long term, long index, byte[] request) {
    int outcome = handle.call(node -> NativeOmsvc.applyEntry(node, term, index, request));
    switch (outcome) {
      case NativeOmsvc.APPLY_APPLIED:
        return ApplyOutcome.APPLIED;
      case NativeOmsvc.APPLY_ALREADY_APPLIED:
        return ApplyOutcome.ALREADY_APPLIED;
      default:
        throw new OmsvcException("the native side returned unknown apply outcome " + outcome);
    }
  }

  /** The configuration stored for {@code serviceName}; empty when it has none. */
  public Optional<byte[]> read(String serviceName) {
    return Optional.ofNullable(
        handle.call(node -> NativeOmsvc.readConfiguration(node, serviceName)));
  }

  /**
   * A user's last start ({@code true}) or stop ({@code false}) of {@code serviceName}, as every
   * peer applied it; empty when none was recorded.
   */
  public Optional<Boolean> readRunControl(String serviceName) {
    int runControl = handle.call(node -> NativeOmsvc.readRunControl(node, serviceName));
    return runControl < 0 ? Optional.empty() : Optional.of(runControl == 1);
  }

  /** The names of services with a configuration, in byte order. */
  public List<String> list() {
    String[] names = handle.call(NativeOmsvc::listConfigurations);
    return Collections.unmodifiableList(Arrays.asList(names));
  }

  /** The last entry applied into the table; (0, 0) for a new table. */
  public TermIndex lastApplied() {
    long[] entry = handle.call(NativeOmsvc::lastAppliedEntry);
    return new TermIndex(entry[0], entry[1]);
  }

  /** Writes a consistent copy of the table to {@code dir}, which must not exist (a snapshot). */
  public void checkpoint(Path dir) {
    Objects.requireNonNull(dir, "checkpoint dir must not be null");
    NativeOmsvc.checkpoint(handle.get(), dir.toString());
  }

  /**
   * Replaces the table with a checkpoint's content (a follower installing a snapshot); its last
   * entry counts as applied.
   */
  public void reinitialize(Path checkpointDir) {
    Objects.requireNonNull(checkpointDir, "checkpoint dir must not be null");
    NativeOmsvc.reinitialize(handle.get(), checkpointDir.toString());
  }
}
