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

package org.libomsvc.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.libomsvc.EventOutcome;
import org.libomsvc.OMServiceManager;
import org.libomsvc.RatisEventForwarder;
import org.libomsvc.internal.NativeOmsvc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Ratis event forwarded through {@link RatisEventForwarder} (JNI), against an empty native
 * method. Each event repeats a state the node is already in, as Ratis's frequent notifications do;
 * {@code not_leader} goes to a follower, the others to a leader-ready node.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ForwardingBenchmark {
  private static final long TERM = 5;
  private static final List<String> PEERS = List.of("om1", "om2", "om3");

  private OMServiceManager leader;
  private OMServiceManager follower;
  private RatisEventForwarder leaderEvents;
  private RatisEventForwarder followerEvents;
  private long index = 1000;

  @Setup
  public void open() {
    leader = OMServiceManager.open("om1", null, false);
    leaderEvents = leader.getEventForwarder();
    leaderEvents.notifyLeaderChanged(TERM, "om1");
    leaderEvents.notifyConfigurationChanged(TERM, 10, PEERS);
    leaderEvents.notifyLeaderReady(TERM, 10);
    leaderEvents.applied(TERM, 1000);
    follower = OMServiceManager.open("om2", null, false);
    followerEvents = follower.getEventForwarder();
    followerEvents.notifyLeaderChanged(TERM, "om1");
    followerEvents.notifyNotLeader(TERM);
  }

  @TearDown
  public void close() {
    leader.close();
    follower.close();
  }

  @Benchmark
  public void jni_noop() {
    NativeOmsvc.noop();
  }

  @Benchmark
  public EventOutcome jni_forward_term_index_updated() {
    return leaderEvents.notifyTermIndexUpdated(TERM, ++index);
  }

  @Benchmark
  public EventOutcome jni_forward_applied() {
    return leaderEvents.applied(TERM, 1000);
  }

  @Benchmark
  public EventOutcome jni_forward_leader_changed() {
    return leaderEvents.notifyLeaderChanged(TERM, "om1");
  }

  @Benchmark
  public EventOutcome jni_forward_leader_ready() {
    return leaderEvents.notifyLeaderReady(TERM, 10);
  }

  @Benchmark
  public EventOutcome jni_forward_configuration_changed() {
    return leaderEvents.notifyConfigurationChanged(TERM, 10, PEERS);
  }

  @Benchmark
  public EventOutcome jni_forward_not_leader() {
    return followerEvents.notifyNotLeader(TERM);
  }
}
