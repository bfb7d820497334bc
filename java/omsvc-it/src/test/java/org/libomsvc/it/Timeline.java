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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Every start and stop of the test services on every peer, in the order they happened. */
final class Timeline {
  enum Kind {
    START,
    STOP
  }

  /**
   * One start or stop. For a start: the position its configuration held and whether Ratis called
   * the peer leader-ready at that moment.
   */
  record Event(
      long nanos,
      String peer,
      String service,
      Kind kind,
      long epoch,
      long position,
      boolean ratisLeaderReady) {}

  private final List<Event> events = new ArrayList<>();

  synchronized void started(
      String peer, String service, long epoch, long position, boolean ratisLeaderReady) {
    events.add(
        new Event(System.nanoTime(), peer, service, Kind.START, epoch, position, ratisLeaderReady));
  }

  synchronized void stopped(String peer, String service, long epoch) {
    events.add(new Event(System.nanoTime(), peer, service, Kind.STOP, epoch, 0, false));
  }

  synchronized List<Event> events(String service) {
    return events.stream().filter(e -> e.service().equals(service)).collect(Collectors.toList());
  }

  synchronized List<Event> starts(String service) {
    return events(service).stream().filter(e -> e.kind() == Kind.START).toList();
  }

  synchronized Optional<Event> lastStart(String service) {
    List<Event> starts = starts(service);
    return starts.isEmpty() ? Optional.empty() : Optional.of(starts.get(starts.size() - 1));
  }

  /** The peers running {@code service} now, with their epochs. */
  synchronized Map<String, Long> running(String service) {
    Map<String, Long> running = new HashMap<>();
    for (Event event : events(service)) {
      if (event.kind() == Kind.START) {
        running.put(event.peer(), event.epoch());
      } else {
        running.remove(event.peer());
      }
    }
    return running;
  }

  /** Epochs in which more than one peer started {@code service}. */
  synchronized Map<Long, Set<String>> epochsWithSeveralPeers(String service) {
    Map<Long, Set<String>> peersByEpoch = new TreeMap<>();
    for (Event start : starts(service)) {
      peersByEpoch.computeIfAbsent(start.epoch(), e -> new TreeSet<>()).add(start.peer());
    }
    peersByEpoch.values().removeIf(peers -> peers.size() < 2);
    return peersByEpoch;
  }

  /** Starts that happened while another peer was still running {@code service}. */
  synchronized List<String> overlaps(String service) {
    List<String> overlaps = new ArrayList<>();
    Map<String, Long> running = new HashMap<>();
    for (Event event : events(service)) {
      if (event.kind() == Kind.START) {
        if (!running.isEmpty()) {
          overlaps.add(
              event.peer() + " started in epoch " + event.epoch() + " while " + running + " ran");
        }
        running.put(event.peer(), event.epoch());
      } else {
        running.remove(event.peer());
      }
    }
    return overlaps;
  }

  /**
   * The longest time {@code service} ran nowhere: from a stop that left no peer running to the next
   * start, in milliseconds.
   */
  synchronized double worstStopToStartGapMillis(String service) {
    long worst = 0;
    Long idleSince = null;
    Map<String, Long> running = new HashMap<>();
    for (Event event : events(service)) {
      if (event.kind() == Kind.START) {
        if (idleSince != null) {
          worst = Math.max(worst, event.nanos() - idleSince);
          idleSince = null;
        }
        running.put(event.peer(), event.epoch());
      } else {
        running.remove(event.peer());
        if (running.isEmpty()) {
          idleSince = event.nanos();
        }
      }
    }
    return worst / 1e6;
  }

  synchronized String describe(String service) {
    StringBuilder out = new StringBuilder();
    long origin = events.isEmpty() ? 0 : events.get(0).nanos();
    for (Event event : events(service)) {
      out.append(
          String.format(
              "%9.1f ms  %-6s %-5s epoch %d%s%n",
              (event.nanos() - origin) / 1e6,
              event.peer(),
              event.kind(),
              event.epoch(),
              event.kind() == Kind.START ? " position " + event.position() : ""));
    }
    return out.toString();
  }
}
