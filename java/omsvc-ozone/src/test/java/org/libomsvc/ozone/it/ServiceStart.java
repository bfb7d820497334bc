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

package org.libomsvc.ozone.it;

/** What one OM saw when libomsvc started {@link EpochWriterService} there. */
final class ServiceStart {
  final String omId;
  final long epoch;
  /** Whether the OM's own Ratis server reported itself the ready leader. */
  final boolean omLeaderReady;
  /** The leadership's barrier, as libomsvc reports it. */
  final long barrier;
  /** OM's flushed position (the double buffer's last write to the OM DB). */
  final long flushedIndex;
  /** The volume created last before the leadership change; null if none was expected. */
  final String expectedVolume;
  /** Whether that volume was in the OM DB itself (not only in the table cache). */
  final boolean expectedVolumeInDb;

  ServiceStart(
      String omId,
      long epoch,
      boolean omLeaderReady,
      long barrier,
      long flushedIndex,
      String expectedVolume,
      boolean expectedVolumeInDb) {
    this.omId = omId;
    this.epoch = epoch;
    this.omLeaderReady = omLeaderReady;
    this.barrier = barrier;
    this.flushedIndex = flushedIndex;
    this.expectedVolume = expectedVolume;
    this.expectedVolumeInDb = expectedVolumeInDb;
  }

  @Override
  public String toString() {
    return omId
        + " epoch "
        + epoch
        + (omLeaderReady ? " ready" : " NOT ready")
        + ", barrier "
        + barrier
        + ", flushed "
        + flushedIndex
        + (expectedVolume == null
            ? ""
            : ", volume " + expectedVolume + (expectedVolumeInDb ? " in DB" : " MISSING"));
  }
}
