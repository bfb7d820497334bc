package org.libomsvc;

import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;

/** The result of applying an {@link OMDeleteServiceConfigurationRequest} on one peer. */
public final class OMDeleteServiceConfigurationResponse extends OMServiceConfigurationResponse {
  OMDeleteServiceConfigurationResponse(Outcome outcome, TermIndex lastApplied, String error) {
    super(outcome, lastApplied, error);
  }
}
