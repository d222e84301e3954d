package io.vfu4j.runtime.cli;

import java.util.Locale;

/** The levels {@code --log-level} accepts, as SLF4J's simple binding names them. */
public enum LogLevel {
  TRACE, DEBUG, INFO, WARN, ERROR, OFF;

  /**
   * Makes slf4j-simple log at this level. Only takes effect before the first logger is created,
   * which is why the CLI applies it before it touches the runtime.
   */
  void apply() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", name().toLowerCase(Locale.ROOT));
  }
}
