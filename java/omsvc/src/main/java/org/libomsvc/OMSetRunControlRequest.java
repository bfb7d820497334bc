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
