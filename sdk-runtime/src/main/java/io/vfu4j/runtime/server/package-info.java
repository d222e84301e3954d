/**
 * The vfio-user server: {@link io.vfu4j.runtime.server.VfioUserServer} accepts one client at a
 * time per socket; a reader thread frames messages and queues commands on the device's single
 * thread, which serves them in order; server requests (DMA_READ/WRITE) are asynchronous and
 * matched by id. See docs/protocol.md.
 */
package io.vfu4j.runtime.server;
