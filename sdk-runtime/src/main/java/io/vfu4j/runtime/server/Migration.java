package io.vfu4j.runtime.server;

import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.FeatureMessages;
import io.vfu4j.runtime.protocol.FeatureMessages.DeviceFeature;
import io.vfu4j.runtime.protocol.FeatureMessages.MigData;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Migration v2 over DEVICE_FEATURE and MIG_DATA_READ/WRITE, STOP_COPY only (no PRE_COPY, no
 * P2P). States RUNNING, STOP, STOP_COPY and RESUMING meet at STOP, so every transition is at
 * most two direct arcs through STOP. The stream: magic, version, config-space bytes, then the
 * model's {@code saveState}. Device thread only.
 */
final class Migration {
  static final int ERROR = 0, STOP = 1, RUNNING = 2, STOP_COPY = 3, RESUMING = 4;
  private static final long MAGIC = 0x7666753400000001L; // "vfu4" + stream version 1
  /** Bound on an incoming stream: far above any register state, far below the heap. */
  private static final int MAX_STREAM = 16 << 20;

  private final DeviceHost host;
  private int state = RUNNING;
  private byte[] outgoing;
  private int readPosition;
  private ByteArrayOutputStream incoming;

  Migration(DeviceHost host) {
    this.host = host;
  }

  int state() {
    return state;
  }

  /** Answers DEVICE_FEATURE; returns the reply payload. */
  byte[] feature(DeviceFeature f) throws ProtocolException {
    switch (f.feature()) {
      case FeatureMessages.MIGRATION -> {
        if (f.set()) {
          throw ProtocolException.invalid("DEVICE_FEATURE: MIGRATION cannot be SET");
        }
        if (f.probe()) {
          return echo(f);
        }
        Payload.argszAtLeast(f.argsz(), 16, "DEVICE_FEATURE MIGRATION");
        return new DeviceFeature(16, f.flags(), Payload.allocate(8).putLong(FeatureMessages.MIGRATION_STOP_COPY).array())
            .encode();
      }
      case FeatureMessages.MIG_DEVICE_STATE -> {
        if (f.probe()) {
          return echo(f);
        }
        Payload.argszAtLeast(f.argsz(), 16, "DEVICE_FEATURE MIG_DEVICE_STATE");
        if (f.set()) {
          if (f.data().length < 8) {
            throw ProtocolException.invalid("DEVICE_FEATURE MIG_DEVICE_STATE SET: " + f.data().length + " data bytes");
          }
          transition(Payload.wrap(f.data()).getInt());
        }
        return new DeviceFeature(16, f.flags(), Payload.allocate(8).putInt(state).putInt(-1).array()).encode();
      }
      case FeatureMessages.DMA_LOGGING_START, FeatureMessages.DMA_LOGGING_STOP, FeatureMessages.DMA_LOGGING_REPORT ->
          throw new ProtocolException(Errno.ENOTSUP, "DEVICE_FEATURE: DMA dirty logging is not supported");
      default -> throw new ProtocolException(Errno.ENOTSUP, "DEVICE_FEATURE: unknown feature " + f.feature());
    }
  }

  private static byte[] echo(DeviceFeature f) {
    return new DeviceFeature(f.argsz(), f.flags(), new byte[0]).encode();
  }

  private void transition(int target) throws ProtocolException {
    if (target != STOP && target != RUNNING && target != STOP_COPY && target != RESUMING) {
      throw ProtocolException.invalid("MIG_DEVICE_STATE: state " + target + " cannot be requested");
    }
    if (state == ERROR) {
      throw ProtocolException.invalid("MIG_DEVICE_STATE: device is in ERROR; DEVICE_RESET first");
    }
    if (state != target && state != STOP && target != STOP) {
      arc(STOP);
    }
    if (state != target) {
      arc(target);
    }
  }

  /** One direct arc from the current state (one end is always STOP). */
  private void arc(int next) throws ProtocolException {
    switch (state) {
      case STOP_COPY -> {
        outgoing = null;
      }
      case RESUMING -> {
        byte[] stream = incoming.toByteArray();
        incoming = null;
        try {
          load(stream);
        } catch (IOException | RuntimeException e) {
          state = ERROR;
          throw ProtocolException.invalid("MIG_DEVICE_STATE: cannot load the migration stream: " + e.getMessage());
        }
      }
      default -> { }
    }
    switch (next) {
      case STOP_COPY -> {
        outgoing = save();
        readPosition = 0;
      }
      case RESUMING -> incoming = new ByteArrayOutputStream();
      default -> { }
    }
    state = next;
    host.iommuDma().quiesce(state != RUNNING);
  }

  /**
   * True for a SET of MIG_DEVICE_STATE that leaves RUNNING: the device stops at once (no new DMA),
   * and the request completes once the DMA in flight and pending invalidation completions have
   * drained ({@link #stop()}, then {@link #feature} when quiet).
   */
  boolean leavesRunning(DeviceFeature f) {
    if (state != RUNNING || f.feature() != FeatureMessages.MIG_DEVICE_STATE || !f.set() || f.probe()
        || f.argsz() < 16 || f.data().length < 8) {
      return false;
    }
    int target = Payload.wrap(f.data()).getInt();
    return target == STOP || target == STOP_COPY || target == RESUMING;
  }

  /** RUNNING to STOP: nothing new starts; the caller waits for what is in flight. */
  void stop() throws ProtocolException {
    arc(STOP);
  }

  private byte[] save() throws ProtocolException {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      byte[] config = new byte[host.config().size()];
      host.config().read(0, ByteBuffer.wrap(config));
      out.writeLong(MAGIC);
      out.writeInt(config.length);
      out.write(config);
      host.model().saveState(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new ProtocolException(Errno.EIO, "saving device state failed: " + e.getMessage());
    }
  }

  /** Config bytes go back through the config space's write masks: only guest-writable state returns. */
  private void load(byte[] stream) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(stream));
    if (in.readLong() != MAGIC) {
      throw new IOException("not a vfu4j migration stream");
    }
    int length = in.readInt();
    if (length != host.config().size()) {
      throw new IOException("config space of " + length + " bytes, this device has " + host.config().size());
    }
    byte[] config = in.readNBytes(length);
    if (config.length != length) {
      throw new IOException("stream ends inside the config space");
    }
    host.model().loadState(in);
    host.config().write(0, ByteBuffer.wrap(config));
    host.afterConfigWrite();
  }

  MigData read(MigData request) throws ProtocolException {
    if (state != STOP_COPY) {
      throw ProtocolException.invalid("MIG_DATA_READ outside STOP_COPY");
    }
    int n = (int) Math.min(request.size(), outgoing.length - readPosition);
    byte[] data = Arrays.copyOfRange(outgoing, readPosition, readPosition + n);
    readPosition += n;
    return new MigData(MigData.SIZE + n, n, data);
  }

  void write(MigData request) throws ProtocolException {
    if (state != RESUMING) {
      throw ProtocolException.invalid("MIG_DATA_WRITE outside RESUMING");
    }
    if (incoming.size() + request.data().length > MAX_STREAM) {
      throw new ProtocolException(Errno.ENOSPC, "migration stream exceeds " + MAX_STREAM + " bytes");
    }
    incoming.writeBytes(request.data());
  }

  /** DEVICE_RESET: back to RUNNING from any state, ERROR included. */
  void reset() {
    state = RUNNING;
    outgoing = null;
    incoming = null;
    host.iommuDma().quiesce(false);
  }

  void clientLost() {
    reset();
  }
}
