package io.vfu4j.runtime.server;

import java.util.ArrayList;
import java.util.List;

/** Splits an access into naturally aligned pieces of at most {@code maxSize} bytes (1, 2, 4, 8). */
final class AlignedPieces {
  private AlignedPieces() {}

  /** One piece: {@code size} bytes at {@code offset}, {@code index} bytes into the access. */
  record Piece(long offset, int size, int index) {}

  static List<Piece> split(long offset, int count, int maxSize) {
    List<Piece> pieces = new ArrayList<>();
    int done = 0;
    while (done < count) {
      long at = offset + done;
      int size = maxSize;
      while (size > 1 && ((at & (size - 1)) != 0 || size > count - done)) {
        size >>= 1;
      }
      pieces.add(new Piece(at, size, done));
      done += size;
    }
    return pieces;
  }

  /** True for a single naturally aligned access of 1, 2, 4 or (when allowed) 8 bytes. */
  static boolean isNatural(long offset, int count, int maxSize) {
    return Integer.bitCount(count) == 1 && count <= maxSize && (offset & (count - 1)) == 0;
  }
}
