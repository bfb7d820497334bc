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

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.libomsvc.internal.NativeOmsvc;
import org.libomsvc.internal.Slf4jLogSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the native libomsvc once per JVM and connects its logs to slf4j. It tries, in order:
 *
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY};
 *   <li>{@code System.loadLibrary("omsvc_jni")}: {@code libomsvc_jni.so} in a directory of {@code
 *       java.library.path}, where a distribution installs its native libraries;
 *   <li>the library this jar carries, as resource {@code org/libomsvc/native/<os>-<arch>/<lib>},
 *       extracted to a file in the directory named by the system property {@value
 *       #EXTRACT_DIR_PROPERTY} (default: {@code java.io.tmpdir}; created if missing), and removed
 *       once loaded on systems that allow it.
 * </ol>
 *
 * It logs which one it used; if all fail it throws an {@link UnsatisfiedLinkError} naming each
 * attempt and why it failed. Every class that calls {@link NativeOmsvc} calls {@link
 * #ensureLoaded()} first.
 */
public final class NativeLibrary {
  /** An explicit path to the native library file, tried first. */
  public static final String PATH_PROPERTY = "omsvc.library.path";

  /**
   * The directory the jar's copy of the library is extracted to (it must allow executable
   * mappings); {@code java.io.tmpdir} when unset.
   */
  public static final String EXTRACT_DIR_PROPERTY = "omsvc.library.extract.dir";

  private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
  private static final String LIBRARY_NAME = "omsvc_jni";

  private static volatile String loadedFrom;
  private static UnsatisfiedLinkError failure;

  private NativeLibrary() {}

  /**
   * Loads the library unless already loaded. A failure is remembered: later calls throw the same
   * error again without retrying.
   */
  public static void ensureLoaded() {
    if (loadedFrom == null) {
      load();
    }
  }

  /** Where the library was loaded from (a description), loading it first if needed. */
  public static String loadedFrom() {
    ensureLoaded();
    return loadedFrom;
  }

  private static synchronized void load() {
    if (loadedFrom != null) {
      return;
    }
    if (failure != null) {
      throw failure;
    }
    List<String> attempts = new ArrayList<>();
    String source = loadFromProperty(attempts);
    if (source == null) {
      source = loadFromLibraryPath(attempts);
    }
    if (source == null) {
      source = loadFromJar(attempts);
    }
    if (source == null) {
      failure =
          new UnsatisfiedLinkError(
              "could not load the native libomsvc; tried:\n  " + String.join("\n  ", attempts));
      throw failure;
    }
    Slf4jLogSink.install();
    LOG.info("loaded native libomsvc {} from {}", NativeOmsvc.version(), source);
    loadedFrom = source;
  }

  private static String loadFromProperty(List<String> attempts) {
    String path = System.getProperty(PATH_PROPERTY);
    if (path == null || path.isEmpty()) {
      attempts.add("system property " + PATH_PROPERTY + ": not set");
      return null;
    }
    Path file = Paths.get(path).toAbsolutePath();
    if (!Files.isRegularFile(file)) {
      attempts.add("system property " + PATH_PROPERTY + "=" + path + ": no such file");
      return null;
    }
    try {
      System.load(file.toString());
      return "system property " + PATH_PROPERTY + " (" + file + ")";
    } catch (UnsatisfiedLinkError e) {
      attempts.add("system property " + PATH_PROPERTY + "=" + file + ": " + e.getMessage());
      return null;
    }
  }

  private static String loadFromJar(List<String> attempts) {
    String resource = jarResourceName();
    try (InputStream in = NativeLibrary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        attempts.add(
            "jar resource " + resource + ": not in the class path (no build for this platform?)");
        return null;
      }
      Path file = extract(in);
      try {
        System.load(file.toString());
      } finally {
        deleteExtracted(file);
      }
      return "jar resource " + resource + " (extracted to " + file + ")";
    } catch (IOException e) {
      attempts.add("jar resource " + resource + ": " + e.getMessage());
      return null;
    } catch (UnsatisfiedLinkError e) {
      attempts.add("jar resource " + resource + ": " + e.getMessage());
      return null;
    }
  }

  /** Copies the library into a new file of the extraction directory. */
  private static Path extract(InputStream library) throws IOException {
    Path directory = extractionDirectory();
    String suffix = "-" + System.mapLibraryName(LIBRARY_NAME);
    Path file;
    try {
      file = Files.createTempFile(directory, "libomsvc-", suffix);
    } catch (IOException e) {
      throw new IOException(
          "could not create a file in the extraction directory "
              + directory
              + " (set "
              + EXTRACT_DIR_PROPERTY
              + " to a writable directory): "
              + e,
          e);
    }
    try {
      Files.copy(library, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteExtracted(file);
      throw new IOException("could not extract the library to " + file + ": " + e, e);
    }
    return file;
  }

  /**
   * {@value #EXTRACT_DIR_PROPERTY}, else {@code java.io.tmpdir}; created if missing. The
   * IOException's message names the directory and the property that chose it.
   */
  private static Path extractionDirectory() throws IOException {
    String configured = System.getProperty(EXTRACT_DIR_PROPERTY);
    boolean isSet = configured != null && !configured.isEmpty();
    Path directory =
        Paths.get(isSet ? configured : System.getProperty("java.io.tmpdir")).toAbsolutePath();
    String named =
        "extraction directory "
            + directory
            + " (system property "
            + (isSet ? EXTRACT_DIR_PROPERTY : "java.io.tmpdir")
            + ")";
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new IOException(named + " does not exist and could not be created: " + e, e);
    }
    if (!Files.isWritable(directory)) {
      throw new IOException(
          named + " is not writable; set " + EXTRACT_DIR_PROPERTY + " to a writable directory");
    }
    return directory;
  }

  /** Unix keeps a loaded library mapped after its file is removed; elsewhere, remove at exit. */
  private static void deleteExtracted(Path file) {
    try {
      if (isWindows()) {
        file.toFile().deleteOnExit();
      } else {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      LOG.debug("could not remove the extracted library {}", file, e);
      file.toFile().deleteOnExit();
    }
  }

  private static String loadFromLibraryPath(List<String> attempts) {
    try {
      System.loadLibrary(LIBRARY_NAME);
      return "System.loadLibrary(\"" + LIBRARY_NAME + "\") (java.library.path)";
    } catch (UnsatisfiedLinkError e) {
      attempts.add(
          "System.loadLibrary(\""
              + LIBRARY_NAME
              + "\") with java.library.path="
              + System.getProperty("java.library.path")
              + ": "
              + e.getMessage());
      return null;
    }
  }

  /**
   * {@code org/libomsvc/native/linux-x86_64/libomsvc_jni.so} on the platform the jar is built
   * for.
   */
  static String jarResourceName() {
    return "org/libomsvc/native/" + platform() + "/" + System.mapLibraryName(LIBRARY_NAME);
  }

  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName =
        os.startsWith("linux")
            ? "linux"
            : os.startsWith("mac") ? "darwin" : isWindows() ? "windows" : os;
    String archName =
        arch.equals("amd64") || arch.equals("x86_64")
            ? "x86_64"
            : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
    return osName + "-" + archName;
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  }
}
