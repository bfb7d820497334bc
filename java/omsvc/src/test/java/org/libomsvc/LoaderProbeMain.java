package org.libomsvc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Run in a child JVM by {@link NativeLibraryLoadingTest}: prints where the loader says the library
 * came from, and the file the process actually mapped (from /proc/self/maps).
 */
public final class LoaderProbeMain {
  private LoaderProbeMain() {}

  public static void main(String[] args) throws IOException {
    try {
      System.out.println("LOADED FROM " + NativeLibrary.loadedFrom());
    } catch (UnsatisfiedLinkError e) {
      System.out.println("FAILED " + e.getMessage());
    }
    try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
      maps.map(line -> line.substring(line.indexOf('/') < 0 ? line.length() : line.indexOf('/')))
          .filter(file -> file.contains("libomsvc"))
          .distinct()
          .forEach(file -> System.out.println("MAPPED " + file));
    }
  }
}
