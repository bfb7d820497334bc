package org.libomsvc;

/** The node was shut down: events, registrations and writes are refused. */
public class NodeShutDownException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public NodeShutDownException(String message) {
    super(message);
  }
}
