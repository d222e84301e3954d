package io.vfu4j.samples.edu;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The access-size rule of edu's 64-bit DMA registers that register annotations cannot express,
 * because hooks do not see the access size: a 4-byte write at the start of a DMA register
 * replaces the whole register (upper half zero), and a 4-byte access to its upper half reads all
 * ones and is dropped, as on QEMU, where only offsets 0x80/0x88/0x90/0x98 decode.
 */
final class EduAccessRules implements DeviceModel {
  private static final long DMA_FIRST = 0x80;
  private static final long DMA_END = 0xa0;

  private final DeviceModel registers;

  EduAccessRules(DeviceModel registers) {
    this.registers = registers;
  }

  private static boolean dmaRegister(int bar, long offset) {
    return bar == 0 && offset >= DMA_FIRST && offset < DMA_END;
  }

  @Override
  public long read(int bar, long offset, int size) {
    if (size == 4 && dmaRegister(bar, offset) && offset % 8 != 0) {
      return 0xffff_ffffL;
    }
    return registers.read(bar, offset, size);
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    if (size == 4 && dmaRegister(bar, offset)) {
      if (offset % 8 == 0) {
        registers.write(bar, offset, 8, value & 0xffff_ffffL);
      }
      return;
    }
    registers.write(bar, offset, size, value);
  }

  @Override
  public void reset(ResetReason reason) {
    registers.reset(reason);
  }

  @Override
  public void saveState(DataOutput out) throws IOException {
    registers.saveState(out);
  }

  @Override
  public void loadState(DataInput in) throws IOException {
    registers.loadState(in);
  }

  @Override
  public Object device() {
    return registers.device();
  }
}
