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
