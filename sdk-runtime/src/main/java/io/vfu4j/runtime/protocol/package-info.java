/**
 * The vfio-user wire format: the 16-byte {@link io.vfu4j.runtime.protocol.Header}, one record per
 * message with an encoder and a decoder that checks every field, VERSION's JSON capabilities,
 * and the errnos refusals carry ({@link io.vfu4j.runtime.protocol.ProtocolException}).
 */
package io.vfu4j.runtime.protocol;
