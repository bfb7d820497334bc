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

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.libomsvc.internal.NativeOmsvc;

/**
 * Every kind of the library's error table names a Java exception that exists, is an {@link
 * OmsvcException} or an {@link IllegalArgumentException}, and can be thrown from native code
 * with a message.
 */
class ErrorTableTest {
  private static final Map<String, String> CLASS_OF_KIND = new HashMap<>();

  @BeforeAll
  static void load() {
    NativeLibrary.ensureLoaded();
    for (String row : NativeOmsvc.errorTable()) {
      String[] fields = row.split(" ");
      assertEquals(3, fields.length, row);
      Integer.parseInt(fields[0]);
      assertEquals(null, CLASS_OF_KIND.put(fields[1], fields[2]), "a name twice: " + row);
    }
  }

  @Test
  void everyClassExistsAndTakesAMessage() throws Exception {
    assertTrue(CLASS_OF_KIND.size() >= 21, CLASS_OF_KIND.toString());
    for (Map.Entry<String, String> kind : CLASS_OF_KIND.entrySet()) {
      Class<?> thrown = Class.forName(kind.getValue());
      assertTrue(
          OmsvcException.class.isAssignableFrom(thrown)
              || thrown == IllegalArgumentException.class,
          kind.getKey() + " throws " + thrown.getName());
      assertNotNull(thrown.getConstructor(String.class), kind.getKey());
    }
  }

  @Test
  void theKindsTheSurfacesOnceDisagreedOnHaveTheirOwnClass() {
    assertEquals(
        CorruptConfigurationException.class.getName(),
        CLASS_OF_KIND.get("CORRUPT_CONFIGURATION"));
    assertEquals(MalformedCommandException.class.getName(), CLASS_OF_KIND.get("MALFORMED_COMMAND"));
    assertEquals(
        IllegalArgumentException.class.getName(), CLASS_OF_KIND.get("INVALID_ARGUMENT"));
    assertEquals(
        InvalidServiceNameException.class.getName(), CLASS_OF_KIND.get("INVALID_NAME"));
  }
}
