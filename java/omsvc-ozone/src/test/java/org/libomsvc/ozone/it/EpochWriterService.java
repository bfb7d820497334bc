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

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.ozone.om.OMMetadataManager;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.libomsvc.OMService;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceEpoch;
import org.libomsvc.testkit.FencedRegister;

/**
 * A libomsvc leader-only service inside an OM: at start it records what the OM saw (leader-ready,
 * barrier, flushed position, whether the last volume created is in the OM DB), then writes its
 * epoch to a register outside the Raft group every few milliseconds while its epoch is current.
 */
final class EpochWriterService implements OMService {
  static final String NAME = "EpochWriter";

  private final OzoneManager om;
  private final OMServiceManager manager;
  private final FencedRegister register;
  private final AtomicReference<String> expectedVolume;
  private final List<ServiceStart> starts;
  private volatile Thread writer;

  EpochWriterService(
      OzoneManager om,
      OMServiceManager manager,
      FencedRegister register,
      AtomicReference<String> expectedVolume,
      List<ServiceStart> starts) {
    this.om = om;
    this.manager = manager;
    this.register = register;
    this.expectedVolume = expectedVolume;
    this.starts = starts;
  }

  @Override
  public String getServiceName() {
    return NAME;
  }

  @Override
  public void start(ServiceEpoch epoch) throws IOException {
    String volume = expectedVolume.get();
    starts.add(
        new ServiceStart(
            om.getOMNodeId(),
            epoch.getEpoch(),
            om.isLeaderReady(),
            manager.getStatus().barrier(),
            om.getOmRatisServer().getOmStateMachine().getLastAppliedTermIndex().getIndex(),
            volume,
            volume != null && volumeInDb(volume)));
    Thread thread = new Thread(() -> writeWhileCurrent(epoch), "epoch-writer-" + om.getOMNodeId());
    thread.setDaemon(true);
    writer = thread;
    thread.start();
  }

  private boolean volumeInDb(String volume) throws IOException {
    OMMetadataManager metadata = om.getMetadataManager();
    return metadata.getVolumeTable().getSkipCache(metadata.getVolumeKey(volume)) != null;
  }

  private void writeWhileCurrent(ServiceEpoch epoch) {
    while (epoch.isCurrent()) {
      register.write(epoch.getEpoch(), om.getOMNodeId());
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void stop() throws InterruptedException {
    Thread thread = writer;
    if (thread != null) {
      thread.interrupt();
      thread.join();
    }
  }
}
