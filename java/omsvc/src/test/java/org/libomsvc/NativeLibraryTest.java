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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeOmsvc;

/** Loading the library the jar carries, and its logs reaching slf4j. */
class NativeLibraryTest {
  @Test
  void theBuildPutsTheLibraryWhereTheLoaderLooks() {
    assertEquals(
        "org/libomsvc/native/linux-x86_64/libomsvc_jni.so", NativeLibrary.jarResourceName());
    assertNotNull(
        getClass().getClassLoader().getResource(NativeLibrary.jarResourceName()),
        "the native library in the class path");
  }

  @Test
  void theLoaderSaysWhereItLoadedFrom() {
    String source = NativeLibrary.loadedFrom();
    assertTrue(source.startsWith("jar resource ") || source.startsWith("system property "), source);
    assertTrue(NativeOmsvc.version().matches("\\d+\\.\\d+\\.\\d+.*"), NativeOmsvc.version());
  }

  @Test
  void nativeLogsReachSlf4jWithTheirFields() throws InterruptedException {
    NativeLibrary.ensureLoaded();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      OMServiceManager.open("log-test-node", null, false).close();
      // Records arrive from the native log thread, shortly after the calls that logged them.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!captured.toString(StandardCharsets.UTF_8).contains("self_id=log-test-node")
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("INFO omsvc.omsvc_core::node"), log);
    assertTrue(log.contains("node opened"), log);
    assertTrue(log.contains("self_id=log-test-node"), log);
  }
}
