package io.vfu4j.samples.gpio;

import io.vfu4j.api.DeviceContext;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The card's outside world: a line protocol that drives the inputs and shows the outputs. Every
 * command runs on the device thread, so it is ordered with the guest's register accesses.
 *
 * <pre>
 * set N 0|1      drive input N (0-15) low or high
 * inputs VALUE   drive all 16 inputs (bit n = input n; decimal or 0x hex)
 * get            show outputs, inputs and interrupt state
 * help           list the commands
 * </pre>
 *
 * Each command answers one line: {@code ok ...} or {@code error: ...}.
 */
public final class Idio16Control {
  static final String HELP = "commands: set N 0|1 (input N = 0..15), inputs VALUE (16 bits), get, help";
  private static final long TIMEOUT_SECONDS = 5;

  private record Attached(Idio16Device device, DeviceContext context) {}

  private volatile Attached attached;

  /** Points the control at the device instance the runtime just created. */
  void attach(Idio16Device device, DeviceContext context) {
    attached = new Attached(device, context);
  }

  /** Runs one command line and returns its one-line answer. */
  public String execute(String line) {
    String[] words = line.trim().toLowerCase(Locale.ROOT).split("\\s+");
    try {
      return switch (words[0]) {
        case "set" -> {
          expectWords(words, 3);
          int input = parse(words[1]);
          if (input < 0 || input > 15) {
            throw new IllegalArgumentException("input " + words[1] + " is not in 0..15");
          }
          int level = switch (words[2]) {
            case "0", "low" -> 0;
            case "1", "high" -> 1;
            default -> throw new IllegalArgumentException("level must be 0 or 1, not " + words[2]);
          };
          yield drive(1 << input, level << input);
        }
        case "inputs" -> {
          expectWords(words, 2);
          int value = parse(words[1]);
          if ((value & ~0xffff) != 0) {
            throw new IllegalArgumentException(words[1] + " does not fit in 16 inputs");
          }
          yield drive(0xffff, value);
        }
        case "get" -> {
          expectWords(words, 1);
          yield "ok " + onDevice(Idio16Device::state).describe();
        }
        case "help", "" -> HELP;
        default -> throw new IllegalArgumentException("unknown command '" + words[0] + "'; " + HELP);
      };
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "error: " + e.getMessage();
    }
  }

  private String drive(int mask, int levels) {
    return "ok " + onDevice(device -> {
      device.driveInputs(mask, levels);
      return device.state();
    }).describe();
  }

  private <T> T onDevice(Function<Idio16Device, T> action) {
    Attached target = attached;
    if (target == null) {
      throw new IllegalStateException("the device is not running yet");
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    target.context().execute(() -> {
      try {
        result.complete(action.apply(target.device()));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().toString());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the device thread did not answer within " + TIMEOUT_SECONDS + " s");
    }
  }

  private static void expectWords(String[] words, int count) {
    if (words.length != count) {
      throw new IllegalArgumentException("'" + words[0] + "' takes " + (count - 1) + " argument(s); " + HELP);
    }
  }

  private static int parse(String number) {
    try {
      return number.startsWith("0x") ? Integer.parseInt(number.substring(2), 16) : Integer.parseInt(number);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + number + "' is not a number");
    }
  }
}
