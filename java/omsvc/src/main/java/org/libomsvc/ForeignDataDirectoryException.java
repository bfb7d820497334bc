package org.libomsvc;

/** The data directory belongs to another node or cluster. */
public class ForeignDataDirectoryException extends StorageException {
  private static final long serialVersionUID = 1L;

  public ForeignDataDirectoryException(String message) {
    super(message);
  }
}
