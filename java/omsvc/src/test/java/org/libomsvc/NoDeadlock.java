package org.libomsvc;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs an action that must not deadlock: on a thread of its own, failing with a dump of every
 * thread when it has not finished within a (generous) bound. A deadlocked action stays parked on
 * its daemon thread; the test fails instead of hanging the build.
 */
final class NoDeadlock {
  interface Action {
    void run() throws Exception;
  }

  private NoDeadlock() {}

  static void within(Duration bound, String what, Action action) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                action.run();
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "no-deadlock: " + what);
    thread.setDaemon(true);
    thread.start();
    thread.join(bound.toMillis());
    if (thread.isAlive()) {
      throw new AssertionError(what + " did not finish within " + bound + "\n" + threadDump());
    }
    Throwable thrown = failure.get();
    if (thrown instanceof Exception) {
      throw (Exception) thrown;
    }
    if (thrown instanceof Error) {
      throw (Error) thrown;
    }
  }

  static String threadDump() {
    StringBuilder dump = new StringBuilder();
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
      if (info.getLockName() != null) {
        dump.append(" on ").append(info.getLockName());
      }
      if (info.getLockOwnerName() != null) {
        dump.append(" owned by \"").append(info.getLockOwnerName()).append('"');
      }
      dump.append('\n');
      for (StackTraceElement frame : info.getStackTrace()) {
        dump.append("    at ").append(frame).append('\n');
      }
    }
    return dump.toString();
  }
}
