package org.libomsvc;

import org.libomsvc.internal.NativeOmsvc;

/**
 * Owns one native node handle and releases it exactly once. After {@link #close()} every {@link
 * #get()} throws, so a released handle never reaches native code from this object.
 */
final class NodeHandle implements AutoCloseable {
  private final String selfId;

  /** The native handle; 0 once closed. */
  private volatile long handle;

  NodeHandle(long handle, String selfId) {
    this.handle = handle;
    this.selfId = selfId;
  }

  /** The live handle, or {@link ClosedHandleException} once closed. */
  long get() {
    long value = handle;
    if (value == 0) {
      throw new ClosedHandleException(
          "the OMServiceManager of node \"" + selfId + "\" is closed; open a new one to continue");
    }
    return value;
  }

  boolean isClosed() {
    return handle == 0;
  }

  String selfId() {
    return selfId;
  }

  /** Stops the node's services, waits for them, and frees the handle. Runs once. */
  @Override
  public synchronized void close() {
    long value = handle;
    if (value == 0) {
      return;
    }
    // Cleared first: services stopping inside nodeFree see a closed handle, not a dying one.
    handle = 0;
    NativeOmsvc.nodeFree(value);
  }
}
