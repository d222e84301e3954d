package io.vfu4j.guest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one guest boot printed: the whole console, and the results the guest reported as
 * {@code VFU4J key=value} lines (a later line with the same key wins).
 *
 * @param name the run's name in failure reports
 * @param qemuCommand the QEMU command line, for reproducing the run by hand
 * @param console every console line
 * @param exitStatus QEMU's exit status (-1 when it was killed)
 * @param timedOut whether the guest was killed because it did not power off in time
 */
record GuestRun(String name, String qemuCommand, List<String> console, int exitStatus, boolean timedOut) {
  private static final Pattern RESULT = Pattern.compile("VFU4J ([A-Za-z0-9_.:-]+)=(.*)$");
  private static final Pattern END = Pattern.compile("VFU4J-END (\\S+) rc=(\\d+)");

  /** The guest's results in the order they were first reported. */
  Map<String, String> results() {
    Map<String, String> results = new LinkedHashMap<>();
    for (String line : console) {
      Matcher m = RESULT.matcher(line);
      if (m.find()) {
        results.put(m.group(1), m.group(2).strip());
      }
    }
    return results;
  }

  /** The results whose keys start with {@code prefix}, with the prefix removed. */
  Map<String, String> results(String prefix) {
    Map<String, String> selected = new LinkedHashMap<>();
    results().forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        selected.put(key.substring(prefix.length()), value);
      }
    });
    return selected;
  }

  /** One result, or null when the guest did not report it. */
  String result(String key) {
    return results().get(key);
  }

  /** The exit status of guest test {@code test}'s script, or -1 when it did not end. */
  int testStatus(String test) {
    for (String line : console) {
      Matcher m = END.matcher(line);
      if (m.find() && m.group(1).equals(test)) {
        return Integer.parseInt(m.group(2));
      }
    }
    return -1;
  }

  /** Whether the guest ran all its tests and powered off by itself. */
  boolean completed() {
    return !timedOut && console.stream().anyMatch(line -> line.contains("VFU4J-DONE"));
  }

  /** The console lines containing {@code text}. */
  List<String> consoleLines(String text) {
    return console.stream().filter(line -> line.contains(text)).toList();
  }

  /** A report for a failure: how the run ended, the QEMU command, the console. */
  String report() {
    StringBuilder out = new StringBuilder()
        .append("guest run '").append(name).append("': ")
        .append(timedOut ? "killed after its timeout" : "QEMU exited with status " + exitStatus)
        .append(completed() ? ", all guest tests ran" : ", the guest did not finish its tests")
        .append("\n  qemu (in the chroot): ").append(qemuCommand)
        .append("\n  console (").append(console.size()).append(" lines):\n");
    int from = Math.max(0, console.size() - 200);
    if (from > 0) {
      out.append("    … ").append(from).append(" earlier lines\n");
    }
    for (String line : console.subList(from, console.size())) {
      out.append("    | ").append(line).append('\n');
    }
    return out.toString();
  }
}
