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
