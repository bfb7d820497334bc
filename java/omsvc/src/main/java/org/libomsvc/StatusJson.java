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

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.libomsvc.internal.Json;

/** Reads the native {@code statusJson} into {@link NodeStatusView}. */
final class StatusJson {
  private StatusJson() {}

  static NodeStatusView parse(String json) {
    Map<?, ?> node = (Map<?, ?>) Json.parse(json);
    Map<?, ?> lastApplied = (Map<?, ?>) node.get("last_applied_entry");
    return new NodeStatusView(
        (String) node.get("self_id"),
        number(node, "term"),
        (String) node.get("leader"),
        (String) node.get("role"),
        number(node, "barrier"),
        number(node, "applied"),
        ((List<?>) node.get("peers")).stream().map(String.class::cast).collect(Collectors.toList()),
        number(node, "ignored_events"),
        (String) node.get("blocker"),
        lastApplied == null ? 0 : number(lastApplied, "term"),
        lastApplied == null ? 0 : number(lastApplied, "index"),
        ((List<?>) node.get("services"))
            .stream().map(service -> service((Map<?, ?>) service)).collect(Collectors.toList()));
  }

  private static ServiceStatusView service(Map<?, ?> service) {
    return new ServiceStatusView(
        (String) service.get("name"),
        ServiceStatus.valueOf((String) service.get("status")),
        number(service, "epoch"),
        number(service, "since_unix_ms"),
        number(service, "start_count"),
        number(service, "stop_count"),
        number(service, "consecutive_failures"),
        number(service, "failed_start_count"),
        (String) service.get("last_error"),
        (String) service.get("waiting_for"));
  }

  /** A number field; JSON null (e.g. no epoch while not running) reads as 0. */
  private static long number(Map<?, ?> map, String key) {
    Object value = map.get(key);
    return value == null ? 0 : ((Number) value).longValue();
  }
}
