package io.vfu4j.host;

import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import java.io.FileDescriptor;

/**
 * What GET_REGION_INFO told the client.
 *
 * @param info the decoded reply (after the argsz retry, with its capabilities)
 * @param fd the region's mmap fd, or null; the caller owns it
 * @param attempts how many requests it took (2 when the first argsz was too small)
 */
public record RegionDescription(RegionInfo info, FileDescriptor fd, int attempts) {}
