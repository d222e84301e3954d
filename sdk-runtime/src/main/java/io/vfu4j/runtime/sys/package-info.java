/**
 * The only native code of the runtime: FFM bindings to libc ({@link io.vfu4j.runtime.sys.Native})
 * and small owned resources built on them: eventfds, memfd-backed shared memory, mappings of
 * received fds. Every fd has exactly one owner, which closes it once.
 */
package io.vfu4j.runtime.sys;
