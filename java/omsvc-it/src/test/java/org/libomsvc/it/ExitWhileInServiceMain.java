/*
 * Licensed to the Apache Software Foundation (ASF) under one or more
 * contributor license agreements.  See the NOTICE file distributed with
 * this work for additional information regarding copyright ownership.
 * The ASF licenses this file to You under the Apache License, Version 2.0
 * (the "License"); you may not use this file except in compliance with
 * the License.  You may obtain a copy of the License at
 *
 *      http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package org.libomsvc.it;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.libomsvc.OMService;
import org.libomsvc.OMServiceManager;
import org.libomsvc.ServiceEpoch;

/**
 * Run in a child JVM by {@link MisuseIT}: makes this node leader so its runner starts a Java
 * service, then ends the JVM without closing the manager, with {@code System.exit(42)} ("exit") or
 * by returning from main ("return"). Where the runner is at that moment is the second argument:
 * "inStart" (inside a start that never returns by itself: it sleeps in a loop, calling back into
 * the library, until interrupted), "running" (the start returned; the runner is idle) or
 * "exitsInStart" (the start itself calls {@code System.exit(42)}, whatever the first argument). The
 * service prints what happens to it, so the parent sees whether the shutdown hook stopped it.
 */
public final class ExitWhileInServiceMain {
  static final String IN_START = "runner is inside start";
  static final String RUNNING = "service is running";
  static final String START_INTERRUPTED = "start was interrupted";
  static final String STOPPED = "service was stopped";
  static final int EXIT_CODE = 42;

  private ExitWhileInServiceMain() {}

  public static void main(String[] args) throws Exception {
    String how = args[0];
    boolean staysInStart = args[1].equals("inStart");
    boolean exitsInStart = args[1].equals("exitsInStart");
    CountDownLatch started = new CountDownLatch(1);
    OMServiceManager manager = OMServiceManager.open("om1", null, false);
    manager.register(
        new OMService() {
          @Override
          public String getServiceName() {
            return "BusyService";
          }

          @Override
          public void start(ServiceEpoch epoch) throws InterruptedException {
            if (exitsInStart) {
              System.exit(EXIT_CODE);
            }
            if (!staysInStart) {
              started.countDown();
              return;
            }
            System.out.println(IN_START);
            System.out.flush();
            started.countDown();
            try {
              while (true) {
                epoch.isCurrent();
                Thread.sleep(1);
              }
            } catch (InterruptedException e) {
              System.out.println(START_INTERRUPTED);
              System.out.flush();
              throw e;
            }
          }

          @Override
          public void stop() {
            System.out.println(STOPPED);
            System.out.flush();
          }
        });
    manager.getEventForwarder().notifyLeaderChanged(1, "om1");
    manager.getEventForwarder().notifyLeaderReady(1, 0);
    started.await();
    if (!staysInStart) {
      manager.waitSettled(Duration.ofSeconds(10));
      System.out.println(RUNNING);
      System.out.flush();
    }
    if (how.equals("exit")) {
      System.exit(EXIT_CODE);
    }
  }
}
