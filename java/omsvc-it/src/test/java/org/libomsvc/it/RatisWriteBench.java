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

package org.libomsvc.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.libomsvc.OMServiceConfigurationResponse;
import org.libomsvc.OMSetServiceConfigurationRequest;

/**
 * The openraft write-throughput workload of {@code benches/raft.rs} on the Ratis group of the ITs:
 * {@link RatisCluster} (3 peers over gRPC on 127.0.0.1, temporary directories, {@link
 * OmsvcStateMachine} applying every entry into the native table with fsynced writes), then 64
 * writer threads, each with its own blocking {@link RaftClient}, overwriting its own 1 KiB
 * configuration ({@code BenchWriterNN}, every byte 0x5a) as fast as it is acknowledged, for
 * {@code OMSVC_RAFT_BENCH_WRITE_SECS} seconds (5, the openraft bench's default), after an untimed
 * warm-up of the same workload ({@code OMSVC_RATIS_BENCH_WARMUP_SECS}, 5). A reply counts
 * when the leader applied the entry (the reply carries the applying leader's response), as an
 * openraft {@code client_write} counts when it is applied.
 *
 * <p>Prints {@code BENCH ratis_write_throughput_w64} and the p50/p99 latencies; benches/run divides
 * the openraft figure by it. Run alone (after {@code mvn -f java/pom.xml -pl omsvc-it -am
 * test-compile}): see BENCHMARKS.md.
 */
public final class RatisWriteBench {
  static final int WRITERS = 64;
  static final byte[] VALUE = filled(1024, (byte) 0x5a);
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** Quiet time after the leader's service started, before the writers. */
  static final Duration SETTLE = Duration.ofSeconds(1);

  private RatisWriteBench() {}

  public static void main(String[] args) {
    int status;
    try {
      status = run();
    } catch (Throwable t) {
      t.printStackTrace();
      status = 1;
    }
    System.out.flush();
    // Ratis and gRPC leave non-daemon threads behind after close (and a failed run leaves its
    // writers).
    System.exit(status);
  }

  private static int run() throws Exception {
    long writeSecs = envLong("OMSVC_RAFT_BENCH_WRITE_SECS", 5);
    long warmUpSecs = envLong("OMSVC_RATIS_BENCH_WARMUP_SECS", 5);
    System.out.println("== ratis ==");
    System.out.printf(
        Locale.ROOT,
        "Ratis 3.2.1 over gRPC, 3 peers in one JVM, election %s-%s; %d writers, one blocking"
            + " client each, 1 KiB configurations, %d s after a %d s warm-up%n",
        RatisPeer.ELECTION_TIMEOUT_MIN,
        RatisPeer.ELECTION_TIMEOUT_MAX,
        WRITERS,
        writeSecs,
        warmUpSecs);
    System.out.println("before: " + pressure());
    Path dir = Files.createTempDirectory("omsvc-ratis-bench-");
    int status = 0;
    try (RatisCluster cluster = RatisCluster.start(dir)) {
      RatisPeer leader = cluster.awaitReadyLeader(START_TIMEOUT);
      cluster.awaitSingleRunner(0, START_TIMEOUT);
      Thread.sleep(SETTLE.toMillis());
      // Untimed: the same workload once, so the JIT has compiled the write path (the openraft
      // bench's nodes are native code, and warm from its 1- and 16-writer runs).
      Run warmUp = writeRun(cluster, WRITERS, Duration.ofSeconds(warmUpSecs));
      System.out.printf(
          Locale.ROOT,
          "warm-up (untimed): %.1f writes/s, p50 %.2f ms, p99 %.2f ms (%d writes, %d errors)%n",
          warmUp.perSecond(),
          warmUp.percentileMs(0.50),
          warmUp.percentileMs(0.99),
          warmUp.latenciesNanos.length,
          warmUp.errors);
      Thread.sleep(SETTLE.toMillis());
      long cpuBefore = processCpuNanos();
      Run run = writeRun(cluster, WRITERS, Duration.ofSeconds(writeSecs));
      long cpuNanos = processCpuNanos() - cpuBefore;
      RatisPeer after = cluster.awaitReadyLeader(START_TIMEOUT);
      if (after != leader) {
        System.out.println("note: the group changed leader during the run (" + leader + " -> "
            + after + ")");
      }
      if (!cluster.forwardingErrors.isEmpty()) {
        System.out.println("forwarding errors: " + cluster.forwardingErrors);
        status = 1;
      }
      System.out.printf(
          Locale.ROOT,
          "writes: 3 peers, %d writer(s): %.1f writes/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
              + " (%d writes, %d errors, %.2f s) [%s]%n",
          WRITERS,
          run.perSecond(),
          run.percentileMs(0.50),
          run.percentileMs(0.99),
          run.percentileMs(1.0),
          run.latenciesNanos.length,
          run.errors,
          run.seconds,
          pressure());
      System.out.printf(
          Locale.ROOT,
          "CPU of this JVM (3 peers and %d writers) during the run: %.2f s in %.2f s on %d"
              + " core(s)%n",
          WRITERS,
          cpuNanos / 1e9,
          run.seconds,
          Runtime.getRuntime().availableProcessors());
      System.out.println("== ratis figures ==");
      bench("ratis_write_throughput_w" + WRITERS, run.perSecond(), "writes/s");
      bench("ratis_write_p50_w" + WRITERS, run.percentileMs(0.50), "ms");
      bench("ratis_write_p99_w" + WRITERS, run.percentileMs(0.99), "ms");
    } finally {
      deleteRecursively(dir);
    }
    return status;
  }

  /** A figure against itself: benches/run relates it to the openraft one. */
  private static void bench(String name, double value, String unit) {
    System.out.printf(
        Locale.ROOT,
        "BENCH %s value=%.3f unit=%s baseline=%s ratio=1.000%n",
        name,
        value,
        unit,
        name);
  }

  record Run(double seconds, long errors, long[] latenciesNanos) {
    double perSecond() {
      return latenciesNanos.length / seconds;
    }

    /** Nearest-rank percentile, as benches/raft.rs computes it; NaN without samples. */
    double percentileMs(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.max(1, Math.ceil(p * latenciesNanos.length));
      return latenciesNanos[Math.min(rank, latenciesNanos.length) - 1] / 1e6;
    }
  }

  static Run writeRun(RatisCluster cluster, int writers, Duration duration) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(writers + 1);
    AtomicLong errors = new AtomicLong();
    List<long[]> results = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    long durationNanos = duration.toNanos();
    for (int w = 0; w < writers; w++) {
      String name = String.format(Locale.ROOT, "BenchWriter%02d", w);
      Message command =
          Message.valueOf(
              ByteString.copyFrom(OMSetServiceConfigurationRequest.of(name, VALUE).toByteArray()));
      int slot = w;
      results.add(new long[0]);
      Thread thread =
          new Thread(
              () -> {
                try (RaftClient client = cluster.newClient()) {
                  // Untimed: find the leader, and make sure the configuration exists.
                  if (!write(client, command, errors)) {
                    throw new IllegalStateException("the first write of " + name + " failed");
                  }
                  barrier.await();
                  long began = System.nanoTime();
                  long[] latencies = new long[1024];
                  int count = 0;
                  while (System.nanoTime() - began < durationNanos) {
                    long t = System.nanoTime();
                    if (write(client, command, errors)) {
                      if (count == latencies.length) {
                        latencies = Arrays.copyOf(latencies, count * 2);
                      }
                      latencies[count++] = System.nanoTime() - t;
                    }
                  }
                  synchronized (results) {
                    results.set(slot, Arrays.copyOf(latencies, count));
                  }
                } catch (Exception e) {
                  failures.add(e);
                  barrier.reset();
                }
              },
              "writer-" + w);
      threads.add(thread);
      thread.start();
    }
    barrier.await();
    long began = System.nanoTime();
    for (Thread thread : threads) {
      thread.join();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("writers failed: " + failures, failures.get(0));
    }
    long[] all;
    synchronized (results) {
      all = results.stream().flatMapToLong(Arrays::stream).toArray();
    }
    Arrays.sort(all);
    return new Run(seconds, errors.get(), all);
  }

  /** One blocking write; false (and counted, the first printed) when it did not apply. */
  private static boolean write(RaftClient client, Message command, AtomicLong errors) {
    String error;
    try {
      RaftClientReply reply = client.io().send(command);
      if (reply.isSuccess()) {
        OMServiceConfigurationResponse response =
            OMServiceConfigurationResponse.parseFrom(
                reply.getMessage().getContent().toByteArray());
        if (!response.isRejected()) {
          return true;
        }
        error = "rejected: " + response.getError();
      } else {
        error = String.valueOf(reply.getException());
      }
    } catch (IOException | RuntimeException e) {
      error = e.toString();
    }
    if (errors.getAndIncrement() == 0) {
      System.err.println("write failed: " + error);
    }
    return false;
  }

  /** The load average and the share of time tasks stalled on I/O (as benches/raft.rs prints). */
  static String pressure() {
    String load = "unknown";
    String io = "unknown";
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      load = String.join(" ", Arrays.copyOf(fields, 3));
    } catch (IOException | RuntimeException e) {
      // keep "unknown"
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/pressure/io"))) {
        if (line.startsWith("some ")) {
          for (String field : line.split("\\s+")) {
            if (field.startsWith("avg10=")) {
              io = field.substring("avg10=".length()) + "%";
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // keep "unknown"
    }
    return "load " + load + ", io stall " + io;
  }

  /** CPU time of this JVM, all threads; -1 when the platform does not say. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  static long envLong(String name, long fallback) {
    String text = System.getenv(name);
    if (text == null) {
      return fallback;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "=" + text + " is not a number", e);
    }
  }

  private static byte[] filled(int length, byte value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, value);
    return bytes;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
