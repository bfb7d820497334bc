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

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks (an optional argument: a regular expression selecting them) and ends with
 * the project's summary: one human-readable target line and one {@code BENCH} line per figure, each
 * against its baseline from the same run. Figures, not tests: it never fails on them.
 */
public final class BenchMain {
  /** A figure, its baseline, and the target it is held to. */
  private record Target(String baseline, double maxValue, double maxRatio, String text) {}

  private static final Map<String, Target> TARGETS = new LinkedHashMap<>();

  static {
    for (String event :
        new String[] {
          "term_index_updated",
          "applied",
          "leader_changed",
          "leader_ready",
          "configuration_changed",
          "not_leader"
        }) {
      TARGETS.put(
          "jni_forward_" + event,
          new Target("jni_noop", 100, 3, "target <= 100 ns median and <= 3x"));
    }
    TARGETS.put(
        "jni_apply_1k_sync",
        new Target("rocksdbjni_put_1k_sync", Double.MAX_VALUE, 1.0, "target ratio <= 1.0"));
    TARGETS.put(
        "jni_apply_1k_nosync",
        new Target("rocksdbjni_put_1k_nosync", Double.MAX_VALUE, 1.0, "target ratio <= 1.0"));
    TARGETS.put(
        "jni_read_1k",
        new Target("rocksdbjni_get_1k", Double.MAX_VALUE, 1.0, "target ratio <= 1.0"));
  }

  private BenchMain() {}

  public static void main(String[] args) throws RunnerException {
    String include = args.length > 0 ? args[0] : BenchMain.class.getPackageName() + "\\..*";
    Map<String, Figure> figures = new LinkedHashMap<>();
    for (RunResult result : new Runner(new OptionsBuilder().include(include).build()).run()) {
      Figure figure = Figure.of(result);
      figures.put(figure.name(), figure);
    }

    System.out.println("== targets ==");
    StringBuilder summary = new StringBuilder("== summary ==\n");
    for (Map.Entry<String, Target> entry : TARGETS.entrySet()) {
      Figure figure = figures.get(entry.getKey());
      Target target = entry.getValue();
      Figure baseline = figures.get(target.baseline());
      if (figure == null || baseline == null) {
        System.out.println(entry.getKey() + ": not measured in this run");
        continue;
      }
      double ratio = figure.value() / baseline.value();
      boolean met = figure.value() <= target.maxValue() && ratio <= target.maxRatio();
      System.out.printf(
          Locale.ROOT,
          "%s: %s vs %s %s; %s: %s%n",
          figure.name(),
          figure.format(),
          baseline.name(),
          baseline.format(),
          target.text(),
          met ? "met" : "MISSED");
      summary.append(bench(figure, baseline.name(), ratio));
    }
    for (Figure baseline : figures.values()) {
      if (!TARGETS.containsKey(baseline.name())) {
        summary.append(bench(baseline, baseline.name(), 1.0));
      }
    }
    System.out.print(summary);
  }

  private static String bench(Figure figure, String baseline, double ratio) {
    return String.format(
        Locale.ROOT,
        "BENCH %s value=%.3f unit=%s baseline=%s ratio=%.3f%n",
        figure.name(),
        figure.value(),
        figure.unit(),
        baseline,
        ratio);
  }
}
