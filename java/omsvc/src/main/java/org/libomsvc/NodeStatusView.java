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
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A node's status as the native side reports it: its leadership view and each service's status,
 * with the reason services wait when they do. A value: equal when every field is.
 */
public final class NodeStatusView {
  private final String selfId;
  private final long term;
  private final String leader;
  private final String role;
  private final long barrier;
  private final long applied;
  private final List<String> peers;
  private final long ignoredEvents;
  private final String blocker;
  private final long lastAppliedTerm;
  private final long lastAppliedIndex;
  private final List<ServiceStatusView> services;

  /**
   * @param selfId this peer's id
   * @param term the current term
   * @param leader the known leader's id; null when none is known
   * @param role "follower", "leader-not-ready" or "leader-ready"
   * @param barrier the barrier index of the current leadership
   * @param applied the highest index reported applied
   * @param peers the peer set of the last configuration
   * @param ignoredEvents stale or contradictory events received and ignored
   * @param blocker why services may not run (e.g. "waiting for barrier 120, applied 118"); null
   *     when they may
   * @param lastAppliedTerm term of the table's last applied entry
   * @param lastAppliedIndex index of the table's last applied entry
   * @param services every registered service, in registration order
   */
  public NodeStatusView(
      String selfId,
      long term,
      String leader,
      String role,
      long barrier,
      long applied,
      List<String> peers,
      long ignoredEvents,
      String blocker,
      long lastAppliedTerm,
      long lastAppliedIndex,
      List<ServiceStatusView> services) {
    this.selfId = selfId;
    this.term = term;
    this.leader = leader;
    this.role = role;
    this.barrier = barrier;
    this.applied = applied;
    this.peers = Collections.unmodifiableList(new ArrayList<>(peers));
    this.ignoredEvents = ignoredEvents;
    this.blocker = blocker;
    this.lastAppliedTerm = lastAppliedTerm;
    this.lastAppliedIndex = lastAppliedIndex;
    this.services = Collections.unmodifiableList(new ArrayList<>(services));
  }

  /** The named service's status, or {@link UnknownServiceException}. */
  public ServiceStatusView service(String name) {
    for (ServiceStatusView service : services) {
      if (service.name().equals(name)) {
        return service;
      }
    }
    throw new UnknownServiceException(
        "no service named \"" + name + "\" is registered on node " + selfId);
  }

  /** This peer's id. */
  public String selfId() {
    return selfId;
  }

  /** The current term. */
  public long term() {
    return term;
  }

  /** The known leader's id; null when none is known. */
  public String leader() {
    return leader;
  }

  /** "follower", "leader-not-ready" or "leader-ready". */
  public String role() {
    return role;
  }

  /** The barrier index of the current leadership. */
  public long barrier() {
    return barrier;
  }

  /** The highest index reported applied. */
  public long applied() {
    return applied;
  }

  /** The peer set of the last configuration (unmodifiable). */
  public List<String> peers() {
    return peers;
  }

  /** Stale or contradictory events received and ignored. */
  public long ignoredEvents() {
    return ignoredEvents;
  }

  /** Why services may not run (e.g. "waiting for barrier 120, applied 118"); null when they may. */
  public String blocker() {
    return blocker;
  }

  /** Term of the table's last applied entry. */
  public long lastAppliedTerm() {
    return lastAppliedTerm;
  }

  /** Index of the table's last applied entry. */
  public long lastAppliedIndex() {
    return lastAppliedIndex;
  }

  /** Every registered service, in registration order (unmodifiable). */
  public List<ServiceStatusView> services() {
    return services;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof NodeStatusView)) {
      return false;
    }
    NodeStatusView that = (NodeStatusView) other;
    return Objects.equals(selfId, that.selfId)
        && term == that.term
        && Objects.equals(leader, that.leader)
        && Objects.equals(role, that.role)
        && barrier == that.barrier
        && applied == that.applied
        && peers.equals(that.peers)
        && ignoredEvents == that.ignoredEvents
        && Objects.equals(blocker, that.blocker)
        && lastAppliedTerm == that.lastAppliedTerm
        && lastAppliedIndex == that.lastAppliedIndex
        && services.equals(that.services);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        selfId,
        term,
        leader,
        role,
        barrier,
        applied,
        peers,
        ignoredEvents,
        blocker,
        lastAppliedTerm,
        lastAppliedIndex,
        services);
  }

  @Override
  public String toString() {
    return "NodeStatusView[selfId="
        + selfId
        + ", term="
        + term
        + ", leader="
        + leader
        + ", role="
        + role
        + ", barrier="
        + barrier
        + ", applied="
        + applied
        + ", peers="
        + peers
        + ", ignoredEvents="
        + ignoredEvents
        + ", blocker="
        + blocker
        + ", lastAppliedTerm="
        + lastAppliedTerm
        + ", lastAppliedIndex="
        + lastAppliedIndex
        + ", services="
        + services
        + "]";
  }
}
