/**
 * A vfio-user client in Java (a small simulated VMM): {@link io.vfu4j.host.VfioUserClient} drives
 * any vfio-user server through its socket, for tests, demos and tools.
 */
package io.vfu4j.host;
