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

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.libomsvc.internal.NativeOmsvc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes not yet released, and the JVM shutdown hook that closes them. The native runner calls
 * a Java service from a thread attached to the JVM for that call only; the hook makes sure no such
 * call is under way when the JVM goes: it asks every open node to stop its services, releases the
 * nodes (which joins their runners), interrupts the service calls still under way after {@value
 * #INTERRUPT_PROPERTY} ms, and gives up after {@value #TIMEOUT_PROPERTY} ms, so that a service that
 * ignores interrupts cannot keep the JVM from exiting. Last it lets the native log thread hand the
 * shutdown's records to slf4j and detach (for at most {@value #LOG_DRAIN_MILLIS} ms).
 */
final class OpenNodes {
  static final String INTERRUPT_PROPERTY = "omsvc.shutdown.interrupt.ms";
  static final String TIMEOUT_PROPERTY = "omsvc.shutdown.timeout.ms";
  private static final long DEFAULT_INTERRUPT_MILLIS = 5_000;
  private static final long DEFAULT_TIMEOUT_MILLIS = 20_000;
  static final long LOG_DRAIN_MILLIS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(OpenNodes.class);
  private static final Set<NodeHandle> OPEN = ConcurrentHashMap.newKeySet();
  private static boolean hookRegistered;

  private OpenNodes() {}

  /** Tracks a newly opened node; the first one registers the shutdown hook. */
  static void add(NodeHandle node) {
    registerHookOnce();
    OPEN.add(node);
  }

  /** Called once the node is released. */
  static void remove(NodeHandle node) {
    OPEN.remove(node);
  }

  private static synchronized void registerHookOnce() {
    if (hookRegistered) {
      return;
    }
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(OpenNodes::closeAll, "omsvc-shutdown"));
      hookRegistered = true;
    } catch (IllegalStateException shuttingDown) {
      // The JVM is shutting down already: the node is closed by its owner or not at all.
    }
  }

  /** The shutdown hook: closes every open node, within the configured time. */
  static void closeAll() {
    long interruptAfter = millisProperty(INTERRUPT_PROPERTY, DEFAULT_INTERRUPT_MILLIS);
    long giveUpAfter = millisProperty(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_MILLIS);
    closeAll(interruptAfter, giveUpAfter);
  }

  /**
   * Closes every open node on a thread of its own, all at the same time; returns the nodes whose
   * release did not end within {@code giveUpAfterMillis}, and those not waited for because one of
   * their service calls is the {@code System.exit} that runs this hook.
   */
  static List<NodeHandle> closeAll(long interruptAfterMillis, long giveUpAfterMillis) {
    List<NodeHandle> nodes = new ArrayList<>(OPEN);
    if (nodes.isEmpty()) {
      return nodes;
    }
    LOG.info("JVM shutdown: closing {} open libomsvc node(s)", nodes.size());
    for (NodeHandle node : nodes) {
      node.requestShutdown();
    }
    List<NodeHandle> closing = new ArrayList<>();
    List<NodeHandle> stuck = new ArrayList<>();
    for (NodeHandle node : nodes) {
      if (node.aServiceCallIsExitingTheJvm()) {
        stuck.add(node);
        // Its runner is inside System.exit, which waits for this hook: waiting here would only
        // burn the whole timeout.
        LOG.warn(
            "JVM shutdown: a service of node {} called System.exit; its services are not stopped",
            node.selfId());
      } else {
        closing.add(node);
      }
    }
    nodes = closing;
    List<Thread> closers = new ArrayList<>();
    for (NodeHandle node : nodes) {
      Thread closer = new Thread(node::close, "omsvc-shutdown-" + node.selfId());
      closer.setDaemon(true);
      closer.start();
      closers.add(closer);
    }
    long start = System.nanoTime();
    joinUntil(closers, start + TimeUnit.MILLISECONDS.toNanos(interruptAfterMillis));
    for (int i = 0; i < nodes.size(); i++) {
      if (closers.get(i).isAlive()) {
        int calls = nodes.get(i).interruptServiceCalls();
        LOG.warn(
            "JVM shutdown: node {} still stopping after {} ms; interrupted {} service call(s)",
            nodes.get(i).selfId(),
            interruptAfterMillis,
            calls);
      }
    }
    joinUntil(closers, start + TimeUnit.MILLISECONDS.toNanos(giveUpAfterMillis));
    for (int i = 0; i < nodes.size(); i++) {
      if (closers.get(i).isAlive()) {
        stuck.add(nodes.get(i));
        LOG.error(
            "JVM shutdown: node {} did not stop within {} ms; a service call ignores interrupts,"
                + " and the JVM goes with it inside Java",
            nodes.get(i).selfId(),
            giveUpAfterMillis);
      }
    }
    if (!NativeOmsvc.awaitLogsDelivered(LOG_DRAIN_MILLIS)) {
      LOG.warn("JVM shutdown: native log records still undelivered after {} ms", LOG_DRAIN_MILLIS);
    }
    return stuck;
  }

  private static void joinUntil(List<Thread> threads, long deadlineNanos) {
    boolean interrupted = false;
    for (Thread thread : threads) {
      while (thread.isAlive()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          TimeUnit.NANOSECONDS.timedJoin(thread, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static long millisProperty(String name, long defaultMillis) {
    String value = System.getProperty(name);
    if (value == null || value.isEmpty()) {
      return defaultMillis;
    }
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      LOG.warn(
          "system property {}={} is not a number of milliseconds; using {}",
          name,
          value,
          defaultMillis);
      return defaultMillis;
    }
  }
}
