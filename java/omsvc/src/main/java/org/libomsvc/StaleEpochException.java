package org.libomsvc;

/**
 * A write of a service's epoch that has ended: every peer refused it because its entry was
 * appended in a later term than the epoch it carries (nothing was written), or it was not made
 * because {@link ServiceEpoch#isCurrent()} was already false. The service should stop; its next
 * run gets a new epoch.
 */
public class StaleEpochException extends OmsvcException {
  private static final long serialVersionUID = 1L;

  public StaleEpochException(String message) {
    super(message);
  }
}
