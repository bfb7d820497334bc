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
