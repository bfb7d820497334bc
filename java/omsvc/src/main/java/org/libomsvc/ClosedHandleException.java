package org.libomsvc;

/** The object was closed; its native handle is released and cannot be used again. */
public class ClosedHandleException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public ClosedHandleException(String message) {
    super(message);
  }
}
