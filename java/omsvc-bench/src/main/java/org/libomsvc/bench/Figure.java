package org.libomsvc.bench;

import java.util.Locale;
import org.openjdk.jmh.results.RunResult;

/**
 * One benchmark's figure: the median of its measurement iterations' average times. Its name is the
 * benchmark method's, with {@code _sync} or {@code _nosync} for the sync parameter.
 */
record Figure(String name, double value, String unit) {
  static Figure of(RunResult result) {
    String method = result.getParams().getBenchmark();
    method = method.substring(method.lastIndexOf('.') + 1);
    String sync = result.getParams().getParam("sync");
    String name =
        sync == null ? method : method + (Boolean.parseBoolean(sync) ? "_sync" : "_nosync");
    double[] scores =
        result.getBenchmarkResults().stream()
            .flatMap(benchmark -> benchmark.getIterationResults().stream())
            .mapToDouble(iteration -> iteration.getPrimaryResult().getScore())
            .sorted()
            .toArray();
    String unit = result.getPrimaryResult().getScoreUnit().replace("/op", "");
    return new Figure(name, median(scores), unit);
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  String format() {
    return String.format(Locale.ROOT, "%.3f %s", value, unit);
  }
}
