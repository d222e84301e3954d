package io.vfu4j.runtime.server;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.dma.Space;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.IommuMessages.AtsInvalidate;
import io.vfu4j.runtime.protocol.IommuMessages.PageResponse;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery;
import io.vfu4j.runtime.protocol.DeviceMessages.IrqInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionIoFds;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.FeatureMessages.DeviceFeature;
import io.vfu4j.runtime.protocol.FeatureMessages.MigData;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.protocol.RegionMessages.RegionAccess;
import io.vfu4j.runtime.protocol.RegionMessages.WriteEntry;
import io.vfu4j.runtime.protocol.RegionMessages.WriteMulti;
import io.vfu4j.runtime.transport.Fds;
import io.vfu4j.runtime.transport.Message;
import java.io.FileDescriptor;
import java.util.List;

/**
 * Decodes and serves one client command on the device thread. Every refusal is a
 * {@link ProtocolException}; the caller turns it into an error reply (or nothing, for No_reply).
 */
final class CommandHandler {
  private final DeviceHost host;
  private final long maxDataXferSize;
  private final long clientMaxDataXferSize;

  /** Sends a reply later, from any thread: errno 0 for success with {@code payload}. */
  interface LateReply {
    void send(Header request, int errno, byte[] payload);
  }

  private final IommuOffer iommu;
  private final LateReply lateReply;

  CommandHandler(DeviceHost host, long maxDataXferSize, long clientMaxDataXferSize) {
    this(host, maxDataXferSize, clientMaxDataXferSize, null, (h, e, p) -> {});
  }

  /** With the negotiated IOMMU extension ({@code iommu} null: off) and a way to send deferred replies. */
  CommandHandler(DeviceHost host, long maxDataXferSize, long clientMaxDataXferSize, IommuOffer iommu,
      LateReply lateReply) {
    this.host = host;
    this.maxDataXferSize = maxDataXferSize;
    this.clientMaxDataXferSize = clientMaxDataXferSize;
    this.iommu = iommu;
    this.lateReply = lateReply;
  }

  Reply handle(Command command, Message m) throws ProtocolException {
    FileDescriptor[] fds = m.fds();
    if (fds.length > 0 && command != Command.DMA_MAP && command != Command.DEVICE_SET_IRQS) {
      Fds.close(fds);
      throw ProtocolException.invalid(command + " must not carry file descriptors (" + fds.length + " closed)");
    }
    byte[] p = m.payload();
    if (command == Command.REGION_READ || command == Command.REGION_WRITE || command == Command.REGION_WRITE_MULTI) {
      // A client with KVM acknowledges INTx through the resample eventfd; pick that up first.
      host.irq().pollIntxResample();
    }
    return switch (command) {
      case DMA_MAP -> dmaMap(p, fds);
      case DMA_UNMAP -> {
        DmaUnmap u = DmaUnmap.decode(p, iommu);
        Space space = spaceOf(u.flags());
        if (u.all() && (u.flags() & ~DmaMessages.UNMAP_ALL) == 0) {
          host.dma().unmapAll();
        } else if (u.all()) {
          host.dma().unmapAll(space);
        } else {
          host.dma().unmap(space, u.address(), u.size());
        }
        yield Reply.of(new DmaUnmap(DmaUnmap.SIZE, u.flags(), u.address(), u.size()).encode());
      }
      case DEVICE_GET_INFO -> {
        IndexQuery.decode(p, 16, "DEVICE_GET_INFO");
        yield Reply.of(host.deviceInfo().encode());
      }
      case DEVICE_GET_REGION_INFO -> {
        IndexQuery q = IndexQuery.decode(p, 32, "GET_REGION_INFO");
        DeviceHost.RegionAnswer a = host.regionInfo(q.index(), q.argsz());
        yield a.fd() == null ? Reply.of(a.info().encode()) : new Reply(a.info().encode(), a.fd());
      }
      case DEVICE_GET_REGION_IO_FDS -> {
        IndexQuery q = IndexQuery.decode(p, 16, "GET_REGION_IO_FDS");
        if (q.flags() != 0 || q.count() != 0) {
          throw ProtocolException.invalid("GET_REGION_IO_FDS: flags and count must be 0");
        }
        if (q.index() < 0 || q.index() >= Regions.COUNT || host.regionSize(q.index()) == 0) {
          throw ProtocolException.invalid("GET_REGION_IO_FDS: region " + q.index() + " does not exist");
        }
        // Honest answer: this server offers no ioeventfds; every access goes through messages.
        yield Reply.of(new RegionIoFds(q.index(), 0).encode());
      }
      case DEVICE_GET_IRQ_INFO -> {
        IndexQuery q = IndexQuery.decode(p, 16, "GET_IRQ_INFO");
        io.vfu4j.runtime.irq.IrqInfo info = host.irq().info(q.index());
        yield Reply.of(new IrqInfo(info.flags(), q.index(), info.count()).encode());
      }
      case DEVICE_SET_IRQS -> {
        SetIrqs s;
        try {
          s = SetIrqs.decode(p);
        } catch (ProtocolException e) {
          Fds.close(fds);
          throw e;
        }
        host.irq().setIrqs(s.flags(), s.index(), (int) s.start(), (int) s.count(), s.data(), List.of(fds));
        yield Reply.EMPTY;
      }
      case REGION_READ -> {
        RegionAccess r = RegionAccess.decodeRead(p, maxDataXferSize);
        byte[] data = r.count() == 0 ? new byte[0] : host.readRegion(r.region(), r.offset(), (int) r.count());
        yield Reply.of(new RegionAccess(r.offset(), r.region(), r.count(), data).encode());
      }
      case REGION_WRITE -> {
        RegionAccess w = RegionAccess.decodeWrite(p, maxDataXferSize);
        host.takeResetHappened();
        if (w.count() > 0) {
          host.writeRegion(w.region(), w.offset(), w.data());
        }
        yield afterReset(m.header(), new RegionAccess(w.offset(), w.region(), w.count(), new byte[0]).encode());
      }
      case REGION_WRITE_MULTI -> {
        WriteMulti wm = WriteMulti.decode(p);
        host.takeResetHappened();
        for (WriteEntry e : wm.writes()) {
          byte[] data = Payload.allocate(8).putLong(e.data()).array();
          host.writeRegion(e.region(), e.offset(), java.util.Arrays.copyOf(data, e.count()));
        }
        yield afterReset(m.header(), WriteMulti.encodeReply(wm.writes().size()));
      }
      case DEVICE_RESET -> {
        Payload.exactly(p, 0, "DEVICE_RESET");
        host.migration().reset();
        host.resetDevice(ResetReason.DEVICE_RESET);
        host.takeResetHappened();
        yield whenQuiet(m.header(), new byte[0]);
      }
      case DEVICE_FEATURE -> {
        DeviceFeature f = DeviceFeature.decode(p);
        if (!host.migration().leavesRunning(f)) {
          yield Reply.of(host.migration().feature(f));
        }
        // STOP: nothing new starts now; the reply once what is in flight has drained (extension §8)
        host.migration().stop();
        Header h = m.header();
        host.iommuDma().whenQuiet(() -> {
          try {
            lateReply.send(h, 0, host.migration().feature(f));
          } catch (ProtocolException e) {
            lateReply.send(h, e.errno(), new byte[0]);
          }
        });
        yield Reply.DEFERRED;
      }
      case MIG_DATA_READ -> Reply.of(
          host.migration().read(MigData.decodeRead(p, Math.min(maxDataXferSize, clientMaxDataXferSize))).encode());
      case MIG_DATA_WRITE -> {
        host.migration().write(MigData.decodeWrite(p, maxDataXferSize));
        yield Reply.EMPTY;
      }
      case VERSION -> throw ProtocolException.invalid("VERSION after negotiation");
      case DMA_READ, DMA_WRITE -> throw ProtocolException.invalid(command + " is a server-to-client command");
      case DIRTY_PAGES -> throw new ProtocolException(Errno.ENOSYS, "DIRTY_PAGES was removed from the protocol");
      case ATS_INVALIDATE -> atsInvalidate(m);
      case PRI_PAGE_RESPONSE -> {
        requireFeature(command, iommu != null && iommu.pri());
        host.iommuDma().pageResponse(PageResponse.decode(p, iommu.width()));
        yield Reply.EMPTY;
      }
      case ATS_TRANSLATE, DMA_READ_EX, DMA_WRITE_EX, PRI_PAGE_REQUEST -> {
        requireFeature(command, iommu != null && (command == Command.DMA_READ_EX || command == Command.DMA_WRITE_EX
            ? iommu.enabled() : command == Command.PRI_PAGE_REQUEST ? iommu.pri() : iommu.ats()));
        throw ProtocolException.invalid(command + " is a server-to-client command");
      }
    };
  }

  /**
   * The reply of a config write: at once, or, when the write started a reset (FLR, PM), once the
   * device's DMA in flight and pending invalidation completions have drained.
   */
  private Reply afterReset(Header h, byte[] payload) {
    return host.takeResetHappened() ? whenQuiet(h, payload) : Reply.of(payload);
  }

  /** The reply once nothing is in flight (the reset cleared Bus Master Enable: nothing new starts). */
  private Reply whenQuiet(Header h, byte[] payload) {
    host.iommuDma().whenQuiet(() -> lateReply.send(h, 0, payload));
    return Reply.DEFERRED;
  }

  /** A command of a feature the client did not negotiate gets ENOSYS (extension §4). */
  private static void requireFeature(Command command, boolean negotiated) throws ProtocolException {
    if (!negotiated) {
      throw new ProtocolException(Errno.ENOSYS, command + " needs the IOMMU extension feature, not negotiated");
    }
  }

  private static Space spaceOf(int flags) {
    int pasid = DmaMessages.pasidOf(flags);
    return pasid >= 0 ? Space.pasid(pasid) : DmaMessages.translatedOf(flags) ? Space.TRANSLATED : Space.NONE;
  }

  /** Removal now; the reply (the Invalidate Completion) when the removed entries drained (§4.2). */
  private Reply atsInvalidate(Message m) throws ProtocolException {
    requireFeature(Command.ATS_INVALIDATE, iommu != null && iommu.ats());
    AtsInvalidate inv = AtsInvalidate.decode(m.payload(), iommu.width());
    Header h = m.header();
    return switch (host.iommuDma().invalidate(inv, () -> lateReply.send(h, 0, new byte[0]))) {
      case COMPLETE, PENDING -> Reply.DEFERRED;
      case BUSY -> throw new ProtocolException(Errno.EBUSY, "ATS_INVALIDATE beyond the Invalidate Queue Depth");
    };
  }

  private Reply dmaMap(byte[] p, FileDescriptor[] fds) throws ProtocolException {
    DmaMap map;
    try {
      if (fds.length > 1) {
        throw ProtocolException.invalid("DMA_MAP: " + fds.length + " fds, at most 1");
      }
      map = DmaMap.decode(p, iommu);
    } catch (ProtocolException e) {
      Fds.close(fds);
      throw e;
    }
    host.dma().map(spaceOf(map.flags()), map.address(), map.size(), map.offset(), map.flags() & 0xff,
        fds.length == 1 ? fds[0] : null);
    host.log().log(System.Logger.Level.DEBUG, "DMA_MAP 0x{0}+0x{1}{2}", Long.toHexString(map.address()),
        Long.toHexString(map.size()), fds.length == 1 ? " (fd)" : " without an fd: DMA there goes by message");
    return Reply.EMPTY;
  }
}
