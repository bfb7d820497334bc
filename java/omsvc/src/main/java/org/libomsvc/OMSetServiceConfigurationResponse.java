package org.libomsvc;

import org.libomsvc.proto.ServiceConfigurationResponse.Outcome;

/** The result of applying an {@link OMSetServiceConfigurationRequest} on one peer. */
public final class OMSetServiceConfigurationResponse extends OMServiceConfigurationResponse {
  OMSetServiceConfigurationResponse(Outcome outcome, TermIndex lastApplied, String error) {
    super(outcome, lastApplied, error);
  }
}
