package org.libomsvc;

/** RocksDB or the file system failed under the configuration table. */
public class StorageException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }
}
