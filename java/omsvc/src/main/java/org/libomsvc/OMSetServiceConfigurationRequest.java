package org.libomsvc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.Objects;
import org.libomsvc.proto.ServiceConfigurationCommand;
import org.libomsvc.proto.SetServiceConfigurationRequest;

/** Sets one service's configuration (opaque bytes, usually the service's own protobuf message). */
public final class OMSetServiceConfigurationRequest extends OMServiceConfigurationRequest {
  private final SetServiceConfigurationRequest proto;

  OMSetServiceConfigurationRequest(SetServiceConfigurationRequest proto) {
    this.proto = proto;
  }

  public static OMSetServiceConfigurationRequest of(String serviceName, Message configuration) {
    Objects.requireNonNull(configuration, "configuration must not be null");
    return of(serviceName, configuration.toByteString());
  }

  public static OMSetServiceConfigurationRequest of(String serviceName, byte[] configuration) {
    Objects.requireNonNull(configuration, "configuration must not be null");
    return of(serviceName, ByteString.copyFrom(configuration));
  }

  public static OMSetServiceConfigurationRequest of(String serviceName, ByteString configuration) {
    Objects.requireNonNull(serviceName, "serviceName must not be null");
    Objects.requireNonNull(configuration, "configuration must not be null");
    return new OMSetServiceConfigurationRequest(
        SetServiceConfigurationRequest.newBuilder()
            .setServiceName(serviceName)
            .setConfiguration(configuration)
            .build());
  }

  @Override
  public String getServiceName() {
    return proto.getServiceName();
  }

  public ByteString getConfiguration() {
    return proto.getConfiguration();
  }

  @Override
  public ServiceConfigurationCommand toCommand() {
    return ServiceConfigurationCommand.newBuilder().setSet(proto).build();
  }

  @Override
  public OMSetServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index) {
    return apply(stateManager, term, index, toByteArray(), OMSetServiceConfigurationResponse::new);
  }
}
