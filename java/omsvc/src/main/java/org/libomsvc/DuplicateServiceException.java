package org.libomsvc;

/** A service with this name is already registered on the node. */
public class DuplicateServiceException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public DuplicateServiceException(String message) {
    super(message);
  }
}
