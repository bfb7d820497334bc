package org.libomsvc;

/** The checkpoint directory already exists; checkpoints go to a new directory. */
public class CheckpointExistsException extends StorageException {
  private static final long serialVersionUID = 1L;

  public CheckpointExistsException(String message) {
    super(message);
  }
}
