package io.vfu4j.runtime.irq;

import io.vfu4j.runtime.sys.EventFd;
import java.io.UncheckedIOException;

/** The vectors of one IRQ index: trigger eventfds, SET_IRQS mask bits and pending bits. */
final class Vectors {
  private static final System.Logger LOG = System.getLogger(Vectors.class.getName());

  private final String name;
  private final EventFd[] triggers;
  private final boolean[] masked;
  private final boolean[] pending;

  Vectors(String name, int count) {
    this.name = name;
    this.triggers = new EventFd[count];
    this.masked = new boolean[count];
    this.pending = new boolean[count];
  }

  int count() {
    return triggers.length;
  }

  boolean hasTrigger(int vector) {
    return triggers[vector] != null;
  }

  /** Installs {@code eventFd} (or none) as the trigger of {@code vector}, closing the old one. */
  void assign(int vector, EventFd eventFd) {
    EventFd old = triggers[vector];
    triggers[vector] = eventFd;
    if (old != null) {
      old.close();
    }
  }

  boolean masked(int vector) {
    return masked[vector];
  }

  void setMasked(int vector, boolean value) {
    masked[vector] = value;
  }

  boolean pending(int vector) {
    return pending[vector];
  }

  void setPending(int vector, boolean value) {
    pending[vector] = value;
  }

  /** Writes the trigger eventfd of {@code vector}; false if there is none or it failed. */
  boolean signal(int vector) {
    EventFd eventFd = triggers[vector];
    if (eventFd == null) {
      return false;
    }
    try {
      if (!eventFd.signal()) {
        LOG.log(System.Logger.Level.WARNING, "{0} vector {1}: eventfd counter full or closed, interrupt dropped", name, vector);
        return false;
      }
      return true;
    } catch (UncheckedIOException e) {
      LOG.log(System.Logger.Level.WARNING, "{0} vector {1}: cannot signal eventfd: {2}", name, vector, e.getMessage());
      return false;
    }
  }

  /** Closes every eventfd and clears mask and pending state (client gone or index disabled). */
  void clear() {
    for (int v = 0; v < triggers.length; v++) {
      assign(v, null);
      masked[v] = false;
      pending[v] = false;
    }
  }
}
