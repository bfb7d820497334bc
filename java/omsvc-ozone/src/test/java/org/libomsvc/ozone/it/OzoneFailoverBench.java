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

package org.libomsvc.ozone.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.libomsvc.testkit.Await;

/**
 * Figures on a real Ozone 2.2.0 HA mini cluster (3 OMs, 1 SCM): from an OM leadership transfer,
 * and from stopping the leader OM, to the new leader's service running, for a libomsvc service
 * and, in the same run and the same OMs, for a plain service under Ozone's own OMServiceManager
 * that starts at the notifyStatusChanged where the OM turns leader-ready. A client creates volumes
 * all along, so each new leader has entries to flush before libomsvc's barrier is reached.
 * Prints BENCH lines.
 *
 * <p>{@code mvn -f java/pom.xml -pl omsvc-ozone -am -Pozone-failover-bench -DskipTests verify}
 */
public final class OzoneFailoverBench {
  private static final int TRANSFERS = Integer.getInteger("omsvc.bench.transfers", 24);
  private static final int STOPS = Integer.getInteger("omsvc.bench.stops", 5);
  private static final double TARGET_RATIO = 1.2;

  private OzoneFailoverBench() {}

  public static void main(String[] args) throws Exception {
    StartStamps stamps = new StartStamps();
    long t0 = System.nanoTime();
    try (BridgedOmCluster cluster = new BridgedOmCluster(stamps)) {
      System.out.printf(Locale.ROOT, "cluster up in %d ms%n", millisSince(t0));
      VolumeWriter writer = new VolumeWriter(cluster);
      writer.start();
      List<Double> libomsvc = new ArrayList<>();
      List<Double> plain = new ArrayList<>();
      for (int round = 0; round < TRANSFERS; round++) {
        OmNode leader = cluster.waitForServiceOnLeader(StartStamps.LIBOMSVC_SERVICE);
        OmNode target = cluster.otherThan(leader, round);
        stamps.clear();
        long start = System.nanoTime();
        cluster.transfer(leader, target);
        long[] started = awaitBoth(stamps, target.id());
        libomsvc.add(millis(started[0] - start));
        plain.add(millis(started[1] - start));
      }
      report("ozone_transfer_to_service_running", libomsvc, plain);

      List<Double> libomsvcStop = new ArrayList<>();
      List<Double> plainStop = new ArrayList<>();
      for (int round = 0; round < STOPS; round++) {
        OmNode leader = cluster.waitForServiceOnLeader(StartStamps.LIBOMSVC_SERVICE);
        stamps.clear();
        long start = System.nanoTime();
        cluster.stop(leader);
        OmNode next = cluster.waitForServiceOnLeader(StartStamps.LIBOMSVC_SERVICE);
        long[] started = awaitBoth(stamps, next.id());
        libomsvcStop.add(millis(started[0] - start));
        plainStop.add(millis(started[1] - start));
        cluster.restart(leader);
        cluster.waitCaughtUp(
            leader, next.om.getOmRatisServer().getLastAppliedTermIndex().getIndex());
      }
      report("ozone_stop_leader_to_service_running", libomsvcStop, plainStop);
      writer.stopAndJoin();
      System.out.printf(
          Locale.ROOT,
          "volumes created during the run: %d (%d attempts failed during leader changes)%n",
          writer.created.get(),
          writer.failed.get());
    }
  }

  private static long[] awaitBoth(StartStamps stamps, String omId) {
    Await.until(
        BridgedOmCluster.LEADERSHIP_TIMEOUT,
        "both services started on " + omId,
        () -> stamps.libomsvcStart(omId) != null && stamps.plainStart(omId) != null);
    return new long[] {stamps.libomsvcStart(omId), stamps.plainStart(omId)};
  }

  private static void report(String name, List<Double> libomsvc, List<Double> plain) {
    double p50 = percentile(libomsvc, 50);
    double p99 = percentile(libomsvc, 99);
    double plainP50 = percentile(plain, 50);
    double plainP99 = percentile(plain, 99);
    System.out.printf(
        Locale.ROOT,
        "%s over %d: libomsvc median %.1f ms p99 %.1f ms; plain Ozone OMService median %.1f ms"
            + " p99 %.1f ms; target median ratio <= %.1f: %s%n",
        name,
        libomsvc.size(),
        p50,
        p99,
        plainP50,
        plainP99,
        TARGET_RATIO,
        p50 / plainP50 <= TARGET_RATIO ? "met" : "MISSED");
    System.out.printf(
        Locale.ROOT,
        "BENCH %s_p50 value=%.1f unit=ms baseline=plain_ozone_omservice_p50 ratio=%.3f%n",
        name,
        p50,
        p50 / plainP50);
    System.out.printf(
        Locale.ROOT,
        "BENCH %s_p99 value=%.1f unit=ms baseline=plain_ozone_omservice_p99 ratio=%.3f%n",
        name,
        p99,
        p99 / plainP99);
  }

  /** Nearest-rank percentile. */
  private static double percentile(List<Double> samples, int percent) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  /** Creates volumes one after another until stopped; a failed attempt is counted and retried. */
  private static final class VolumeWriter extends Thread {
    private final BridgedOmCluster cluster;
    private volatile boolean stopped;
    final AtomicLong created = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    VolumeWriter(BridgedOmCluster cluster) {
      super("bench-volume-writer");
      setDaemon(true);
      this.cluster = cluster;
    }

    @Override
    public void run() {
      while (!stopped) {
        try {
          cluster.createVolume("load-" + created.get() + "-" + failed.get());
          created.incrementAndGet();
        } catch (IOException | RuntimeException e) {
          failed.incrementAndGet();
        }
      }
    }

    void stopAndJoin() throws InterruptedException {
      stopped = true;
      join(BridgedOmCluster.LEADERSHIP_TIMEOUT.toMillis());
    }
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static long millisSince(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
