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

package org.libomsvc.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A store outside the Raft group that fences writers by epoch, as an external system guarding
 * against a deposed leader would: a write with an epoch below the highest seen is refused, and a
 * second writer in the same epoch is recorded as a conflict.
 */
public final class FencedRegister {
  private long highestEpoch;
  private String holder;
  private int writes;
  private final List<String> refusals = new ArrayList<>();
  private final List<String> sameEpochConflicts = new ArrayList<>();

  /** Returns false (and records why) when the write is refused. */
  public synchronized boolean write(long epoch, String writer) {
    writes++;
    if (epoch < highestEpoch) {
      refusals.add(
          writer + " wrote epoch " + epoch + " after " + holder + " wrote " + highestEpoch);
      return false;
    }
    if (epoch == highestEpoch && !writer.equals(holder)) {
      sameEpochConflicts.add(writer + " and " + holder + " both wrote epoch " + epoch);
    }
    highestEpoch = epoch;
    holder = writer;
    return true;
  }

  public synchronized int writes() {
    return writes;
  }

  /** The highest epoch written so far; 0 before the first write. */
  public synchronized long highestEpoch() {
    return highestEpoch;
  }

  public synchronized List<String> refusals() {
    return Collections.unmodifiableList(new ArrayList<>(refusals));
  }

  public synchronized List<String> sameEpochConflicts() {
    return Collections.unmodifiableList(new ArrayList<>(sameEpochConflicts));
  }
}
