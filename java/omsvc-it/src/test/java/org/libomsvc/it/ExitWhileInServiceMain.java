package org.libomsvc.it;

import java.util.concurrent.CountDownLatch;
import org.libomsvc.OMService;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceEpoch;

/**
 * Run in a child JVM by {@link MisuseIT}: makes this node leader so its runner thread enters a Java
 * service's start, which never returns and keeps calling back into the library, then ends the JVM
 * while the runner is inside Java: with {@code System.exit(42)} ("exit") or by returning from main
 * without closing anything ("return").
 */
public final class ExitWhileInServiceMain {
  static final String IN_START = "runner is inside start";
  static final int EXIT_CODE = 42;

  private ExitWhileInServiceMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    CountDownLatch inStart = new CountDownLatch(1);
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    manager.register(
        new OMService() {
          @Override
          public String getServiceName() {
            return "BusyService";
          }

          @Override
          public void start(ServiceEpoch epoch) throws InterruptedException {
            inStart.countDown();
            while (true) {
              epoch.isCurrent();
              Thread.sleep(1);
            }
          }

          @Override
          public void stop() {}
        });
    manager.getEventForwarder().notifyLeaderChanged(1, "om1");
    manager.getEventForwarder().notifyLeaderReady(1, 0);
    inStart.await();
    System.out.println(IN_START);
    System.out.flush();
    if (mode.equals("exit")) {
      System.exit(EXIT_CODE);
    }
  }
}
