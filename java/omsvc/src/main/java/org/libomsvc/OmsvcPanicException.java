package org.libomsvc;

/** A bug inside libomsvc panicked; the call had no effect that can be relied on. */
public class OmsvcPanicException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public OmsvcPanicException(String message) {
    super(message);
  }
}
