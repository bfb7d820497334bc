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

/** Receives the native library's log events (see {@link NativeOmsvc#installLogSink}). */
public interface NativeLogSink {
  /**
   * @param level 1 error, 2 warn, 3 info, 4 debug, 5 trace
   * @param target the Rust module path, e.g. "omsvc_core::services::runner"
   * @param message the message followed by its fields as {@code key=value} pairs
   */
  void log(int level, String target, String message);
}
