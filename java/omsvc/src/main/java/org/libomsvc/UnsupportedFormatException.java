package org.libomsvc;

/** The database has a format version this libomsvc cannot read. */
public class UnsupportedFormatException extends StorageException {
  private static final long serialVersionUID = 1L;

  public UnsupportedFormatException(String message) {
    super(message);
  }
}
