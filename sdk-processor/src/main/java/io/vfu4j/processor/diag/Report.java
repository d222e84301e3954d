package io.vfu4j.processor.diag;

import java.util.List;

/** A step's result: what it read and what it found wrong. */
public record Report<T>(T value, List<Diagnostic> diagnostics) {
  public Report {
    diagnostics = List.copyOf(diagnostics);
  }
}
