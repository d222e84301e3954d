package io.vfu4j.runtime.cli;

import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * The levels {@code --log-level} accepts. The runtime logs through {@link System.Logger}; a
 * device jar routes that to a backend of its choice, and this sets the level of the two a jar
 * gets without configuration: SLF4J's simple backend (what vfu4j's samples and generated projects
 * ship, through slf4j-jdk-platform-logging) and java.util.logging (the JDK's default when no
 * backend is on the class path).
 */
public enum LogLevel {
  TRACE(java.util.logging.Level.FINEST),
  DEBUG(java.util.logging.Level.FINE),
  INFO(java.util.logging.Level.INFO),
  WARN(java.util.logging.Level.WARNING),
  ERROR(java.util.logging.Level.SEVERE),
  OFF(java.util.logging.Level.OFF);

  private final java.util.logging.Level jul;

  LogLevel(java.util.logging.Level jul) {
    this.jul = jul;
  }

  /**
   * Applies this level. slf4j-simple reads its level once, when the first logger is created,
   * which is why the CLI applies it before it touches the runtime.
   */
  void apply() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", name().toLowerCase(Locale.ROOT));
    Logger root = Logger.getLogger("");
    root.setLevel(jul);
    for (Handler handler : root.getHandlers()) {
      handler.setLevel(jul);
    }
  }
}
