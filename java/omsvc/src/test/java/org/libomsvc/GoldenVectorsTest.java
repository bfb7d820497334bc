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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.libomsvc.proto.DeleteServiceConfigurationRequest;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.ServiceConfigurationResponse;
import org.libomsvc.proto.SetRunControlRequest;
import org.libomsvc.proto.SetServiceConfigurationRequest;
import org.libomsvc.proto.TransactionInfo;

/**
 * The golden encodings under tests/vectors/ (written by the Rust side, see tests/vectors.rs): the
 * Java classes generated from the same proto build each manifest line into exactly those bytes, and
 * decode and re-encode each file byte for byte.
 */
class GoldenVectorsTest {
  private static final Path VECTORS = Paths.get(System.getProperty("omsvc.vectors.dir"));

  record Vector(String file, String message, Map<String, String> fields) {}

  @Test
  void everyVectorEncodesToItsGoldenBytesAndDecodesBack() throws IOException {
    List<Vector> vectors = manifest();
    assertEquals(14, vectors.size(), "vectors in manifest.tsv");
    for (Vector vector : vectors) {
      byte[] golden = Files.readAllBytes(VECTORS.resolve(vector.file()));
      assertArrayEquals(golden, build(vector).toByteArray(), vector.file() + ": encoding differs");
      assertArrayEquals(
          golden, decode(vector.message(), golden).toByteArray(), vector.file() + ": re-encoding");
    }
  }

  @Test
  void theRequestClassesProduceTheGoldenBytes() throws IOException {
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("set_small.bin")),
        OMSetServiceConfigurationRequest.of(
                "KeyLifecycleService", "suspended".getBytes(StandardCharsets.UTF_8))
            .toByteArray());
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("delete.bin")),
        OMDeleteServiceConfigurationRequest.of("KeyLifecycleService").toByteArray());
    byte[] large = Files.readAllBytes(VECTORS.resolve("set_large_configuration.bin"));
    OMServiceConfigurationRequest parsed = OMServiceConfigurationRequest.fromLogEntry(large);
    assertEquals("ContainerBalancer", parsed.getServiceName());
    assertArrayEquals(large, parsed.toByteArray());
  }

  @Test
  void stampedWritesAndRunControlProduceTheGoldenBytes() throws IOException {
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("set_stamped.bin")),
        OMSetServiceConfigurationRequest.of(
                "KeyLifecycleService", "position-16".getBytes(StandardCharsets.UTF_8))
            .stampedWith(16)
            .toByteArray());
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("set_stamped_epoch_zero.bin")),
        OMSetServiceConfigurationRequest.of("KeyLifecycleService", new byte[0])
            .stampedWith(0)
            .toByteArray());
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("delete_stamped.bin")),
        OMDeleteServiceConfigurationRequest.of("KeyLifecycleService")
            .stampedWith(4294967297L)
            .toByteArray());
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("run_control_stop.bin")),
        OMSetRunControlRequest.of("KeyLifecycleService", false).toByteArray());
    assertArrayEquals(
        Files.readAllBytes(VECTORS.resolve("run_control_start.bin")),
        OMSetRunControlRequest.of("KeyLifecycleService", true).toByteArray());
    byte[] stamped = Files.readAllBytes(VECTORS.resolve("delete_stamped.bin"));
    assertEquals(
        4294967297L,
        OMServiceConfigurationRequest.fromLogEntry(stamped).getWriterEpoch().getAsLong());
    assertArrayEquals(stamped, OMServiceConfigurationRequest.fromLogEntry(stamped).toByteArray());
  }

  private static List<Vector> manifest() throws IOException {
    List<Vector> vectors = new ArrayList<>();
    for (String line :
        Files.readAllLines(VECTORS.resolve("manifest.tsv"), StandardCharsets.UTF_8)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] columns = line.split("\t", -1);
      Map<String, String> fields = new HashMap<>();
      for (int i = 2; i < columns.length; i++) {
        int equals = columns[i].indexOf('=');
        fields.put(columns[i].substring(0, equals), columns[i].substring(equals + 1));
      }
      vectors.add(new Vector(columns[0], columns[1], fields));
    }
    return vectors;
  }

  private static MessageLite build(Vector vector) {
    Map<String, String> fields = vector.fields();
    switch (vector.message()) {
      case "ServiceConfigurationCommand.set":
        return withWriterEpoch(
                ServiceConfigurationCommand.newBuilder()
                    .setSet(
                        SetServiceConfigurationRequest.newBuilder()
                            .setServiceName(fields.get("service_name"))
                            .setConfiguration(configuration(fields.get("configuration")))),
                fields)
            .build();
      case "ServiceConfigurationCommand.delete":
        return withWriterEpoch(
                ServiceConfigurationCommand.newBuilder()
                    .setDelete(
                        DeleteServiceConfigurationRequest.newBuilder()
                            .setServiceName(fields.get("service_name"))),
                fields)
            .build();
      case "ServiceConfigurationCommand.set_run_control":
        return withWriterEpoch(
                ServiceConfigurationCommand.newBuilder()
                    .setSetRunControl(
                        SetRunControlRequest.newBuilder()
                            .setServiceName(fields.get("service_name"))
                            .setShouldRun(Boolean.parseBoolean(fields.get("should_run")))),
                fields)
            .build();
      case "TransactionInfo":
        return transactionInfo(fields);
      case "ServiceConfigurationResponse":
        return ServiceConfigurationResponse.newBuilder()
            .setOutcome(ServiceConfigurationResponse.Outcome.valueOf(fields.get("outcome")))
            .setTransactionInfo(transactionInfo(fields))
            .setError(fields.get("error"))
            .build();
      default:
        throw new IllegalArgumentException("unknown message " + vector.message());
    }
  }

  /** A writer epoch is present only where the manifest line has one (0 is a value). */
  private static ServiceConfigurationCommand.Builder withWriterEpoch(
      ServiceConfigurationCommand.Builder command, Map<String, String> fields) {
    String epoch = fields.get("writer_epoch");
    return epoch == null ? command : command.setWriterEpoch(Long.parseUnsignedLong(epoch));
  }

  private static TransactionInfo transactionInfo(Map<String, String> fields) {
    return TransactionInfo.newBuilder()
        .setTerm(Long.parseUnsignedLong(fields.get("term")))
        .setIndex(Long.parseUnsignedLong(fields.get("index")))
        .build();
  }

  private static MessageLite decode(String message, byte[] bytes) throws IOException {
    if (message.startsWith("ServiceConfigurationCommand")) {
      return ServiceConfigurationCommand.parseFrom(bytes);
    }
    if (message.equals("TransactionInfo")) {
      return TransactionInfo.parseFrom(bytes);
    }
    return ServiceConfigurationResponse.parseFrom(bytes);
  }

  /** The manifest's configuration specs: empty | utf8:text | hex:bytes | pattern:n. */
  private static ByteString configuration(String spec) {
    int colon = spec.indexOf(':');
    String kind = colon < 0 ? spec : spec.substring(0, colon);
    String value = colon < 0 ? "" : spec.substring(colon + 1);
    switch (kind) {
      case "empty":
        return ByteString.EMPTY;
      case "utf8":
        return ByteString.copyFromUtf8(value);
      case "hex":
        return ByteString.copyFrom(HexFormat.of().parseHex(value));
      case "pattern":
        byte[] bytes = new byte[Integer.parseInt(value)];
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = (byte) (i % 251);
        }
        return ByteString.copyFrom(bytes);
      default:
        throw new IllegalArgumentException("unknown configuration spec " + spec);
    }
  }
}
