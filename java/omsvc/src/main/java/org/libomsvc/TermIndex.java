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

/** A log entry's position: (term, index), as Ratis's {@code TermIndex}. A value: equal by both. */
public final class TermIndex {
  private final long term;
  private final long index;

  public TermIndex(long term, long index) {
    this.term = term;
    this.index = index;
  }

  public long term() {
    return term;
  }

  public long index() {
    return index;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof TermIndex)) {
      return false;
    }
    TermIndex that = (TermIndex) other;
    return term == that.term && index == that.index;
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(term) + Long.hashCode(index);
  }

  @Override
  public String toString() {
    return "(t:" + term + ", i:" + index + ")";
  }
}
