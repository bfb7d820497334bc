package org.libomsvc;

/** No service with this name is registered on the node. */
public class UnknownServiceException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public UnknownServiceException(String message) {
    super(message);
  }
}
