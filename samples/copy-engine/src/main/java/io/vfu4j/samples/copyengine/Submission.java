package io.vfu4j.samples.copyengine;

/**
 * A descriptor as the device latched it when the doorbell rang: later descriptor writes do not
 * change a copy in flight.
 *
 * @param tag the value written to the doorbell, echoed in COMPLETION_TAG
 * @param usePasid tag every request with {@code pasid} (shared virtual addressing)
 * @param pasid the process address space, 20 bits
 * @param source first byte to read
 * @param destination first byte to write
 * @param length bytes to copy
 * @param interrupt raise the completion vector when done
 */
record Submission(int tag, boolean usePasid, int pasid, long source, long destination, long length,
    boolean interrupt) {}
