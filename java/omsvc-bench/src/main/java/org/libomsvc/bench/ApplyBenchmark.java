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
import java.util.concurrent.TimeUnit;
import org.libomsvc.ApplyOutcome;
import org.libomsvc.OMServiceManager;
import org.libomsvc.OMSetServiceConfigurationRequest;
import org.libomsvc.OMStatefulServiceStateManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * Applying a 1 KiB SetServiceConfiguration entry (a new index each time) through JNI, against the
 * same 1 KiB put done in Java with rocksdbjni into a fresh database with the same sync setting.
 * Each benchmark opens only its own database, in its own fork.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ApplyBenchmark {
  static final String NAME = "KeyLifecycleService";

  @State(Scope.Benchmark)
  public static class NativeTable {
    @Param({"true", "false"})
    public boolean sync;

    private Path dir;
    private OMServiceManager node;
    OMStatefulServiceStateManager table;
    byte[] request;
    long index;

    @Setup
    public void open() {
      dir = TempDirs.create("omsvc-bench-apply-");
      node = OMServiceManager.open("om1", dir.resolve("db"), sync);
      table = node.getStateManager();
      request = OMSetServiceConfigurationRequest.of(NAME, TempDirs.kibibyte()).toByteArray();
    }

    @TearDown
    public void close() {
      node.close();
      TempDirs.delete(dir);
    }
  }

  @State(Scope.Benchmark)
  public static class JavaRocksDb {
    @Param({"true", "false"})
    public boolean sync;

    private Path dir;
    private Options options;
    private WriteOptions writeOptions;
    RocksDB db;
    final byte[] key = NAME.getBytes(StandardCharsets.UTF_8);
    final byte[] value = TempDirs.kibibyte();

    @Setup
    public void open() throws RocksDBException {
      RocksDB.loadLibrary();
      dir = TempDirs.create("omsvc-bench-rocksdbjni-");
      options = new Options().setCreateIfMissing(true);
      db = RocksDB.open(options, dir.resolve("db").toString());
      writeOptions = new WriteOptions().setSync(sync);
    }

    void put() throws RocksDBException {
      db.put(writeOptions, key, value);
    }

    @TearDown
    public void close() {
      db.close();
      writeOptions.close();
      options.close();
      TempDirs.delete(dir);
    }
  }

  @Benchmark
  public ApplyOutcome jni_apply_1k(NativeTable table) {
    return table.table.apply(1, ++table.index, table.request);
  }

  @Benchmark
  public void rocksdbjni_put_1k(JavaRocksDb rocksdb) throws RocksDBException {
    rocksdb.put();
  }
}
