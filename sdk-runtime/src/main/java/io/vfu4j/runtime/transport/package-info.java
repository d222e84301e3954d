/**
 * Framed messages over a UNIX stream socket (junixsocket), with file descriptors both ways:
 * fds travel with the first bytes of their message; a header announcing more than the receive limit
 * is reported at once, its payload neither read nor stored.
 */
package io.vfu4j.runtime.transport;
