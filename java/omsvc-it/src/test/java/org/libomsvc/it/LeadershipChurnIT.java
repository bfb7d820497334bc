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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/design.md B13: at least 100 leadership changes, transfers and closes/restarts mixed.
 * Every start of the service writes its epoch to a fenced register: no write may be refused (no
 * older epoch writes after a newer one), and no two peers may run in one epoch.
 */
class LeadershipChurnIT {
  private static final int CHANGES = 100;

  /** Every fifth change closes the leader's server (rebuilt with RECOVER afterwards). */
  private static final int CLOSE_EVERY = 5;

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;

  @Test
  void aHundredLeadershipChangesNeverRunTwoPeersInOneEpoch() throws Exception {
    Random random = new Random(20261126L);
    int transfers = 0;
    int closes = 0;
    int failedTransfers = 0;
    long began = System.nanoTime();
    try (RatisCluster cluster = RatisCluster.start(dir)) {
      Map.Entry<String, Long> runner = cluster.awaitSingleRunner(0, TIMEOUT);
      int changes = 0;
      while (changes < CHANGES) {
        RatisPeer leader = cluster.peer(runner.getKey());
        if (changes % CLOSE_EVERY == CLOSE_EVERY - 1) {
          leader.close();
          runner = cluster.awaitSingleRunner(runner.getValue(), TIMEOUT);
          cluster.rejoin(leader);
          closes++;
        } else {
          List<RatisPeer> followers =
              cluster.peers().stream().filter(p -> p != leader && p.isUp()).toList();
          RatisPeer target = followers.get(random.nextInt(followers.size()));
          if (!cluster.transferLeadership(target, Duration.ofSeconds(5))) {
            failedTransfers++;
            assertTrue(failedTransfers <= CHANGES / 10, "too many refused transfers");
            // A transfer Ratis gave up on may still have happened: continue from what runs now.
            Map.Entry<String, Long> current = cluster.awaitSingleRunner(0, TIMEOUT);
            if (current.getValue() <= runner.getValue()) {
              continue;
            }
            runner = current;
          } else {
            runner = cluster.awaitSingleRunner(runner.getValue(), TIMEOUT);
          }
          transfers++;
        }
        changes++;
      }

      Timeline timeline = cluster.timeline;
      String service = ProgressService.NAME;
      System.out.printf(
          "leadership changes: %d (%d transfers, %d closes/restarts, %d refused transfers "
              + "retried), service starts: %d, fenced writes: %d, worst stop-to-start gap: "
              + "%.1f ms, total %.1f s%n",
          changes,
          transfers,
          closes,
          failedTransfers,
          timeline.starts(service).size(),
          cluster.register.writes(),
          timeline.worstStopToStartGapMillis(service),
          (System.nanoTime() - began) / 1e9);

      assertTrue(changes >= CHANGES);
      assertEquals(List.of(), cluster.register.refusals(), "fenced writes refused");
      assertEquals(List.of(), cluster.register.sameEpochConflicts(), "writers sharing an epoch");
      assertEquals(Map.of(), timeline.epochsWithSeveralPeers(service), "peers sharing an epoch");
      assertEquals(List.of(), timeline.overlaps(service), "starts while another peer ran");
      List<Long> epochs =
          timeline.starts(service).stream().map(Timeline.Event::epoch).collect(Collectors.toList());
      for (int i = 1; i < epochs.size(); i++) {
        assertTrue(epochs.get(i) > epochs.get(i - 1), "epochs grow: " + epochs);
      }
      assertEquals(List.of(), cluster.forwardingErrors, "errors forwarding Ratis events");
    }
  }
}
