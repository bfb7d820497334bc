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

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.Objects;
import java.util.OptionalLong;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.SetServiceConfigurationRequest;

/** Sets one service's configuration (opaque bytes, usually the service's own protobuf message). */
public final class OMSetServiceConfigurationRequest extends OMServiceConfigurationRequest {
  private final SetServiceConfigurationRequest proto;

  OMSetServiceConfigurationRequest(SetServiceConfigurationRequest proto, OptionalLong writerEpoch) {
    super(writerEpoch);
    this.proto = proto;
  }

  /**
   * This request as a service's write in {@code epoch}: every peer refuses it unless its entry is
   * appended in that term.
   */
  public OMSetServiceConfigurationRequest stampedWith(long epoch) {
    return new OMSetServiceConfigurationRequest(proto, OptionalLong.of(epoch));
  }

  public static OMSetServiceConfigurationRequest of(String serviceName, Message configuration) {
    Objects.requireNonNull(configuration, "configuration must not be null");
    return of(serviceName, configuration.toByteString());
  }

  public static OMSetServiceConfigurationRequest of(String serviceName, byte[] configuration) {
    Objects.requireNonNull(configuration, "configuration must not be null");
    return of(serviceName, ByteString.copyFrom(configuration));
  }

  /** An operator's write (not fenced); a service stamps it, see {@link #stampedWith}. */
  public static OMSetServiceConfigurationRequest of(String serviceName, ByteString configuration) {
    Objects.requireNonNull(serviceName, "serviceName must not be null");
    Objects.requireNonNull(configuration, "configuration must not be null");
    return new OMSetServiceConfigurationRequest(
        SetServiceConfigurationRequest.newBuilder()
            .setServiceName(serviceName)
            .setConfiguration(configuration)
            .build(),
        OptionalLong.empty());
  }

  @Override
  public String getServiceName() {
    return proto.getServiceName();
  }

  public ByteString getConfiguration() {
    return proto.getConfiguration();
  }

  @Override
  void setCommand(ServiceConfigurationCommand.Builder command) {
    command.setSet(proto);
  }

  @Override
  public OMSetServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index) {
    return apply(stateManager, term, index, toByteArray(), OMSetServiceConfigurationResponse::new);
  }
}
