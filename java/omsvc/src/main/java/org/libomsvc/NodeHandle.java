package org.libomsvc;

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

  /** The node's runner thread, once it has called into a service. */
  private volatile Thread runnerThread;

  NodeHandle(long handle, String selfId) {
    this.handle = handle;
    this.selfId = selfId;
  }

  /** The handle, usable until the release ends; then {@link ClosedHandleException}. */
  long get() {
    if (state.get() == CLOSED) {
      throw new ClosedHandleException(
          "the OMServiceManager of node \"" + selfId + "\" is closed; open a new one to continue");
    }
    return handle;
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

  /** Called by the runner on entering a service: tells the runner thread apart. */
  void enteringService() {
    if (runnerThread == null) {
      runnerThread = Thread.currentThread();
    }
  }

  /** Whether the caller is this node's runner thread, i.e. code inside one of its services. */
  boolean onRunnerThread() {
    return Thread.currentThread() == runnerThread;
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
