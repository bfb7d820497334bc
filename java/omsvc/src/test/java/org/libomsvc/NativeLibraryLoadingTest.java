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

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader's three sources, each in a fresh JVM, in their order: the explicit path property,
 * System.loadLibrary, the jar resource extracted to its directory; and the error naming every
 * attempt when all fail. The probe reports the file the JVM mapped, so each case checks which copy
 * of the library was really loaded, not only what the loader says.
 */
class NativeLibraryLoadingTest {
  private static final String JAR_RESOURCE = "org/libomsvc/native/linux-x86_64/libomsvc_jni.so";

  @TempDir Path dir;

  private static Path builtLibrary() throws URISyntaxException {
    return Paths.get(
        NativeLibraryLoadingTest.class
            .getClassLoader()
            .getResource(NativeLibrary.jarResourceName())
            .toURI());
  }

  /** A directory for java.library.path holding its own copy of the library. */
  private Path libraryPathDir() throws IOException, URISyntaxException {
    Path libraryDir = Files.createDirectories(dir.resolve("library-path"));
    Files.copy(builtLibrary(), libraryDir.resolve("libomsvc_jni.so"));
    return libraryDir.toRealPath();
  }

  @Test
  void theExplicitPathPropertyComesFirst() throws Exception {
    Path built = builtLibrary().toRealPath();
    String out =
        probe(
            classPath(),
            "-D" + NativeLibrary.PATH_PROPERTY + "=" + built,
            "-Djava.library.path=" + libraryPathDir());
    assertTrue(out.contains("LOADED FROM system property omsvc.library.path (" + built + ")"), out);
    assertEquals(List.of(built.toString()), mapped(out), out);
  }

  @Test
  void theLibraryPathComesBeforeTheJar() throws Exception {
    Path libraryDir = libraryPathDir();
    String out = probe(classPath(), "-Djava.library.path=" + libraryDir);
    assertTrue(
        out.contains("LOADED FROM System.loadLibrary(\"omsvc_jni\") (java.library.path)"), out);
    assertEquals(List.of(libraryDir.resolve("libomsvc_jni.so").toString()), mapped(out), out);
  }

  @Test
  void aMissingExplicitFileFallsBackToTheLibraryPath() throws Exception {
    Path libraryDir = libraryPathDir();
    String out =
        probe(
            classPath(),
            "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libomsvc_jni.so",
            "-Djava.library.path=" + libraryDir);
    assertTrue(out.contains("LOADED FROM System.loadLibrary(\"omsvc_jni\")"), out);
    assertEquals(List.of(libraryDir.resolve("libomsvc_jni.so").toString()), mapped(out), out);
  }

  @Test
  void withoutTheLibraryPathTheJarCopyIsExtractedToTheTempDirAndRemoved() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("java-io-tmpdir")).toRealPath();
    String out =
        probe(classPath(), "-Djava.library.path=/nonexistent", "-Djava.io.tmpdir=" + tmp);
    assertTrue(
        out.contains("LOADED FROM jar resource " + JAR_RESOURCE + " (extracted to " + tmp + "/"),
        out);
    assertExtractedInto(tmp, out);
  }

  @Test
  void theExtractDirPropertyChoosesWhereTheJarCopyGoesAndIsCreated() throws Exception {
    Path extractDir = dir.resolve("extract").resolve("nested");
    String out =
        probe(
            classPath(),
            "-Djava.library.path=/nonexistent",
            "-D" + NativeLibrary.EXTRACT_DIR_PROPERTY + "=" + extractDir);
    assertTrue(Files.isDirectory(extractDir), "the extract dir was created");
    assertTrue(
        out.contains(
            "LOADED FROM jar resource " + JAR_RESOURCE + " (extracted to " + extractDir + "/"),
        out);
    assertExtractedInto(extractDir.toRealPath(), out);
  }

  @Test
  void anExtractDirThatCannotBeCreatedIsNamedInTheError() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "not a directory");
    Path extractDir = notADirectory.resolve("sub");
    String out =
        probe(
            classPath(),
            "-Djava.library.path=/nonexistent",
            "-D" + NativeLibrary.EXTRACT_DIR_PROPERTY + "=" + extractDir);
    assertTrue(out.contains("FAILED could not load the native libomsvc; tried:"), out);
    assertTrue(
        out.contains(
            "jar resource "
                + JAR_RESOURCE
                + ": extraction directory "
                + extractDir
                + " (system property omsvc.library.extract.dir) does not exist and could not be"
                + " created: "),
        out);
    assertEquals(List.of(), mapped(out), out);
  }

  @Test
  void whenEverySourceFailsTheErrorNamesEachAttemptInOrder() throws Exception {
    String out =
        probe(
            classPathWithoutNativeResource(),
            "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libomsvc_jni.so",
            "-Djava.library.path=/nonexistent");
    assertTrue(out.contains("FAILED could not load the native libomsvc; tried:"), out);
    int property =
        out.indexOf(
            "system property omsvc.library.path=/nonexistent/libomsvc_jni.so: no such file");
    int libraryPath =
        out.indexOf("System.loadLibrary(\"omsvc_jni\") with java.library.path=/nonexistent: ");
    int jar = out.indexOf("jar resource " + JAR_RESOURCE + ": not in the class path");
    assertTrue(property >= 0 && libraryPath >= 0 && jar >= 0, out);
    assertTrue(property < libraryPath && libraryPath < jar, out);
    assertEquals(List.of(), mapped(out), out);
  }

  /** One extracted file, mapped from the directory and already removed from it. */
  private static void assertExtractedInto(Path directory, String out) throws IOException {
    List<String> mapped = mapped(out);
    assertEquals(1, mapped.size(), out);
    String file = mapped.get(0);
    assertTrue(file.startsWith(directory + "/libomsvc-"), out);
    assertTrue(file.endsWith("-libomsvc_jni.so (deleted)"), out);
    try (Stream<Path> left = Files.list(directory)) {
      assertEquals(0, left.count(), "the extracted file is removed once loaded");
    }
  }

  /** The library files the probe JVM mapped. */
  private static List<String> mapped(String out) {
    List<String> files = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("MAPPED ")) {
        files.add(line.substring("MAPPED ".length()));
      }
    }
    return files;
  }

  private String probe(String classPath, String... properties) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(properties));
    command.addAll(List.of("-cp", classPath, LoaderProbeMain.class.getName()));
    Path output = dir.resolve("probe.log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not end");
    String out = Files.readString(output, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), out);
    return out;
  }

  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null ? surefire : System.getProperty("java.class.path");
  }

  /** The test class path with target/classes replaced by a copy without the native library. */
  private String classPathWithoutNativeResource() throws IOException, URISyntaxException {
    Path classes = builtLibrary();
    for (int i = 0; i < NativeLibrary.jarResourceName().split("/").length; i++) {
      classes = classes.getParent();
    }
    Path copy = dir.resolve("classes");
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = copy.resolve(classes.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else if (!file.getFileName().toString().equals("libomsvc_jni.so")) {
          Files.copy(file, target);
        }
      }
    }
    List<String> entries = new ArrayList<>();
    for (String entry : classPath().split(File.pathSeparator)) {
      entries.add(Paths.get(entry).equals(classes) ? copy.toString() : entry);
    }
    assertTrue(entries.contains(copy.toString()), "target/classes in " + entries);
    return String.join(File.pathSeparator, entries);
  }
}
