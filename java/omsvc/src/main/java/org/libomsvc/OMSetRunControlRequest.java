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

import java.util.Objects;
import java.util.OptionalLong;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.SetRunControlRequest;

/**
 * A user's start or stop of one service. Every peer keeps it in the service's run-control record,
 * apart from the service's configuration, so no save of that configuration (concurrent or later)
 * undoes it; {@link OMStatefulService#shouldRun()} reads it first.
 */
public final class OMSetRunControlRequest extends OMServiceConfigurationRequest {
  private final SetRunControlRequest proto;

  OMSetRunControlRequest(SetRunControlRequest proto, OptionalLong writerEpoch) {
    super(writerEpoch);
    this.proto = proto;
  }

  public static OMSetRunControlRequest of(String serviceName, boolean shouldRun) {
    Objects.requireNonNull(serviceName, "serviceName must not be null");
    return new OMSetRunControlRequest(
        SetRunControlRequest.newBuilder()
            .setServiceName(serviceName)
            .setShouldRun(shouldRun)
            .build(),
        OptionalLong.empty());
  }

  @Override
  public String getServiceName() {
    return proto.getServiceName();
  }

  public boolean getShouldRun() {
    return proto.getShouldRun();
  }

  @Override
  void setCommand(ServiceConfigurationCommand.Builder command) {
    command.setSetRunControl(proto);
  }

  @Override
  public OMServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index) {
    return apply(stateManager, term, index, toByteArray(), OMServiceConfigurationResponse::new);
  }
}
