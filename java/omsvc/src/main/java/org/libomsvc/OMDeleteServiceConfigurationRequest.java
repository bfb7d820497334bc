package org.libomsvc;

import java.util.Objects;
import org.libomsvc.proto.DeleteServiceConfigurationRequest;
import org.libomsvc.proto.ServiceConfigurationCommand;

/** Removes one service's configuration; removing an absent one is not an error. */
public final class OMDeleteServiceConfigurationRequest extends OMServiceConfigurationRequest {
  private final DeleteServiceConfigurationRequest proto;

  OMDeleteServiceConfigurationRequest(DeleteServiceConfigurationRequest proto) {
    this.proto = proto;
  }

  public static OMDeleteServiceConfigurationRequest of(String serviceName) {
    Objects.requireNonNull(serviceName, "serviceName must not be null");
    return new OMDeleteServiceConfigurationRequest(
        DeleteServiceConfigurationRequest.newBuilder().setServiceName(serviceName).build());
  }

  @Override
  public String getServiceName() {
    return proto.getServiceName();
  }

  @Override
  public ServiceConfigurationCommand toCommand() {
    return ServiceConfigurationCommand.newBuilder().setDelete(proto).build();
  }

  @Override
  public OMDeleteServiceConfigurationResponse applyTo(
      OMStatefulServiceStateManager stateManager, long term, long index) {
    return apply(
        stateManager, term, index, toByteArray(), OMDeleteServiceConfigurationResponse::new);
  }
}
