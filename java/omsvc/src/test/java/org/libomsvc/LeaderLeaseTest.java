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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader lease bounds a service by time: when no renewal comes (a leader paused past its lease),
 * its epoch stops being current at once and its service stops.
 */
class LeaderLeaseTest {
  @Test
  void anExpiredLeaseEndsTheEpochAndStopsTheService() throws InterruptedException {
    try (OMServiceManager manager = OMServiceManager.open("lease-om1", null, false)) {
      List<String> log = RecordingService.newLog();
      RecordingService service = new RecordingService("Leased", log);
      manager.register(service);
      RatisEventForwarder events = manager.getEventForwarder();
      events.notifyLeaderChanged(3, manager.getSelfId());
      events.notifyConfigurationChanged(3, 0, List.of(manager.getSelfId(), "om2", "om3"));
      assertEquals(EventOutcome.UNCHANGED, events.leaseRenewed(3, 300));
      events.notifyLeaderReady(0);
      NodeFixture.settle(manager);
      assertEquals(List.of("Leased:start:3"), log);
      assertTrue(service.epoch.isCurrent());

      ServiceEpoch first = service.epoch;
      Thread.sleep(400); // no renewal arrives
      assertFalse(first.isCurrent(), "the epoch ends with the lease, without any event");
      NodeFixture.settle(manager);
      assertEquals(List.of("Leased:start:3", "Leased:stop"), log);

      // A renewal within the term runs the service again, in a new run of the same epoch.
      events.leaseRenewed(3, 60_000);
      NodeFixture.settle(manager);
      assertEquals(List.of("Leased:start:3", "Leased:stop", "Leased:start:3"), log);
      assertTrue(service.epoch.isCurrent());
      assertFalse(first.isCurrent(), "a run's epoch, once ended, never comes back");

      assertThrows(IllegalArgumentException.class, () -> events.leaseRenewed(0, 300));
      assertThrows(IllegalArgumentException.class, () -> events.leaseRenewed(3, -1));
      assertThrows(IllegalArgumentException.class, () -> events.leaseRenewed(3, 3_600_001));
    }
  }
}
