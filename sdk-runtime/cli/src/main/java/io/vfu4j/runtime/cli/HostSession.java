package io.vfu4j.runtime.cli;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.server.VfioUserServer;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in host side of a device, for demos and tests: the host client connected and
 * negotiated, plus the few things a guest's PCI core does first (enable decoding and bus
 * mastering, wire interrupts). With {@link #start} it also owns a server on a temporary socket.
 */
public final class HostSession implements AutoCloseable {
  /** vfio's IRQ indices. */
  public static final int INTX = 0, MSI = 1, MSIX = 2;
  /** Command register: I/O space, memory space, bus master, INTx disable. */
  public static final int CMD_IO = 0x1, CMD_MEMORY = 0x2, CMD_BUS_MASTER = 0x4, CMD_INTX_DISABLE = 0x400;

  private final VfioUserClient client;
  private final VfioUserServer server;
  private final Path directory;
  private final List<EventFd> eventFds = new ArrayList<>();

  private HostSession(VfioUserClient client, VfioUserServer server, Path directory) {
    this.client = client;
    this.server = server;
    this.directory = directory;
  }

  /** Connects the host client to a server already listening on {@code socket}. */
  public static HostSession connect(Path socket) throws IOException {
    return new HostSession(VfioUserClient.open(socket), null, null);
  }

  /** Serves {@code descriptor} on a fresh temporary socket and connects to it. */
  public static HostSession start(DeviceDescriptor descriptor) throws IOException {
    Path directory = Files.createTempDirectory("vfu4j-host");
    VfioUserServer server = VfioUserServer.start(descriptor, directory.resolve(descriptor.name() + ".sock"));
    try {
      return new HostSession(VfioUserClient.open(server.socketPath()), server, directory);
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(directory);
      throw e;
    }
  }

  /** The connected client, for everything this class does not wrap. */
  public VfioUserClient client() {
    return client;
  }

  /** Sets the given Command register bits, as a guest's PCI core does before using a device. */
  public void enable(int commandBits) throws IOException {
    client.writeConfig16(0x04, client.config16(0x04) | commandBits);
  }

  /** Clears the given Command register bits. */
  public void disable(int commandBits) throws IOException {
    client.writeConfig16(0x04, client.config16(0x04) & ~commandBits);
  }

  /** Registers an eventfd as the trigger of vector 0 of {@code index} (INTX, MSI or MSIX). */
  public EventFd interrupt(int index) throws IOException {
    EventFd fd = client.enableInterrupts(index, 1).getFirst();
    eventFds.add(fd);
    return fd;
  }

  /** Unmasks INTx, as QEMU does after it handled an INTx interrupt. */
  public void unmaskIntx() throws IOException {
    client.setIrqs(SetIrqs.DATA_NONE | SetIrqs.ACTION_UNMASK, INTX, 0, 1, new byte[0]);
  }

  /**
   * Programs and enables MSI with one vector (message address {@code 0xfee00000}), the way a
   * guest's MSI setup does; the device's MSI capability must be at {@code capability}.
   */
  public void enableMsi(int capability) throws IOException {
    int control = client.config16(capability + 2);
    boolean address64 = (control & 0x80) != 0;
    client.writeConfig32(capability + 4, 0xfee0_0000);
    if (address64) {
      client.writeConfig32(capability + 8, 0);
    }
    client.writeConfig16(capability + (address64 ? 12 : 8), 0x4041);
    client.writeConfig16(capability + 2, (control & ~0x70) | 0x1);
  }

  /** Little-endian read of {@code size} bytes at {@code offset} in region {@code bar}. */
  public long read(int bar, long offset, int size) throws IOException {
    return client.read(bar, offset, size);
  }

  public void write(int bar, long offset, int size, long value) throws IOException {
    client.write(bar, offset, size, value);
  }

  /** What the device's config space says about it, decoded. */
  public PciIdentity identity() throws IOException {
    return PciIdentity.read(client);
  }

  /** Disconnects, and stops the server when this session started it. */
  @Override
  public void close() throws IOException {
    client.close();
    eventFds.forEach(EventFd::close);
    if (server != null) {
      server.close();
      Files.deleteIfExists(server.socketPath());
      Files.deleteIfExists(directory);
    }
  }
}
