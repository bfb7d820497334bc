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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;

/** The configuration table through JNI (docs/design.md T1-T11; B7-B9, B14). */
class OMStatefulServiceStateManagerTest {
  private static final byte[] SUSPENDED = "suspended".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private static byte[] set(String name, byte[] value) {
    return OMSetServiceConfigurationRequest.of(name, value).toByteArray();
  }

  @Test
  void appliedEntriesReadBackAndReplaysChangeNothing() {
    try (OMServiceManager manager = OMServiceManager.open("om1", dir.resolve("db"))) {
      OMStatefulServiceStateManager table = manager.getStateManager();
      assertEquals(new TermIndex(0, 0), table.lastApplied());
      assertEquals(Optional.empty(), table.read("KeyLifecycleService"));

      assertEquals(ApplyOutcome.APPLIED, table.apply(2, 10, set("KeyLifecycleService", SUSPENDED)));
      assertEquals(ApplyOutcome.APPLIED, table.apply(2, 11, set("ContainerBalancer", new byte[0])));
      assertArrayEquals(SUSPENDED, table.read("KeyLifecycleService").orElseThrow());
      assertArrayEquals(new byte[0], table.read("ContainerBalancer").orElseThrow());
      assertEquals(List.of("ContainerBalancer", "KeyLifecycleService"), table.list());
      assertEquals(new TermIndex(2, 11), table.lastApplied());

      assertEquals(
          ApplyOutcome.ALREADY_APPLIED,
          table.apply(2, 10, set("KeyLifecycleService", new byte[] {1})));
      assertArrayEquals(SUSPENDED, table.read("KeyLifecycleService").orElseThrow());

      OMDeleteServiceConfigurationResponse deleted =
          OMDeleteServiceConfigurationRequest.of("KeyLifecycleService").applyTo(table, 3, 12);
      assertEquals(Outcome.APPLIED, deleted.getOutcome());
      assertEquals(new TermIndex(3, 12), deleted.getLastApplied());
      assertEquals(List.of("ContainerBalancer"), table.list());
    }
  }

  @Test
  void invalidCommandsAreRefusedAndWriteNothing() {
    try (OMServiceManager manager = OMServiceManager.open("om1", null, false)) {
      OMStatefulServiceStateManager table = manager.getStateManager();
      assertThrows(
          MalformedCommandException.class, () -> table.apply(1, 1, new byte[] {(byte) 0xff, 0x01}));
      assertThrows(MalformedCommandException.class, () -> table.apply(1, 2, new byte[0]));
      assertThrows(InvalidServiceNameException.class, () -> table.apply(1, 3, set("", SUSPENDED)));
      assertThrows(
          ConfigurationTooLargeException.class,
          () -> table.apply(1, 4, set("KeyLifecycleService", new byte[4 * 1024 * 1024 + 1])));
      assertThrows(NullPointerException.class, () -> table.apply(1, 5, null));
      assertThrows(NullPointerException.class, () -> table.read(null));
      assertThrows(InvalidServiceNameException.class, () -> table.read(""));
      assertEquals(List.of(), table.list());

      OMSetServiceConfigurationResponse rejected =
          OMSetServiceConfigurationRequest.of("", SUSPENDED).applyTo(table, 1, 6);
      assertEquals(Outcome.REJECTED, rejected.getOutcome());
      assertEquals("invalid service name \"\": the name is empty", rejected.getError());
      OMServiceConfigurationResponse malformed =
          OMServiceConfigurationRequest.applyLogEntry(table, 1, 7, new byte[] {0x0a});
      assertTrue(malformed.isRejected());
      assertTrue(
          malformed.getError().startsWith("malformed configuration command"), malformed.getError());
      assertEquals(List.of(), table.list());
    }
  }

  @Test
  void configurationAndLastAppliedEntrySurviveARestart() {
    try (OMServiceManager manager = OMServiceManager.open("om1", dir.resolve("db"))) {
      manager.getStateManager().apply(4, 40, set("KeyLifecycleService", SUSPENDED));
    }
    try (OMServiceManager manager = OMServiceManager.open("om1", dir.resolve("db"))) {
      OMStatefulServiceStateManager table = manager.getStateManager();
      assertEquals(new TermIndex(4, 40), table.lastApplied());
      assertArrayEquals(SUSPENDED, table.read("KeyLifecycleService").orElseThrow());
      assertEquals(40, manager.getStatus().applied());
      assertEquals(
          ApplyOutcome.ALREADY_APPLIED,
          table.apply(4, 40, set("KeyLifecycleService", new byte[] {1})));
    }
  }

  @Test
  void aFollowerInstallingACheckpointEndsWithTheLeadersConfiguration() {
    Path checkpoint = dir.resolve("checkpoint");
    try (OMServiceManager leader = OMServiceManager.open("om1", dir.resolve("om1"));
        OMServiceManager follower = OMServiceManager.open("om2", dir.resolve("om2"))) {
      leader.getStateManager().apply(5, 50, set("KeyLifecycleService", SUSPENDED));
      follower.getStateManager().apply(4, 20, set("TrashRecoveryService", SUSPENDED));
      leader.getStateManager().checkpoint(checkpoint);
      assertThrows(
          CheckpointExistsException.class, () -> leader.getStateManager().checkpoint(checkpoint));

      follower.getStateManager().reinitialize(checkpoint);
      assertEquals(List.of("KeyLifecycleService"), follower.getStateManager().list());
      assertArrayEquals(
          SUSPENDED, follower.getStateManager().read("KeyLifecycleService").orElseThrow());
      assertEquals(new TermIndex(5, 50), follower.getStateManager().lastApplied());
    }
  }

  @Test
  void aDatabaseHeldByAnotherNodeIsRefusedWithItsPath() throws Exception {
    try (OMServiceManager holder = OMServiceManager.open("om1", dir.resolve("db"))) {
      assertEquals("om1", holder.getSelfId());
      DatabaseLockedException locked =
          assertThrows(
              DatabaseLockedException.class, () -> OMServiceManager.open("om1", dir.resolve("db")));
      assertTrue(locked.getMessage().contains(dir.resolve("db").toString()), locked.getMessage());
      assertTrue(locked instanceof StorageException);
    }
    Path notADatabase = Files.createDirectories(dir.resolve("plain"));
    Files.writeString(notADatabase.resolve("CURRENT"), "MANIFEST-000001\n");
    assertThrows(StorageException.class, () -> OMServiceManager.open("om1", notADatabase));
  }

  /** docs/design.md F3: the writer's epoch is enforced inside the replicated table. */
  @Test
  void aWriteStampedWithAnEpochOtherThanItsEntrysTermIsFencedWithNothingWritten() {
    byte[] sixteen = "16".getBytes(StandardCharsets.UTF_8);
    try (OMServiceManager manager = OMServiceManager.open("om1", dir.resolve("db"))) {
      OMStatefulServiceStateManager table = manager.getStateManager();
      byte[] stamped =
          OMSetServiceConfigurationRequest.of("Scanner", sixteen).stampedWith(3).toByteArray();
      assertEquals(
          OptionalLong.of(3), OMServiceConfigurationRequest.fromLogEntry(stamped).getWriterEpoch());
      assertEquals(
          OptionalLong.empty(),
          OMServiceConfigurationRequest.fromLogEntry(set("Scanner", sixteen)).getWriterEpoch());
      assertEquals(ApplyOutcome.APPLIED, table.apply(3, 1, stamped));

      byte[] late =
          OMSetServiceConfigurationRequest.of("Scanner", SUSPENDED).stampedWith(3).toByteArray();
      StaleEpochException refused =
          assertThrows(StaleEpochException.class, () -> table.apply(4, 2, late));
      assertTrue(refused.getMessage().contains("epoch 3"), refused.getMessage());
      OMServiceConfigurationResponse fenced =
          OMServiceConfigurationRequest.applyLogEntry(table, 4, 3, late);
      assertEquals(Outcome.FENCED, fenced.getOutcome());
      assertTrue(fenced.isFenced() && !fenced.isApplied(), fenced.toString());
      assertTrue(fenced.getError().contains("nothing was written"), fenced.getError());
      assertArrayEquals(sixteen, table.read("Scanner").orElseThrow());
      assertEquals(new TermIndex(3, 1), table.lastApplied());
      assertEquals(3, manager.getStatus().applied(), "a fenced entry still counts as applied");

      // An operator's write is not fenced; terms in a Raft log never go down.
      assertEquals(ApplyOutcome.APPLIED, table.apply(4, 4, set("Scanner", SUSPENDED)));
      assertThrows(
          IllegalArgumentException.class, () -> table.apply(3, 5, set("Scanner", sixteen)));
      assertArrayEquals(SUSPENDED, table.read("Scanner").orElseThrow());
    }
  }

  /** docs/design.md T10: a user's start or stop is its own record, apart from the configuration. */
  @Test
  void runControlIsItsOwnRecord() {
    try (OMServiceManager manager = OMServiceManager.open("om1", dir.resolve("db"))) {
      OMStatefulServiceStateManager table = manager.getStateManager();
      assertEquals(Optional.empty(), table.readRunControl("Scanner"));
      OMServiceConfigurationResponse stop =
          OMSetRunControlRequest.of("Scanner", false).applyTo(table, 1, 1);
      assertEquals(Outcome.APPLIED, stop.getOutcome());
      table.apply(1, 2, set("Scanner", SUSPENDED));
      assertEquals(Optional.of(false), table.readRunControl("Scanner"));
      assertEquals(List.of("Scanner"), table.list());
      OMServiceConfigurationRequest parsed =
          OMServiceConfigurationRequest.fromLogEntry(
              OMSetRunControlRequest.of("Scanner", true).toByteArray());
      assertTrue(parsed instanceof OMSetRunControlRequest);
      assertTrue(((OMSetRunControlRequest) parsed).getShouldRun());
      parsed.applyTo(table, 1, 3);
      assertEquals(Optional.of(true), table.readRunControl("Scanner"));
      assertThrows(InvalidServiceNameException.class, () -> table.readRunControl(""));
    }
  }
}
