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

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.ozone.om.OzoneManager;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ozone.OzoneLeadershipBridge;
import org.libomsvc.testkit.FencedRegister;

/**
 * The services {@link OzoneManagerHaIT} installs in every OM, and what they share across OMs: the
 * fenced register, the volume a new leader's service must find, and the record of every start.
 */
final class ScenarioServices implements BridgedOmCluster.ServiceInstaller {
  final FencedRegister register = new FencedRegister();
  final AtomicReference<String> expectedVolume = new AtomicReference<>();
  final List<ServiceStart> starts = new CopyOnWriteArrayList<>();
  private final Map<String, OzoneStyleService> ozoneStyle = new ConcurrentHashMap<>();

  @Override
  public void install(OzoneManager om, OzoneLeadershipBridge bridge) {
    OMServiceManager manager = bridge.getServiceManager();
    manager.register(new EpochWriterService(om, manager, register, expectedVolume, starts));
    OzoneStyleService service = new OzoneStyleService(om);
    bridge.register(service);
    ozoneStyle.put(om.getOMNodeId(), service);
  }

  /** The Ozone-contract service of the OM {@code omId}. */
  OzoneStyleService ozoneStyle(String omId) {
    return ozoneStyle.get(omId);
  }
}
