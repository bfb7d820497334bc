package org.libomsvc;

/**
 * Whether a leader-only service is running on this node: Ozone's {@code ServiceStatus} ({@code
 * RUNNING}, {@code PAUSING}) plus {@code STOPPING}, which Ozone's enum lacks.
 */
public enum ServiceStatus {
  RUNNING,
  /**
   * Its permission to run ended (or {@code shouldRun()} turned false) and its {@code stop()} has
   * not returned yet; its epoch is no longer current. Only the native status view reports it.
   */
  STOPPING,
  PAUSING
}
