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

package org.libomsvc.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the native library's log events to slf4j, each to logger {@code "omsvc." + target} (e.g.
 * {@code omsvc.omsvc_core::services::runner}) at the event's level, its fields appended to the
 * message as {@code key=value}.
 */
public final class Slf4jLogSink implements NativeLogSink {
  /** The parent of every native logger; its level decides what the native side sends. */
  public static final String LOGGER_PREFIX = "omsvc";

  static final int ERROR = 1;
  static final int WARN = 2;
  static final int INFO = 3;
  static final int DEBUG = 4;
  static final int TRACE = 5;

  private Slf4jLogSink() {}

  /**
   * Installs the sink, asking the native side for the levels logger {@value #LOGGER_PREFIX} has
   * enabled (so disabled events are never formatted). Called once by the loader.
   */
  public static void install() {
    NativeOmsvc.installLogSink(
        new Slf4jLogSink(), maxLevel(LoggerFactory.getLogger(LOGGER_PREFIX)));
  }

  static int maxLevel(Logger logger) {
    if (logger.isTraceEnabled()) {
      return TRACE;
    }
    if (logger.isDebugEnabled()) {
      return DEBUG;
    }
    if (logger.isInfoEnabled()) {
      return INFO;
    }
    if (logger.isWarnEnabled()) {
      return WARN;
    }
    return ERROR;
  }

  @Override
  public void log(int level, String target, String message) {
    Logger logger = LoggerFactory.getLogger(LOGGER_PREFIX + "." + target);
    switch (level) {
      case ERROR:
        logger.error(message);
        break;
      case WARN:
        logger.warn(message);
        break;
      case INFO:
        logger.info(message);
        break;
      case DEBUG:
        logger.debug(message);
        break;
      default:
        logger.trace(message);
        break;
    }
  }
}
