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
import org.libomsvc.proto.DeleteServiceConfigurationRequest;
import org.libomsvc.proto.ServiceConfigurationCommand;

/** Removes one service's configuration; removing an absent one is not an error. */
public final class OMDeleteServiceConfigurationRequest extends OMServiceConfigurationRequest {
  private final DeleteServiceConfigurationRequest proto;

  OMDeleteServiceConfigurationRequest(
      DeleteServiceConfigurationRequest proto, OptionalLong writerEpoch) {
    super(writerEpoch);
    this.proto = proto;
  }

  /** An operator's removal (not fenced); a service stamps it, see {@link #stampedWith}. */
  public static OMDeleteServiceConfigurationRequest of(String serviceName) {
    Objects.requireNonNull(serviceName, "serviceName must not be null");
    return new OMDeleteServiceConfigurationRequest(
        DeleteServiceConfigurationRequest.newBuilder().setServiceName(serviceName).build(),
        OptionalLong.empty());
  }

  /** This request as a service's write in {@code epoch} (fenced like a stamped set). */
  public OMDeleteServiceConfigurationRequest stampedWith(long epoch) {
    return new OMDeleteServiceConfigurationRequest(proto, OptionalLong.of(epoch));
  }

  @Override
  public String getServiceName() {
    return proto.getServiceName();
  }

  @Override
  void setCommand(ServiceConfigurationCommand.Builder command) {
    command.setDelete(proto);
  }

  @Override
  public OMDeleteServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index) {
    return apply(
        stateManager, term, index, toByteArray(), OMDeleteServiceConfigurationResponse::new);
  }
}
