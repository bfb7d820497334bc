package org.libomsvc;

/** There is no libomsvc database at the given path. */
public class DatabaseMissingException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DatabaseMissingException(String message) {
    super(message);
  }
}
