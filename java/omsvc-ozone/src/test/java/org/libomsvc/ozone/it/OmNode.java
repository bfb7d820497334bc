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

import org.apache.hadoop.ozone.om.OzoneManager;
import org.libomsvc.ServiceStatus;
import org.libomsvc.ozone.OzoneLeadershipBridge;

/** One OM of the test cluster with the bridge and the services installed in it. */
final class OmNode {
  final OzoneManager om;
  final OzoneLeadershipBridge bridge;

  OmNode(OzoneManager om, OzoneLeadershipBridge bridge) {
    this.om = om;
    this.bridge = bridge;
  }

  String id() {
    return om.getOMNodeId();
  }

  ServiceStatus status(String service) {
    return bridge.getServiceManager().getServiceStatus(service);
  }

  boolean runs(String service) {
    return status(service) == ServiceStatus.RUNNING;
  }

  long epoch(String service) {
    return bridge.getServiceManager().getStatus().service(service).epoch();
  }

  long startCount(String service) {
    return bridge.getServiceManager().getStatus().service(service).startCount();
  }
}
