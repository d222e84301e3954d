package io.vfu4j.runtime.spi;

/**
 * The access policy of one register as bit masks, in the spirit of QEMU's
 * {@code RegisterAccessInfo}: generated register dispatch keeps one constant per register and
 * applies every policy here, in one place. All masks are in register bit positions; bits that
 * no mask names (reserved, read-only) keep their stored value on writes.
 *
 * @param readable bits a read returns (not write-only, not reserved); others read as zero
 * @param writable bits a write stores as given (RW and WO with a normal write effect)
 * @param w1c bits cleared by writing 1
 * @param w1s bits set by writing 1
 * @param w0c bits cleared by writing 0
 * @param w1t bits toggled by writing 1
 * @param clearOnRead bits cleared after a read returns them
 * @param setOnRead bits set after a read returns them
 */
public record RegisterPolicy(long readable, long writable, long w1c, long w1s, long w0c, long w1t,
    long clearOnRead, long setOnRead) {

  /** All ones of an access of {@code size} bytes: what an unclaimed or refused read returns. */
  public static long allOnes(int size) {
    return size >= 8 ? -1L : (1L << (size << 3)) - 1;
  }

  /** The bits of a {@code size}-byte access at byte {@code byteOffset} of a register. */
  public static long lane(long byteOffset, int size) {
    return allOnes(size) << (byteOffset << 3);
  }

  /** What the guest sees of {@code stored}. */
  public long visible(long stored) {
    return stored & readable;
  }

  /** The stored value after a read touching the {@code lane} bits. */
  public long afterRead(long stored, long lane) {
    return (stored & ~(clearOnRead & lane)) | (setOnRead & lane);
  }

  /** True when reads change the stored value. */
  public boolean readHasEffect() {
    return (clearOnRead | setOnRead) != 0;
  }

  /** The stored value after the guest writes {@code value} (shifted into place) to the {@code lane} bits. */
  public long write(long stored, long value, long lane) {
    long next = (stored & ~(writable & lane)) | (value & writable & lane);
    next &= ~(value & w1c & lane);
    next |= value & w1s & lane;
    next &= ~(~value & w0c & lane);
    next ^= value & w1t & lane;
    return next;
  }
}
