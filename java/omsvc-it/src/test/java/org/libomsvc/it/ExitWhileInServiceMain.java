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
