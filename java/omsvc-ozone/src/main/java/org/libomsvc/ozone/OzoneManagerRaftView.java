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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.apache.hadoop.ozone.om.ratis.OzoneManagerRatisServer;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.libomsvc.TermIndex;

/**
 * Reads an {@link OzoneManager}'s Ratis division without taking any of Ratis's locks: the values
 * are read twice and kept only when both readings agree, because Ratis changes them one at a time
 * while notifications run on other threads. This OM leads when it has a leader state for the
 * current term (its role info carries that state's term).
 */
final class OzoneManagerRaftView implements RaftLeadershipView {
  private static final long NO_LEADER_STATE = 0;

  private final OzoneManager om;

  OzoneManagerRaftView(OzoneManager om) {
    this.om = Objects.requireNonNull(om, "om must not be null");
  }

  @Override
  public String selfId() {
    return om.getOMNodeId();
  }

  @Override
  public LeadershipSnapshot read() {
    RaftServer.Division division = division();
    if (division == null) {
      return null;
    }
    DivisionInfo info = division.getInfo();
    while (true) {
      long termBefore = info.getCurrentTerm();
      String leaderBefore = idOf(info.getLeaderId());
      long leaderStateTerm = leaderStateTerm(info);
      boolean ready = info.isLeaderReady();
      long leaderStateTermAfter = leaderStateTerm(info);
      long lastHanded = info.getLastAppliedIndex();
      long termAfter = info.getCurrentTerm();
      String leaderAfter = idOf(info.getLeaderId());
      if (termBefore != termAfter || !Objects.equals(leaderBefore, leaderAfter)) {
        continue;
      }
      // A leader state belongs to one term: the same term before and after the ready flag means
      // the flag is that state's. The role alone is not enough: closing the server keeps the
      // role LEADER after the leader state is gone (and notifies notLeader at that moment).
      boolean selfLeads =
          leaderStateTerm != NO_LEADER_STATE
              && leaderStateTerm == leaderStateTermAfter
              && leaderStateTerm == termAfter;
      long readyTerm = selfLeads && ready ? termAfter : LeadershipSnapshot.NOT_READY;
      return new LeadershipSnapshot(termAfter, leaderAfter, selfLeads, readyTerm, lastHanded);
    }
  }

  /** The term this OM's leader state was created in; {@link #NO_LEADER_STATE} if it has none. */
  private static long leaderStateTerm(DivisionInfo info) {
    try {
      RoleInfoProto role = info.getRoleInfoProto();
      return role.hasLeaderInfo() ? role.getLeaderInfo().getTerm() : NO_LEADER_STATE;
    } catch (IllegalStateException termMovedOn) {
      // Ratis asserts that the leader state's term is still the server's: a newer term began.
      return NO_LEADER_STATE;
    }
  }

  @Override
  public QuorumContact quorumContact() {
    RaftServer.Division division = division();
    if (division == null) {
      return null;
    }
    RoleInfoProto role;
    try {
      role = division.getInfo().getRoleInfoProto();
    } catch (IllegalStateException termMovedOn) {
      return null;
    }
    if (!role.hasLeaderInfo()) {
      return null;
    }
    List<Long> answered = new ArrayList<>();
    for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
      answered.add(follower.getLastRpcElapsedTimeMs());
    }
    Collections.sort(answered);
    int followersForMajority = (answered.size() + 1) / 2;
    long age = followersForMajority == 0 ? 0 : answered.get(followersForMajority - 1);
    long withhold =
        RaftServerConfigKeys.Rpc.timeoutMin(division.getRaftServer().getProperties())
            .toLong(TimeUnit.MILLISECONDS);
    return new QuorumContact(role.getLeaderInfo().getTerm(), age, withhold);
  }

  @Override
  public TermIndex flushed() {
    OzoneManagerRatisServer server = om.getOmRatisServer();
    if (server == null) {
      return null;
    }
    org.apache.ratis.server.protocol.TermIndex applied =
        server.getOmStateMachine().getLastAppliedTermIndex();
    return applied == null ? null : new TermIndex(applied.getTerm(), applied.getIndex());
  }

  @Override
  public List<String> peers() {
    RaftServer.Division division = division();
    if (division == null) {
      return Collections.emptyList();
    }
    List<String> peers = new ArrayList<>();
    for (RaftPeer peer : division.getRaftConf().getCurrentPeers()) {
      peers.add(peer.getId().toString());
    }
    return peers;
  }

  /** The division, or null before its server started (it has no role yet) and after it stopped. */
  private RaftServer.Division division() {
    OzoneManagerRatisServer server = om.getOmRatisServer();
    if (server == null) {
      return null;
    }
    RaftServer.Division division;
    try {
      division = server.getServerDivision();
    } catch (RuntimeException notStarted) {
      return null;
    }
    return division == null || division.getInfo().getCurrentRole() == null ? null : division;
  }

  private static String idOf(RaftPeerId id) {
    return id == null ? null : id.toString();
  }
}
