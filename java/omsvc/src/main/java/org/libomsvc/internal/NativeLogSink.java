package org.libomsvc.internal;

/** Receives the native library's log events (see {@link NativeOmsvc#installLogSink}). */
public interface NativeLogSink {
  /**
   * @param level 1 error, 2 warn, 3 info, 4 debug, 5 trace
   * @param target the Rust module path, e.g. "omsvc::core::services::runner"
   * @param message the message followed by its fields as {@code key=value} pairs
   */
  void log(int level, String target, String message);
}
