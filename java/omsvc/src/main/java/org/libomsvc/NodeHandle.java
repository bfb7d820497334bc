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

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.libomsvc.internal.NativeOmsvc;

/**
 * Owns one native node handle and releases it exactly once. After the release every {@link #get()}
 * throws, so a released handle never reaches native code from this object.
 *
 * <p>Closing goes OPEN → CLOSING → CLOSED, with no lock held while the native side waits for the
 * runner. While CLOSING the handle still works, so a service's {@code stop()} that the release
 * waits for can read the node's status and configuration; events and writes meet the native
 * shutdown instead. The runner thread (a service's {@code start}, {@code stop} or {@code
 * shouldRun}) never waits for the release, which waits for that very call: a close from there only
 * requests the shutdown and leaves the release to a thread of its own.
 */
final class NodeHandle implements AutoCloseable {
  private static final int OPEN = 0;
  private static final int CLOSING = 1;
  private static final int CLOSED = 2;

  private final String selfId;

  /** The native handle; never cleared, {@link #state} says whether it may be used. */
  private final long handle;

  private final AtomicInteger state = new AtomicInteger(OPEN);
  private final CountDownLatch released = new CountDownLatch(1);

  /**
   * The node whose service the current thread is calling into, if any: the runner thread during
   * a start, stop or shouldRun, and each thread the runner stops a service on when leadership
   * ends (those stops run at the same time).
   */
  private static final ThreadLocal<NodeHandle> IN_SERVICE = new ThreadLocal<>();

  /** The threads inside a call into one of this node's services now. */
  private final Set<Thread> inServiceCalls = ConcurrentHashMap.newKeySet();

  NodeHandle(long handle, String selfId) {
    this.handle = handle;
    this.selfId = selfId;
  }

  /** The handle, usable until the release ends; then {@link ClosedHandleException}. */
  long get() {
    if (state.get() == CLOSED) {
      throw closed();
    }
    return handle;
  }

  private ClosedHandleException closed() {
    return new ClosedHandleException(
        "the OMServiceManager of node \"" + selfId + "\" is closed; open a new one to continue");
  }

  /** A call into the native library with this node's handle. */
  @FunctionalInterface
  interface NativeCall<T> {
    T apply(long handle);
  }

  /**
   * Runs {@code call} with the handle. A close on another thread may release the node while the
   * call is under way; the native side then finds no live handle, and the caller learns that the
   * manager is closed ({@link ClosedHandleException}), as it would a moment later.
   */
  <T> T call(NativeCall<T> call) {
    long node = get();
    try {
      return call.apply(node);
    } catch (InvalidHandleException released) {
      if (state.get() == OPEN) {
        throw released;
      }
      ClosedHandleException closed = closed();
      closed.addSuppressed(released);
      throw closed;
    }
  }

  /** Whether close was called (the release may still be under way). */
  boolean isClosed() {
    return state.get() != OPEN;
  }

  /** Whether the native node is released: every {@link #get()} throws. */
  boolean isReleased() {
    return state.get() == CLOSED;
  }

  String selfId() {
    return selfId;
  }

  /**
   * Called by the runner on entering one of this node's services; returns what {@link
   * #leavingService} restores when the call ends.
   */
  NodeHandle enteringService() {
    NodeHandle outer = IN_SERVICE.get();
    IN_SERVICE.set(this);
    if (outer != this) {
      inServiceCalls.add(Thread.currentThread());
    }
    return outer;
  }

  /** Called when the service call that {@link #enteringService} began ends. */
  void leavingService(NodeHandle outer) {
    if (outer != this) {
      inServiceCalls.remove(Thread.currentThread());
    }
    if (outer == null) {
      IN_SERVICE.remove();
    } else {
      IN_SERVICE.set(outer);
    }
  }

  /**
   * Interrupts the threads inside a call into one of this node's services (a start that does not
   * return holds up the shutdown of the JVM); returns how many there were.
   */
  int interruptServiceCalls() {
    int interrupted = 0;
    for (Thread thread : inServiceCalls) {
      thread.interrupt();
      interrupted++;
    }
    return interrupted;
  }

  /**
   * Whether a thread inside one of this node's service calls is the one ending the JVM (a service
   * called {@code System.exit}): it waits for the shutdown hooks, so the runner never returns from
   * that call while they run.
   */
  boolean aServiceCallIsExitingTheJvm() {
    for (Thread thread : inServiceCalls) {
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().equals("java.lang.Shutdown")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Asks the runner to stop the services, without waiting; nothing once the node is released. */
  void requestShutdown() {
    if (state.get() == CLOSED) {
      return;
    }
    try {
      NativeOmsvc.requestShutdown(handle);
    } catch (InvalidHandleException released) {
      // Released by a close on another thread in the meantime: nothing left to stop.
    }
  }

  /**
   * Whether the caller is inside a call from this node's runner into one of its services: waiting
   * there for the runner would wait on itself.
   */
  boolean onRunnerThread() {
    return IN_SERVICE.get() == this;
  }

  /**
   * Stops the node's services, waits for them, and frees the handle; runs once. A second close
   * waits for the first to finish. On the runner thread it only requests the shutdown and returns:
   * the services stop after the current call returns, and the handle is freed then.
   */
  @Override
  public void close() {
    if (state.compareAndSet(OPEN, CLOSING)) {
      if (onRunnerThread()) {
        NativeOmsvc.requestShutdown(handle);
        Thread releaser = new Thread(this::release, "omsvc-close-" + selfId);
        releaser.setDaemon(true);
        releaser.start();
      } else {
        release();
      }
      return;
    }
    if (!onRunnerThread()) {
      awaitReleased();
    }
  }

  private void release() {
    try {
      NativeOmsvc.nodeFree(handle);
    } finally {
      state.set(CLOSED);
      OpenNodes.remove(this);
      released.countDown();
    }
  }

  private void awaitReleased() {
    boolean interrupted = false;
    while (true) {
      try {
        released.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
