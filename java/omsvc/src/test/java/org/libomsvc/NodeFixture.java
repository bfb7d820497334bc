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

import java.time.Duration;
import java.util.List;

/** Drives one node through Ratis's event sequences in tests. */
final class NodeFixture {
  static final Duration SETTLE = Duration.ofSeconds(10);

  private NodeFixture() {}

  /** Ratis's order on a new leader: leader changed, configuration, leader-ready. */
  static void becomeReadyLeader(OMServiceManager manager, long term, long barrier) {
    RatisEventForwarder events = manager.getEventForwarder();
    events.notifyLeaderChanged(term, manager.getSelfId());
    events.notifyConfigurationChanged(
        term, barrier, List.of(manager.getSelfId(), "om2", "om3"));
    events.notifyLeaderReady(term, barrier);
    settle(manager);
  }

  static void settle(OMServiceManager manager) {
    if (!manager.waitSettled(SETTLE)) {
      throw new AssertionError("the runner did not settle: " + manager.getStatusJson());
    }
  }
}
