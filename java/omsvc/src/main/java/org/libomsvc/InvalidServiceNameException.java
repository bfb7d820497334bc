package org.libomsvc;

/** A service name is empty, over 255 bytes of UTF-8, or has control characters. */
public class InvalidServiceNameException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public InvalidServiceNameException(String message) {
    super(message);
  }
}
