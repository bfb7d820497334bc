package org.libomsvc;

/** A configuration value is over the 4 MiB limit; nothing was written. */
public class ConfigurationTooLargeException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public ConfigurationTooLargeException(String message) {
    super(message);
  }
}
