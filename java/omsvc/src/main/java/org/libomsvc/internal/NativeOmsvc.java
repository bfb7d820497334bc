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

package org.libomsvc.internal;

/**
 * The JNI boundary of libomsvc: every native method of the library, all static, over handles
 * held in a {@code long}. Application code uses the typed wrappers in {@code org.libomsvc}
 * ({@code OMServiceManager}, {@code RatisEventForwarder}, ...), which own the handles.
 *
 * <p>Errors are thrown as subclasses of {@code org.libomsvc.OmsvcException} (see each
 * method); a null argument where a value is required throws {@link NullPointerException}; a
 * freed or never-issued handle throws {@code org.libomsvc.InvalidHandleException}. No native
 * error or panic aborts the JVM. A negative term, index or epoch throws {@link
 * IllegalArgumentException}, and so does a leadership event ({@link #leaderChanged}, {@link
 * #notLeader}, {@link #leaderReady}) for term 0, which carries no leadership (Raft terms start at
 * 1).
 *
 * <p>Event methods return what the event did: {@link #EVENT_CHANGED}, {@link #EVENT_UNCHANGED},
 * {@link #EVENT_STALE} (term below the current one: ignored, but a stale "not leader" still
 * demotes) or {@link #EVENT_CONTRADICTED}; after {@link #shutdown} they throw
 * {@code org.libomsvc.NodeShutDownException}. They never block on a service.
 */
public final class NativeOmsvc {
  public static final int EVENT_CHANGED = 0;
  public static final int EVENT_UNCHANGED = 1;
  public static final int EVENT_STALE = 2;
  public static final int EVENT_CONTRADICTED = 3;

  public static final int APPLY_APPLIED = 0;
  public static final int APPLY_ALREADY_APPLIED = 1;

  private NativeOmsvc() {}

  /** The library version, e.g. "0.1.0". */
  public static native String version();

  /**
   * The error table: one {@code "code NAME class"} row per kind of error the library throws, the
   * class by its Java name, e.g. {@code "4 INVALID_NAME org.libomsvc.InvalidServiceNameException"}.
   */
  public static native String[] errorTable();

  /**
   * Every native method the library registered when it loaded, as {@code
   * "class.name(signature)"} with the class by its Java name and the JNI signature, e.g. {@code
   * "org.libomsvc.internal.NativeOmsvc.version()Ljava/lang/String;"}: for the test that every
   * {@code native} method declared in Java has a registration (one without fails only when
   * called).
   */
  public static native String[] registeredNatives();

  /** An empty native method: the baseline of the JNI benchmarks. */
  public static native void noop();

  /**
   * Opens a node (one Raft peer). {@code dbDir} null: a private temporary database removed at
   * {@link #nodeFree}. Throws {@code StorageException} subclasses for a locked, foreign or
   * too-new database.
   */
  public static native long nodeOpen(String selfId, String dbDir, boolean syncWrites);

  /**
   * Shuts the node down (stopping its services and waiting for them), then releases the handle.
   * Until the services have stopped the handle still resolves, so a service's stop can read the
   * node. Not for the node's own runner thread (a service's callback), where the shutdown cannot
   * wait: call {@link #requestShutdown} there and free the handle from another thread.
   */
  public static native void nodeFree(long node);

  /** Ratis notifyLeaderChanged: {@code leaderId} leads in {@code term} (null: none known). */
  public static native int leaderChanged(long node, long term, String leaderId);

  /** Ratis notifyNotLeader: demotes whatever the term. */
  public static native int notLeader(long node, long term);

  /** Ratis notifyLeaderReady: services may start once {@code barrierIndex} is applied. */
  public static native int leaderReady(long node, long term, long barrierIndex);

  /** Ratis notifyTermIndexUpdated: no lock and no allocation unless the term is new. */
  public static native int termIndexUpdated(long node, long term, long index);

  /** Ratis notifyConfigurationChanged with the new peer ids. */
  public static native int configurationChanged(long node, long term, long index, String[] peers);

  /** Every entry up to {@code index} is applied. */
  public static native int applied(long node, long term, long index);

  /** This node leads {@code term} and no other peer can be elected for {@code validForMillis}. */
  public static native int leaseRenewed(long node, long term, long validForMillis);

  /** Stops every running service (reverse registration order) and waits for them. */
  public static native void shutdown(long node);

  /** Like {@link #shutdown} without waiting: safe from a Ratis callback or a service. */
  public static native void requestShutdown(long node);

  /** Waits until the runner acted on every event so far; false on timeout. */
  public static native boolean waitSettled(long node, long timeoutMillis);

  /** Whether this node is still leader-ready in {@code epoch} (the fencing check). */
  public static native boolean isEpochCurrent(long node, long epoch);

  /**
   * Registers a service. The native runner calls {@link NativeService#start}, {@link
   * NativeService#stop} and {@link NativeService#shouldRun} on {@code service} from a thread it
   * attaches to the JVM for each call. A failed start is retried after {@code retryInitialMillis}
   * (at least 1), doubling up to {@code retryMaxMillis} (at least the initial wait; else {@link
   * IllegalArgumentException}). Throws {@code InvalidServiceNameException}, {@code
   * DuplicateServiceException}, {@code NodeShutDownException}.
   */
  public static native void registerService(
      long node,
      String name,
      NativeService service,
      long delayAfterReadyMillis,
      long retryInitialMillis,
      long retryMaxMillis);

  /** The node's status as JSON (term, leader, role, barrier, applied, services, ...). */
  public static native String statusJson(long node);

  /** The node's status as an encoded {@code omsvc.v1.NodeStatus} (proto/omsvc.proto). */
  public static native byte[] statusProto(long node);

  /**
   * Applies a committed configuration entry ({@code request}: an encoded
   * ServiceConfigurationCommand) at (term, index). Returns {@link #APPLY_APPLIED} or {@link
   * #APPLY_ALREADY_APPLIED}. Invalid requests throw {@code MalformedCommandException}, {@code
   * InvalidServiceNameException} or {@code ConfigurationTooLargeException}, and write nothing.
   */
  public static native int applyEntry(long node, long term, long index, byte[] request);

  /** The configuration of {@code name}, or null when it has none. */
  public static native byte[] readConfiguration(long node, String name);

  /** A user's start (1) or stop (0) of {@code name}, or -1 when none was recorded. */
  public static native int readRunControl(long node, String name);

  /** Service names with a configuration, in byte order. */
  public static native String[] listConfigurations(long node);

  /** The last applied entry as {term, index}. */
  public static native long[] lastAppliedEntry(long node);

  /** Writes a consistent copy of the table to {@code dir}, which must not exist. */
  public static native void checkpoint(long node, String dir);

  /** Replaces the table with a checkpoint's content (installing a snapshot). */
  public static native void reinitialize(long node, String dir);

  /**
   * Sends the library's logs (tracing events, with their fields) to {@code sink}, for levels
   * up to {@code maxLevel} (1 error, 2 warn, 3 info, 4 debug, 5 trace). Once per JVM; later
   * calls replace the sink.
   */
  public static native void installLogSink(NativeLogSink sink, int maxLevel);

  /**
   * Waits until every native log record queued so far reached the sink and the native log thread
   * is no longer attached to the JVM; false after {@code timeoutMillis}. The JVM shutdown hook
   * calls it after closing the open nodes.
   */
  public static native boolean awaitLogsDelivered(long timeoutMillis);
}
