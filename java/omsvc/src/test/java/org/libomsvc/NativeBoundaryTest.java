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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeOmsvc;
import org.libomsvc.internal.NativeService;

/**
 * Bad input straight at the JNI methods throws a typed exception and never crashes
 * (docs/design.md B14).
 */
class NativeBoundaryTest {
  private static final long FORGED = 0x7fff_0000_1234L;

  @BeforeAll
  static void load() {
    NativeLibrary.ensureLoaded();
  }

  @Test
  void aForgedOrFreedHandleThrowsInvalidHandle() {
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.statusJson(FORGED));
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.statusProto(FORGED));
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.termIndexUpdated(0, 1, 1));
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.nodeFree(FORGED));

    long node = NativeOmsvc.nodeOpen("om1", null, false);
    NativeOmsvc.nodeFree(node);
    InvalidHandleException freed =
        assertThrows(InvalidHandleException.class, () -> NativeOmsvc.nodeFree(node));
    assertTrue(freed.getMessage() != null && !freed.getMessage().isEmpty());
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.leaderReady(node, 1, 0));
    assertThrows(InvalidHandleException.class, () -> NativeOmsvc.readConfiguration(node, "x"));
  }

  @Test
  void nullArgumentsThrowNullPointerException() {
    assertThrows(NullPointerException.class, () -> NativeOmsvc.nodeOpen(null, null, false));
    long node = NativeOmsvc.nodeOpen("om1", null, false);
    try {
      assertThrows(
          NullPointerException.class,
          () -> NativeOmsvc.registerService(node, null, new Noop(), 0, 100, 30_000));
      assertThrows(
          NullPointerException.class,
          () -> NativeOmsvc.registerService(node, "svc", null, 0, 100, 30_000));
      assertThrows(
          NullPointerException.class, () -> NativeOmsvc.configurationChanged(node, 1, 1, null));
      assertThrows(
          NullPointerException.class,
          () -> NativeOmsvc.configurationChanged(node, 1, 1, new String[] {"om1", null}));
      assertThrows(NullPointerException.class, () -> NativeOmsvc.applyEntry(node, 1, 1, null));
      assertThrows(NullPointerException.class, () -> NativeOmsvc.checkpoint(node, null));
      assertThrows(NullPointerException.class, () -> NativeOmsvc.reinitialize(node, null));
      assertEquals(
          NativeOmsvc.EVENT_CHANGED,
          NativeOmsvc.leaderChanged(node, 1, null),
          "a null leader id means no leader is known");
      assertNull(NativeOmsvc.readConfiguration(node, "absent"));
      assertEquals(2, NativeOmsvc.lastAppliedEntry(node).length);
    } finally {
      NativeOmsvc.nodeFree(node);
    }
  }

  @Test
  void outOfRangeNumbersAndBadStringsAreRefused() {
    long node = NativeOmsvc.nodeOpen("om1", null, false);
    try {
      IllegalArgumentException negativeTerm =
          assertThrows(
              IllegalArgumentException.class, () -> NativeOmsvc.leaderChanged(node, -1, "om1"));
      assertTrue(negativeTerm.getMessage().contains("term must not be negative, got -1"));
      assertThrows(IllegalArgumentException.class, () -> NativeOmsvc.applied(node, 1, -5));
      assertThrows(
          InvalidServiceNameException.class,
          () -> NativeOmsvc.registerService(node, "", new Noop(), 0, 100, 30_000));
      IllegalArgumentException badRetry =
          assertThrows(
              IllegalArgumentException.class,
              () -> NativeOmsvc.registerService(node, "svc", new Noop(), 0, 200, 100));
      assertTrue(
          badRetry.getMessage().contains("initial 200 ms and max 100 ms"), badRetry.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> NativeOmsvc.registerService(node, "svc", new Noop(), 0, 0, 100));
      assertThrows(
          InvalidServiceNameException.class, () -> NativeOmsvc.readConfiguration(node, "a\u0000b"));
      IllegalArgumentException badPeerId =
          assertThrows(
              IllegalArgumentException.class, () -> NativeOmsvc.nodeOpen("", null, false));
      assertTrue(badPeerId.getMessage().contains("invalid peer id"), badPeerId.getMessage());
      assertEquals(0, NativeOmsvc.listConfigurations(node).length);
    } finally {
      NativeOmsvc.nodeFree(node);
    }
  }

  private static final class Noop implements NativeService {
    @Override
    public void start(long epoch) {}

    @Override
    public void stop() {}

    @Override
    public boolean shouldRun() {
      return true;
    }
  }
}
