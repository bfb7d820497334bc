package org.libomsvc;

/** The directory holds a RocksDB database that libomsvc did not create. */
public class NotAnOmsvcDatabaseException extends StorageException {
  private static final long serialVersionUID = 1L;

  public NotAnOmsvcDatabaseException(String message) {
    super(message);
  }
}
