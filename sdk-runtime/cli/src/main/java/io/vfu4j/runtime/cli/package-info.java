/**
 * The command line shared by every device jar: {@link io.vfu4j.runtime.cli.DeviceMain} parses
 * the common options, binds the socket, shuts down cleanly on SIGTERM, and runs a device's
 * {@code --demo}; a device adds its own options and hooks with
 * {@link io.vfu4j.runtime.cli.DeviceExtension}.
 */
package io.vfu4j.runtime.cli;
