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

package org.libomsvc.ozone;

/** When this OM last became the ready leader, and in which term. */
final class LeadershipTimeline {
  /** {@link #readyAtMillis(long)} for a term this OM was not ready in. */
  static final long NEVER = -1;

  private long readyTerm;
  private long readyAtMillis = NEVER;

  synchronized void leaderReady(long term, long atUnixMillis) {
    readyTerm = term;
    readyAtMillis = atUnixMillis;
  }

  /** When this OM became the ready leader of {@code term}, or {@link #NEVER}. */
  synchronized long readyAtMillis(long term) {
    return term == readyTerm ? readyAtMillis : NEVER;
  }
}
