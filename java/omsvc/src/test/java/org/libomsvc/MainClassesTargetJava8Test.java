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
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every class the jar ships (target/classes, the generated protobuf classes included) is Java 8
 * bytecode, so it loads in Apache Ozone's Java 8 builds and runtimes.
 */
class MainClassesTargetJava8Test {
  private static final int JAVA_8_MAJOR_VERSION = 52;

  @Test
  void everyMainClassIsJava8Bytecode() throws Exception {
    Path classes =
        Paths.get(NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes), "the main classes directory: " + classes);
    List<String> checked = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (!file.toString().endsWith(".class")) {
          continue;
        }
        String name = classes.relativize(file).toString();
        checked.add(name);
        int major = majorVersion(file);
        if (major != JAVA_8_MAJOR_VERSION) {
          wrong.add(name + " has major version " + major);
        }
      }
    }
    assertTrue(checked.contains("org/libomsvc/NativeLibrary.class"), checked.toString());
    assertTrue(
        checked.contains("org/libomsvc/proto/ServiceConfiguration.class"), checked.toString());
    assertEquals(List.of(), wrong);
  }

  private static int majorVersion(Path classFile) throws IOException {
    try (InputStream in = Files.newInputStream(classFile);
        DataInputStream data = new DataInputStream(in)) {
      assertEquals(0xCAFEBABE, data.readInt(), classFile + " is not a class file");
      data.readUnsignedShort(); // minor version
      return data.readUnsignedShort();
    }
  }
}
