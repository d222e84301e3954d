package io.vfu4j.runtime.server;

import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.transport.MessageChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server→client requests in flight, matched to their replies by message id. Nobody waits here:
 * a request returns a future that the reader completes, or that times out.
 */
final class PendingRequests {
  private final Map<Integer, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final Duration timeout;
  private volatile boolean closed;

  PendingRequests(Duration timeout) {
    this.timeout = timeout;
  }

  /** Sends a request; the future completes with the reply, or fails (error reply, timeout, disconnect). */
  CompletableFuture<Message> send(MessageChannel channel, Command command, byte[] payload) {
    CompletableFuture<Message> reply = new CompletableFuture<>();
    int id = register(reply);
    if (id < 0) {
      return CompletableFuture.failedFuture(new ProtocolException(Errno.EBUSY, "too many requests in flight"));
    }
    reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((m, e) -> pending.remove(id, reply));
    if (closed) {
      reply.completeExceptionally(new IOException("client gone"));
      return reply;
    }
    try {
      channel.send(Header.command(id, command, payload.length, false), payload);
    } catch (IOException e) {
      reply.completeExceptionally(e);
    }
    return reply.handle((m, e) -> {
      if (e instanceof TimeoutException) {
        throw new java.util.concurrent.CompletionException(
            new ProtocolException(Errno.ETIMEDOUT, command + " not answered within " + timeout));
      }
      if (e != null) {
        throw e instanceof java.util.concurrent.CompletionException ce ? ce : new java.util.concurrent.CompletionException(e);
      }
      if (m.header().isError()) {
        throw new java.util.concurrent.CompletionException(
            new ProtocolException(m.header().error(), command + " failed at the client"));
      }
      return m;
    });
  }

  private int register(CompletableFuture<Message> reply) {
    for (int tries = 0; tries < 0x10000; tries++) {
      int id = nextId.getAndIncrement() & 0xffff;
      if (pending.putIfAbsent(id, reply) == null) {
        return id;
      }
    }
    return -1;
  }

  /** Hands a reply to its request; false when no request has that id (the caller closes its fds). */
  boolean complete(Message reply) {
    CompletableFuture<Message> f = pending.remove(reply.header().msgId());
    return f != null && f.complete(reply);
  }

  /** Fails everything in flight: the client is gone. */
  void failAll() {
    closed = true;
    for (var f : pending.values()) {
      f.completeExceptionally(new IOException("client disconnected"));
    }
    pending.clear();
  }
}
