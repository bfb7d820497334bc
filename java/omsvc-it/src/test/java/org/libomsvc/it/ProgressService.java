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

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.libomsvc.ConfigurationSubmitter;
import org.libomsvc.OMServiceConfigurationResponse;
import org.libomsvc.OMStatefulService;
import org.libomsvc.OMStatefulServiceStateManager;
import org.libomsvc.ServiceEpoch;
import org.libomsvc.it.proto.ProgressConfiguration;
import org.libomsvc.testkit.FencedRegister;

/**
 * A stateful leader-only service as an Ozone service would be: at start it reads the progress the
 * previous leader saved, writes its epoch to the fenced register, and records the start (and
 * whether Ratis called this peer leader-ready then) in the timeline.
 */
final class ProgressService extends OMStatefulService<ProgressConfiguration> {
  static final String NAME = "ProgressService";

  private final String peerId;
  private final Timeline timeline;
  private final FencedRegister register;
  private final BooleanSupplier ratisLeaderReady;
  private volatile long epoch;
  private volatile ServiceEpoch runEpoch;

  ProgressService(
      String peerId,
      OMStatefulServiceStateManager stateManager,
      ConfigurationSubmitter submitter,
      Timeline timeline,
      FencedRegister register,
      BooleanSupplier ratisLeaderReady) {
    super(NAME, ProgressConfiguration.parser(), stateManager, submitter);
    this.peerId = peerId;
    this.timeline = timeline;
    this.register = register;
    this.ratisLeaderReady = ratisLeaderReady;
  }

  @Override
  public void start(ServiceEpoch epoch) {
    long position = currentConfiguration().getPosition();
    boolean leaderReady = ratisLeaderReady.getAsBoolean();
    register.write(epoch.getEpoch(), peerId);
    this.epoch = epoch.getEpoch();
    this.runEpoch = epoch;
    timeline.started(peerId, NAME, epoch.getEpoch(), position, leaderReady);
  }

  @Override
  public void stop() {
    timeline.stopped(peerId, NAME, epoch);
  }

  /**
   * Saves {@code position} through Ratis as the service's last run, stamped with its epoch,
   * keeping the rest of the configuration.
   */
  CompletableFuture<OMServiceConfigurationResponse> saveProgress(long position) {
    ServiceEpoch run = runEpoch;
    if (run == null) {
      throw new IllegalStateException(NAME + " on " + peerId + " never started");
    }
    return saveConfiguration(
        run, currentConfiguration().toBuilder().setPosition(position).build());
  }

  @Override
  protected ProgressConfiguration defaultConfiguration() {
    return ProgressConfiguration.getDefaultInstance();
  }

  @Override
  protected boolean shouldRun(ProgressConfiguration configuration) {
    return !configuration.getStopped();
  }

}
