package org.libomsvc;

/** The native handle was never issued or was already freed. */
public class InvalidHandleException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public InvalidHandleException(String message) {
    super(message);
  }
}
