package org.libomsvc;

/**
 * The base of every error libomsvc reports. The native side throws its subclasses by name, with the
 * core's message (which names what was refused and what to do).
 */
public class OmsvcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OmsvcException(String message) {
    super(message);
  }

  public OmsvcException(String message, Throwable cause) {
    super(message, cause);
  }
}
