/**
 * Framed messages over a UNIX stream socket (junixsocket), with file descriptors both ways:
 * fds travel with the first bytes of their message; oversized payloads are skipped, never stored.
 */
package io.vfu4j.runtime.transport;
