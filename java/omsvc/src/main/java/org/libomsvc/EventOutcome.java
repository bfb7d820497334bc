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

package org.libomsvc;

import org.libomsvc.internal.NativeOmsvc;

/** What a forwarded Raft event did to the node's leadership state. */
public enum EventOutcome {
  /** The state changed. */
  CHANGED,
  /** Nothing new: a repeated notification, or an index that does not matter. */
  UNCHANGED,
  /**
   * The event's term is below the current one: counted and ignored (a stale "not leader" still
   * demotes).
   */
  STALE,
  /**
   * The event contradicts what is known of its term (e.g. leader-ready for a term in which this
   * peer was not told it was elected): counted and ignored.
   */
  CONTRADICTED,
  /**
   * The node is shut down or closed: the event changed nothing. Only {@link RatisEventForwarder}
   * returns it, so that a Ratis callback arriving during a teardown is harmless.
   */
  SHUT_DOWN;

  static EventOutcome fromCode(int code) {
    switch (code) {
      case NativeOmsvc.EVENT_CHANGED:
        return CHANGED;
      case NativeOmsvc.EVENT_UNCHANGED:
        return UNCHANGED;
      case NativeOmsvc.EVENT_STALE:
        return STALE;
      case NativeOmsvc.EVENT_CONTRADICTED:
        return CONTRADICTED;
      default:
        throw new OmsvcException("the native side returned unknown event outcome " + code);
    }
  }
}
