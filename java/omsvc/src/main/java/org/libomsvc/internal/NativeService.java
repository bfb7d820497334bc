package org.libomsvc.internal;

/**
 * What the native runner calls on a registered service, one call at a time per node, from a
 * thread attached to the JVM once. An exception thrown here is caught, logged and shown in the
 * status; a failed start is retried with backoff while the node should still run the service.
 */
public interface NativeService {
  void start(long epoch) throws Exception;

  void stop() throws Exception;

  boolean shouldRun() throws Exception;
}
