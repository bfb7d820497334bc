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
 * The loader's three sources, each in a fresh JVM: the explicit path property, the jar resource,
 * System.loadLibrary; and the error naming every attempt when all fail.
 */
class NativeLibraryLoadingTest {
  @TempDir Path dir;

  private static Path builtLibrary() throws URISyntaxException {
    return Paths.get(
        NativeLibraryLoadingTest.class
            .getClassLoader()
            .getResource(NativeLibrary.jarResourceName())
            .toURI());
  }

  @Test
  void theExplicitPathPropertyComesFirst() throws Exception {
    String out = probe(classPath(), "-D" + NativeLibrary.PATH_PROPERTY + "=" + builtLibrary());
    assertTrue(
        out.contains("LOADED FROM system property omsvc.library.path (" + builtLibrary()), out);
  }

  @Test
  void aMissingExplicitFileFallsBackToTheJarResource() throws Exception {
    String out =
        probe(classPath(), "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libomsvc.so");
    assertTrue(
        out.contains("LOADED FROM jar resource org/libomsvc/native/linux-x86_64/libomsvc.so"), out);
  }

  @Test
  void withoutTheResourceItUsesTheLibraryPath() throws Exception {
    String out =
        probe(
            classPathWithoutNativeResource(), "-Djava.library.path=" + builtLibrary().getParent());
    assertTrue(out.contains("LOADED FROM System.loadLibrary(\"omsvc\")"), out);
  }

  @Test
  void whenEverySourceFailsTheErrorNamesEachAttempt() throws Exception {
    String out =
        probe(
            classPathWithoutNativeResource(),
            "-D" + NativeLibrary.PATH_PROPERTY + "=/nonexistent/libomsvc.so",
            "-Djava.library.path=/nonexistent");
    assertTrue(out.contains("FAILED could not load the native libomsvc; tried:"), out);
    assertTrue(
        out.contains("system property omsvc.library.path=/nonexistent/libomsvc.so: no such file"),
        out);
    assertTrue(
        out.contains(
            "jar resource org/libomsvc/native/linux-x86_64/libomsvc.so: not in the"
                + " class path"),
        out);
    assertTrue(
        out.contains("System.loadLibrary(\"omsvc\") with java.library.path=/nonexistent: "), out);
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
        } else if (!file.getFileName().toString().equals("libomsvc.so")) {
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
