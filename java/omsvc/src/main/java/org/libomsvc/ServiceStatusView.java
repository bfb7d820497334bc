package org.libomsvc;

/**
 * One service as the native manager sees it.
 *
 * @param name the service's name
 * @param status RUNNING between a successful start and the end of its permission, STOPPING from
 *     then until its stop returns, PAUSING otherwise
 * @param epoch the epoch (term) it runs in; 0 when not running
 * @param sinceUnixMillis when the status last changed (for STOPPING: when the stop was requested)
 * @param startCount successful starts so far
 * @param stopCount stops so far
 * @param consecutiveFailures failed starts since the last successful one
 * @param lastError the latest error from start, stop or shouldRun (kept after recovery); null if
 *     none
 * @param waitingFor why it is not running (e.g. "waiting for barrier 120, applied 118"); null while
 *     running
 */
public record ServiceStatusView(
    String name,
    ServiceStatus status,
    long epoch,
    long sinceUnixMillis,
    long startCount,
    long stopCount,
    long consecutiveFailures,
    String lastError,
    String waitingFor) {}
