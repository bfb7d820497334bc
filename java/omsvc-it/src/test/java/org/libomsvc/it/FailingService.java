package org.libomsvc.it;

import java.util.concurrent.atomic.AtomicInteger;
import org.libomsvc.OMService;
import org.libomsvc.ServiceEpoch;

/** A service whose start always throws, as one with a broken dependency would. */
final class FailingService implements OMService {
  static final String NAME = "FailingService";
  static final String FAILURE = "the trash volume is not mounted";

  private final AtomicInteger startAttempts = new AtomicInteger();

  @Override
  public String getServiceName() {
    return NAME;
  }

  @Override
  public void start(ServiceEpoch epoch) {
    startAttempts.incrementAndGet();
    throw new IllegalStateException(FAILURE);
  }

  @Override
  public void stop() {}

  int startAttempts() {
    return startAttempts.get();
  }
}
