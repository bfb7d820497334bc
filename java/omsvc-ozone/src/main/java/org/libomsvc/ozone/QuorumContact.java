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

package org.libomsvc.ozone;

/**
 * How recently a majority of the group answered this OM as its leader, read from Ratis's leader
 * state, and what that is worth as a lease: a Ratis follower refuses to vote for another candidate
 * while it heard from its leader within {@code raft.server.rpc.timeout.min}, so no other OM can be
 * elected (short of a leadership transfer, which this OM starts and learns of) before that much
 * time has passed since the majority last answered.
 */
final class QuorumContact {
  private final long term;
  private final long ageMillis;
  private final long voteWithholdMillis;

  /**
   * @param term the term of this OM's leader state
   * @param ageMillis how long ago the last answer that completes a majority arrived
   * @param voteWithholdMillis {@code raft.server.rpc.timeout.min}
   */
  QuorumContact(long term, long ageMillis, long voteWithholdMillis) {
    this.term = term;
    this.ageMillis = ageMillis;
    this.voteWithholdMillis = voteWithholdMillis;
  }

  long term() {
    return term;
  }

  /**
   * How long, from now, services may keep running: the vote-withholding window left, minus a
   * fifth of it for the services' stop and for the answer's time in flight; zero or less when
   * nothing is left.
   */
  long leaseMillis() {
    return voteWithholdMillis - ageMillis - voteWithholdMillis / 5;
  }

  /** How often to renew: a tenth of the window, between 10 ms and 500 ms. */
  long renewEveryMillis() {
    return Math.max(10, Math.min(500, voteWithholdMillis / 10));
  }

  @Override
  public String toString() {
    return "term " + term + ", majority answered " + ageMillis + " ms ago, votes withheld for "
        + voteWithholdMillis + " ms";
  }
}
