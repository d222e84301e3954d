package io.vfu4j.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Makes a failing guest test say what the guest and the servers saw: every guest run and server
 * a test registered is appended to its failure message (console lines and server log lines).
 * Register it with {@code @RegisterExtension static final GuestDiagnostics DIAGNOSTICS = ...}.
 */
final class GuestDiagnostics implements TestExecutionExceptionHandler, AfterEachCallback {
  private final List<Supplier<String>> reports = new ArrayList<>();

  /** Includes {@code run} in the current test's failure report. */
  GuestRun add(GuestRun run) {
    reports.add(run::report);
    return run;
  }

  /** Includes {@code server}'s log in the current test's failure report. */
  SampleServer add(SampleServer server) {
    reports.add(server::report);
    return server;
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    if (reports.isEmpty()) {
      throw failure;
    }
    StringBuilder message = new StringBuilder(String.valueOf(failure.getMessage()));
    for (Supplier<String> report : reports) {
      message.append("\n\n").append(report.get());
    }
    AssertionError explained = new AssertionError(message.toString(), failure);
    explained.setStackTrace(failure.getStackTrace());
    throw explained;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    reports.clear();
  }
}
