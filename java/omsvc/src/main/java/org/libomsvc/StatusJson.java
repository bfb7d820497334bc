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
        (String) service.get("last_error"),
        (String) service.get("waiting_for"));
  }

  /** A number field; JSON null (e.g. no epoch while not running) reads as 0. */
  private static long number(Map<?, ?> map, String key) {
    Object value = map.get(key);
    return value == null ? 0 : ((Number) value).longValue();
  }
}
