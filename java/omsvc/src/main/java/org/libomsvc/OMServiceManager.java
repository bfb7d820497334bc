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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.libomsvc.internal.NativeOmsvc;

/**
 * One Raft peer's libomsvc node, as Ozone's {@code OMServiceManager}: registered services run on
 * this peer only while it is the ready leader, decided by the native manager from the events a
 * {@link RatisEventForwarder} passes on; the configuration table is reached through {@link
 * #getStateManager()}.
 *
 * <p>Each manager owns its own native node (leadership state, runner thread, RocksDB): several
 * managers in one JVM share nothing. {@link #close()} stops the services and releases the node
 * once; any later call throws {@link ClosedHandleException}.
 *
 * <p>A manager still open when the JVM shuts down (System.exit, a signal, or the end of the last
 * non-daemon thread) is closed by a shutdown hook, so its services are stopped and no native
 * thread is inside Java when the JVM goes. The hook interrupts a service call still under way
 * after {@code omsvc.shutdown.interrupt.ms} (system property, default 5000) and gives up waiting
 * after {@code omsvc.shutdown.timeout.ms} (default 20000). A service whose {@code start} never
 * returns keeps the JVM alive after the last non-daemon thread ends, as a non-daemon thread would:
 * the JVM runs its shutdown hooks only after that.
 */
public final class OMServiceManager implements AutoCloseable {
  private final NodeHandle handle;
  private final List<RegisteredService> services = new CopyOnWriteArrayList<>();
  private final RatisEventForwarder forwarder;
  private final OMStatefulServiceStateManager stateManager;

  private OMServiceManager(NodeHandle handle) {
    this.handle = handle;
    this.forwarder = new RatisEventForwarder(handle);
    this.stateManager = new OMStatefulServiceStateManager(handle);
  }

  /**
   * Opens the node of peer {@code selfId} (its Raft peer id) over the database in {@code dbDir},
   * created if absent, with every write fsynced.
   */
  public static OMServiceManager open(String selfId, Path dbDir) {
    return open(selfId, dbDir, true);
  }

  /**
   * Opens the node of peer {@code selfId}. {@code dbDir} null: a private temporary database,
   * removed at close. {@code syncWrites}: fsync every applied entry.
   *
   * @throws StorageException (a subclass) when the database is locked, foreign or too new
   * @throws IllegalArgumentException when {@code selfId} is empty, over 255 bytes or has control
   *     characters
   */
  public static OMServiceManager open(String selfId, Path dbDir, boolean syncWrites) {
    Objects.requireNonNull(selfId, "selfId must not be null");
    NativeLibrary.ensureLoaded();
    long node = NativeOmsvc.nodeOpen(selfId, dbDir == null ? null : dbDir.toString(), syncWrites);
    NodeHandle handle = new NodeHandle(node, selfId);
    OpenNodes.add(handle);
    return new OMServiceManager(handle);
  }

  public String getSelfId() {
    return handle.selfId();
  }

  /**
   * Registers {@code service}; it starts as soon as this peer may run it, and a failed start is
   * retried as {@link StartRetryPolicy#DEFAULT} says.
   */
  public void register(OMService service) {
    register(service, Duration.ZERO);
  }

  /**
   * Registers {@code service}, which starts no earlier than {@code delayAfterReady} after this peer
   * became the ready leader (as SCM's BackgroundSCMService wait time); a failed start is retried as
   * {@link StartRetryPolicy#DEFAULT} says.
   *
   * @throws InvalidServiceNameException for a null, empty, over-long or control-character name
   * @throws DuplicateServiceException when a service of that name is registered
   */
  public void register(OMService service, Duration delayAfterReady) {
    register(service, delayAfterReady, StartRetryPolicy.DEFAULT);
  }

  /**
   * Registers {@code service}, which starts no earlier than {@code delayAfterReady} after this peer
   * became the ready leader; a start that throws is retried as {@code startRetry} says.
   *
   * @throws InvalidServiceNameException for a null, empty, over-long or control-character name
   * @throws DuplicateServiceException when a service of that name is registered
   */
  public void register(OMService service, Duration delayAfterReady, StartRetryPolicy startRetry) {
    Objects.requireNonNull(service, "service must not be null");
    Objects.requireNonNull(delayAfterReady, "delayAfterReady must not be null");
    Objects.requireNonNull(startRetry, "startRetry must not be null");
    String name = service.getServiceName();
    if (name == null) {
      throw new InvalidServiceNameException(
          "invalid service name null: "
              + service.getClass().getName()
              + ".getServiceName() returned null");
    }
    RegisteredService registered =
        new RegisteredService(service, name, this::isEpochCurrent, handle);
    // Listed first: the runner may start the service before registerService returns.
    services.add(registered);
    try {
      handle.call(
          node -> {
            NativeOmsvc.registerService(
                node,
                name,
                registered,
                delayAfterReady.toMillis(),
                startRetry.initialDelay().toMillis(),
                startRetry.maxDelay().toMillis());
            return null;
          });
    } catch (RuntimeException e) {
      services.remove(registered);
      throw e;
    }
  }

  /** The registered services, in registration order. */
  public List<OMService> getServices() {
    List<OMService> list = new ArrayList<>(services.size());
    for (RegisteredService registered : services) {
      list.add(registered.service());
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * The Java-side status of a registered service: RUNNING from the return of its {@code start} to
   * the beginning of its {@code stop}'s return.
   */
  public ServiceStatus getServiceStatus(String name) {
    return registered(name).status();
  }

  /** The node's status: leadership, barrier, and per service status, epoch, counts, errors. */
  public NodeStatusView getStatus() {
    return StatusProto.parse(handle.call(NativeOmsvc::statusProto));
  }

  /** The status view as the native side's JSON (for logs and operators). */
  public String getStatusJson() {
    return handle.call(NativeOmsvc::statusJson);
  }

  /**
   * Whether this node is still leader-ready in {@code epoch}: the fencing check. False once the
   * manager is closed.
   */
  public boolean isEpochCurrent(long epoch) {
    if (handle.isClosed()) {
      return false;
    }
    try {
      return NativeOmsvc.isEpochCurrent(handle.get(), epoch);
    } catch (ClosedHandleException | InvalidHandleException | NodeShutDownException e) {
      return false;
    }
  }

  /**
   * Waits until the runner acted on every event so far; false on timeout.
   *
   * @throws IllegalStateException when called from a service's {@code start}, {@code stop} or
   *     {@code shouldRun}: the runner cannot settle while it is inside that call, so waiting there
   *     would only burn the whole timeout
   */
  public boolean waitSettled(Duration timeout) {
    long node = handle.get();
    if (handle.onRunnerThread()) {
      throw new IllegalStateException(
          "waitSettled was called on the runner thread of node \""
              + getSelfId()
              + "\" (from a service's start, stop or shouldRun), where the runner waits for the"
              + " call to return and never settles; call it from another thread");
    }
    return NativeOmsvc.waitSettled(node, timeout.toMillis());
  }

  /** What the host's Ratis StateMachine calls from its notify* overrides and apply path. */
  public RatisEventForwarder getEventForwarder() {
    return forwarder;
  }

  /** The node's configuration table (statefulServiceConfigTable). */
  public OMStatefulServiceStateManager getStateManager() {
    return stateManager;
  }

  /**
   * Stops every running service (reverse registration order) and waits for them; later events throw
   * {@link NodeShutDownException}. Reads stay possible until {@link #close()}. As with close, the
   * caller must not hold a lock that a service's start or stop needs.
   */
  public void shutdown() {
    NativeOmsvc.shutdown(handle.get());
  }

  /**
   * Asks the runner to stop every running service, in reverse registration order, and returns
   * without waiting for them; later events are ignored ({@link EventOutcome#SHUT_DOWN}) and writes
   * throw {@link NodeShutDownException}. Unlike {@link #shutdown()} it may be called where waiting
   * is not possible: from a Ratis callback, or from a service's own {@code start}, {@code stop} or
   * {@code shouldRun}. {@link #waitSettled} (from another thread) waits for the services to stop;
   * {@link #close()} is still needed to release the node. Calling it again does nothing.
   *
   * @throws ClosedHandleException when the manager is released
   */
  public void requestShutdown() {
    handle.call(
        node -> {
          NativeOmsvc.requestShutdown(node);
          return null;
        });
  }

  /** Whether {@link #close()} was called (the services may still be stopping). */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /**
   * Stops the services, waits for them, and releases the node; runs once. It waits for a start or
   * stop in progress, so the caller must not hold a lock that a service's start or stop needs, nor
   * be a thread that a service's stop waits for.
   *
   * <p>While the services stop, reads still work (a {@code stop()} may read {@link #getStatus()}
   * or its configuration), events are ignored ({@link EventOutcome#SHUT_DOWN}) and writes throw
   * {@link NodeShutDownException}; once the node is released every call throws {@link
   * ClosedHandleException}. A second close, from another thread, waits until the first has
   * released the node. From a service's own {@code start}, {@code stop} or {@code shouldRun}
   * (the runner thread) close returns at once: it requests the shutdown, and the services stop and
   * the node is released after that call returns.
   */
  @Override
  public void close() {
    handle.close();
  }

  private RegisteredService registered(String name) {
    handle.get();
    return services.stream()
        .filter(service -> service.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new UnknownServiceException(
                    "no service named \"" + name + "\" is registered on node " + getSelfId()));
  }

  @Override
  public String toString() {
    return "OMServiceManager[" + getSelfId() + (isClosed() ? ", closed" : "") + "]";
  }
}
