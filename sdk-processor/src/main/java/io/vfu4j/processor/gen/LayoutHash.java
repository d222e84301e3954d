package io.vfu4j.processor.gen;

import io.vfu4j.processor.model.RegisterModel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A 64-bit FNV-1a hash of the register layout, stored in saved state to reject foreign streams. */
final class LayoutHash {
  private LayoutHash() {}

  static long of(List<RegisterModel> registers) {
    StringBuilder text = new StringBuilder();
    for (RegisterModel r : registers) {
      text.append(r.name()).append(':').append(r.bar()).append(':').append(r.offset()).append(':')
          .append(r.width()).append(':').append(r.count()).append(':').append(r.stride()).append(';');
    }
    long hash = 0xcbf29ce484222325L;
    for (byte b : text.toString().getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
