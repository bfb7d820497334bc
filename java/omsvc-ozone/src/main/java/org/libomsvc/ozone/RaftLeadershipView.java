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

import java.util.List;
import org.libomsvc.TermIndex;

/** What {@link OzoneLeadershipBridge} reads from an OM's Ratis server; tests substitute it. */
interface RaftLeadershipView {
  /** This OM's Raft peer id. */
  String selfId();

  /**
   * A consistent reading of the division, or null when the OM has no running Ratis server (before
   * start, after stop).
   */
  LeadershipSnapshot read();

  /** OM's flushed position: the last entry its double buffer wrote to the OM DB. */
  TermIndex flushed();

  /**
   * How recently a majority answered this OM as leader; null when it has no leader state (or
   * the division is gone).
   */
  QuorumContact quorumContact();

  /** The peers of the division's current configuration; empty when unknown. */
  List<String> peers();
}
