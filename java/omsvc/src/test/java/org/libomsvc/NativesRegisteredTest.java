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

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeOmsvc;

/**
 * Every {@code native} method declared in the jar's classes is registered by the library's
 * {@code JNI_OnLoad}, with the same signature, and nothing else is: the load itself refuses a
 * registration Java does not declare, but a declaration without a registration would fail only
 * at its first call ({@code UnsatisfiedLinkError}).
 */
class NativesRegisteredTest {
  @Test
  void everyDeclaredNativeIsRegisteredWithItsSignature() throws Exception {
    NativeLibrary.ensureLoaded();
    Set<String> declared = declaredNatives();
    Set<String> registered = new TreeSet<>(Arrays.asList(NativeOmsvc.registeredNatives()));
    assertTrue(
        declared.contains("org.libomsvc.internal.NativeOmsvc.version()Ljava/lang/String;"),
        "the scan finds the natives: " + declared);
    Set<String> unregistered = new TreeSet<>(declared);
    unregistered.removeAll(registered);
    Set<String> undeclared = new TreeSet<>(registered);
    undeclared.removeAll(declared);
    assertTrue(
        unregistered.isEmpty() && undeclared.isEmpty(),
        "declared in Java, not registered by the library: "
            + unregistered
            + "; registered, not declared: "
            + undeclared);
  }

  /** {@code class.name(signature)} of every native method in the main classes directory. */
  private static Set<String> declaredNatives() throws Exception {
    Path classes =
        Paths.get(NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes), "the main classes directory: " + classes);
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String relative = classes.relativize(file).toString();
        if (relative.endsWith(".class")) {
          names.add(relative.substring(0, relative.length() - 6).replace('/', '.'));
        }
      }
    }
    Set<String> natives = new TreeSet<>();
    ClassLoader loader = NativesRegisteredTest.class.getClassLoader();
    for (String name : names) {
      Class<?> type = Class.forName(name, false, loader);
      for (Method method : type.getDeclaredMethods()) {
        if (Modifier.isNative(method.getModifiers())) {
          natives.add(type.getName() + "." + method.getName() + signature(method));
        }
      }
    }
    return natives;
  }

  /** The JNI signature, e.g. {@code (JLjava/lang/String;)I}. */
  private static String signature(Method method) {
    StringBuilder signature = new StringBuilder("(");
    for (Class<?> parameter : method.getParameterTypes()) {
      signature.append(descriptor(parameter));
    }
    return signature.append(')').append(descriptor(method.getReturnType())).toString();
  }

  private static String descriptor(Class<?> type) {
    if (type.isArray()) {
      return type.getName().replace('.', '/');
    }
    if (!type.isPrimitive()) {
      return "L" + type.getName().replace('.', '/') + ";";
    }
    switch (type.getName()) {
      case "boolean":
        return "Z";
      case "byte":
        return "B";
      case "char":
        return "C";
      case "short":
        return "S";
      case "int":
        return "I";
      case "long":
        return "J";
      case "float":
        return "F";
      case "double":
        return "D";
      case "void":
        return "V";
      default:
        throw new IllegalArgumentException("not a primitive type: " + type);
    }
  }
}
