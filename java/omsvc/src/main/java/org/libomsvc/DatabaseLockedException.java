package org.libomsvc;

/** The database is locked by another writer (another node or process holds it). */
public class DatabaseLockedException extends StorageException {
  private static final long serialVersionUID = 1L;

  public DatabaseLockedException(String message) {
    super(message);
  }
}
