package org.libomsvc;

/**
 * A stored configuration does not parse as the message type its service declares (another service's
 * bytes under this name, or a type changed incompatibly).
 */
public class CorruptConfigurationException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public CorruptConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
