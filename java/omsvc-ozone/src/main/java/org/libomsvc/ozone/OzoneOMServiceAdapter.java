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

import java.util.Objects;
import org.libomsvc.ServiceEpoch;

/**
 * Runs a service written to Ozone's contract, an {@link org.apache.hadoop.ozone.om.ha.OMService},
 * unchanged under libomsvc's runner: it is a libomsvc {@link org.libomsvc.OMService} whose {@code
 * start} and {@code stop} call the Ozone service's. The runner, not the Ozone service, decides when
 * it runs: on the ready leader, once OM flushed every entry before the barrier, while its persisted
 * run control says run. An {@link org.apache.hadoop.ozone.om.ha.OMServiceException} from {@code
 * start} shows in the status view and the start is retried with backoff.
 *
 * <p>The Ozone service still receives {@code notifyStatusChanged()}: whenever its OM notifies
 * ({@link OzoneLeadershipBridge} passes each notification on after forwarding it to libomsvc) and
 * right after each start and stop, so a service that derives its {@code shouldRun()} from the OM's
 * leader state finds it current. Register through {@link OzoneLeadershipBridge#register(
 * org.apache.hadoop.ozone.om.ha.OMService)}, not with the OM's own {@code OMServiceManager}.
 */
public final class OzoneOMServiceAdapter implements org.libomsvc.OMService {
  private final org.apache.hadoop.ozone.om.ha.OMService ozoneService;

  OzoneOMServiceAdapter(org.apache.hadoop.ozone.om.ha.OMService ozoneService) {
    this.ozoneService = Objects.requireNonNull(ozoneService, "ozoneService must not be null");
  }

  /** The Ozone service this adapter runs. */
  public org.apache.hadoop.ozone.om.ha.OMService getOzoneService() {
    return ozoneService;
  }

  @Override
  public String getServiceName() {
    return ozoneService.getServiceName();
  }

  /**
   * Starts the Ozone service. The epoch is not passed on (Ozone's {@code start()} has no
   * parameter); a service that writes outside the OM needs libomsvc's own {@code OMService}.
   */
  @Override
  public void start(ServiceEpoch epoch) throws Exception {
    ozoneService.start();
  }

  @Override
  public void stop() {
    ozoneService.stop();
  }

  @Override
  public void notifyStatusChanged() {
    ozoneService.notifyStatusChanged();
  }

  @Override
  public String toString() {
    return "OzoneOMServiceAdapter[" + ozoneService.getServiceName() + "]";
  }
}
