package org.libomsvc;

/** The request bytes are not a valid ServiceConfigurationCommand; nothing was written. */
public class MalformedCommandException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public MalformedCommandException(String message) {
    super(message);
  }
}
