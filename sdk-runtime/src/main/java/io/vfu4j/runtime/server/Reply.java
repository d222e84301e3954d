package io.vfu4j.runtime.server;

import java.io.FileDescriptor;

/** A success reply's payload and the fds that go with it. */
record Reply(byte[] payload, FileDescriptor... fds) {
  static final Reply EMPTY = new Reply(new byte[0]);
  /** The handler answers later itself (ATS_INVALIDATE completion); nothing is sent now. */
  static final Reply DEFERRED = new Reply(new byte[0]);

  static Reply of(byte[] payload) {
    return new Reply(payload);
  }
}
