package io.vfu4j.samples.copyengine;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Command;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** What the server sent since the last look, from the client's counters of server commands. */
final class WireLog {
  private final VfioUserClient client;
  private Map<Integer, Integer> seen;

  WireLog(VfioUserClient client) {
    this.client = client;
    this.seen = client.serverCommandsSeen();
  }

  /** E.g. {@code 2 ATS_TRANSLATE, 1 PRI_PAGE_REQUEST}, or {@code nothing}; then starts counting anew. */
  String sinceLastLook() {
    Map<Integer, Integer> now = client.serverCommandsSeen();
    StringJoiner line = new StringJoiner(", ");
    new TreeMap<>(now).forEach((code, count) -> {
      int delta = count - seen.getOrDefault(code, 0);
      if (delta > 0) {
        Command command = Command.of(code);
        line.add(delta + " " + (command == null ? "command " + code : command.name()));
      }
    });
    seen = now;
    return line.length() == 0 ? "nothing" : line.toString();
  }
}
