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

import java.util.Arrays;
import java.util.List;
import org.libomsvc.TermIndex;

/** A {@link RaftLeadershipView} whose readings a test sets, as Ratis would change them. */
final class ScriptedRaftView implements RaftLeadershipView {
  private final String selfId;
  private volatile LeadershipSnapshot snapshot;
  private volatile TermIndex flushed = new TermIndex(0, -1);
  private volatile RuntimeException readFailure;
  private volatile QuorumContact quorumContact;

  ScriptedRaftView(String selfId) {
    this.selfId = selfId;
  }

  @Override
  public String selfId() {
    return selfId;
  }

  @Override
  public LeadershipSnapshot read() {
    if (readFailure != null) {
      throw readFailure;
    }
    return snapshot;
  }

  /** Makes each read throw {@code failure} (null: read normally again). */
  void failReads(RuntimeException failure) {
    readFailure = failure;
  }

  @Override
  public QuorumContact quorumContact() {
    return quorumContact;
  }

  /** What Ratis's leader state says of the majority's last answer (null: no leader state). */
  void quorumAnswered(long term, long ageMillis, long voteWithholdMillis) {
    quorumContact = new QuorumContact(term, ageMillis, voteWithholdMillis);
  }

  @Override
  public TermIndex flushed() {
    return flushed;
  }

  @Override
  public List<String> peers() {
    return Arrays.asList("om1", "om2", "om3");
  }

  void follower(long term, String leader) {
    snapshot = new LeadershipSnapshot(term, leader, false, LeadershipSnapshot.NOT_READY, 0);
  }

  void electedNotReady(long term) {
    snapshot = new LeadershipSnapshot(term, selfId, true, LeadershipSnapshot.NOT_READY, 0);
  }

  void readyLeader(long term, long lastHandedIndex) {
    snapshot = new LeadershipSnapshot(term, selfId, true, term, lastHandedIndex);
  }

  void flushedUpTo(long term, long index) {
    flushed = new TermIndex(term, index);
  }
}
