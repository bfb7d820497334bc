package org.libomsvc;

/** Ozone's {@code ServiceStatus}: whether a leader-only service is running on this node. */
public enum ServiceStatus {
  RUNNING,
  PAUSING
}
