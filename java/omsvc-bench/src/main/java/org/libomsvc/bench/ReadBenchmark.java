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

package org.libomsvc.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.libomsvc.OMServiceManager;
import org.libomsvc.OMSetServiceConfigurationRequest;
import org.libomsvc.OMStatefulServiceStateManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** Reading a 1 KiB configuration through JNI, against a rocksdbjni get of a 1 KiB value. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReadBenchmark {
  static final String NAME = "KeyLifecycleService";

  @State(Scope.Benchmark)
  public static class NativeTable {
    private Path dir;
    private OMServiceManager node;
    OMStatefulServiceStateManager table;

    @Setup
    public void open() {
      dir = TempDirs.create("omsvc-bench-read-");
      node = OMServiceManager.open("om1", dir.resolve("db"), false);
      table = node.getStateManager();
      table.apply(
          1, 1, OMSetServiceConfigurationRequest.of(NAME, TempDirs.kibibyte()).toByteArray());
    }

    @TearDown
    public void close() {
      node.close();
      TempDirs.delete(dir);
    }
  }

  @State(Scope.Benchmark)
  public static class JavaRocksDb {
    private Path dir;
    private Options options;
    RocksDB db;
    final byte[] key = NAME.getBytes(StandardCharsets.UTF_8);

    @Setup
    public void open() throws RocksDBException {
      RocksDB.loadLibrary();
      dir = TempDirs.create("omsvc-bench-rocksdbjni-");
      options = new Options().setCreateIfMissing(true);
      db = RocksDB.open(options, dir.resolve("db").toString());
      db.put(key, TempDirs.kibibyte());
    }

    @TearDown
    public void close() {
      db.close();
      options.close();
      TempDirs.delete(dir);
    }
  }

  @Benchmark
  public Optional<byte[]> jni_read_1k(NativeTable table) {
    return table.table.read(NAME);
  }

  @Benchmark
  public byte[] rocksdbjni_get_1k(JavaRocksDb rocksdb) throws RocksDBException {
    return rocksdb.db.get(rocksdb.key);
  }
}
