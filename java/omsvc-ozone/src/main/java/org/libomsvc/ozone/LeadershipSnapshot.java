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

import java.util.Objects;

/**
 * One consistent reading of an OM's Ratis division: the term, the leader it knows in that term,
 * whether this OM leads, and, when this OM is the ready leader, the term it was elected in.
 */
final class LeadershipSnapshot {
  /** {@link #readyTerm()} when this OM is not the ready leader. */
  static final long NOT_READY = 0;

  private final long term;
  private final String leaderId;
  private final boolean selfLeads;
  private final long readyTerm;
  private final long lastHandedIndex;

  /**
   * @param term the division's current term
   * @param leaderId the leader known in {@code term}; null when none is known
   * @param selfLeads whether this OM's role is leader
   * @param readyTerm the term of this OM's leader state when that state is ready, else {@link
   *     #NOT_READY}
   * @param lastHandedIndex the index of the last entry Ratis handed to OM's state machine
   */
  LeadershipSnapshot(
      long term, String leaderId, boolean selfLeads, long readyTerm, long lastHandedIndex) {
    this.term = term;
    this.leaderId = leaderId;
    this.selfLeads = selfLeads;
    this.readyTerm = readyTerm;
    this.lastHandedIndex = lastHandedIndex;
  }

  long term() {
    return term;
  }

  String leaderId() {
    return leaderId;
  }

  boolean selfLeads() {
    return selfLeads;
  }

  long readyTerm() {
    return readyTerm;
  }

  long lastHandedIndex() {
    return lastHandedIndex;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof LeadershipSnapshot)) {
      return false;
    }
    LeadershipSnapshot that = (LeadershipSnapshot) other;
    return term == that.term
        && selfLeads == that.selfLeads
        && readyTerm == that.readyTerm
        && lastHandedIndex == that.lastHandedIndex
        && Objects.equals(leaderId, that.leaderId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(term, leaderId, selfLeads, readyTerm, lastHandedIndex);
  }

  @Override
  public String toString() {
    return "term "
        + term
        + ", leader "
        + leaderId
        + (selfLeads ? ", self leads" : "")
        + (readyTerm == NOT_READY ? "" : ", ready in term " + readyTerm)
        + ", last handed index "
        + lastHandedIndex;
  }
}
