/**
 * DMA: the client's DMA_MAP'ed memory and checked device accesses to it, by direct copy where the
 * client shared an fd and by DMA_READ/DMA_WRITE messages otherwise ({@link
 * io.vfu4j.runtime.dma.DmaEngine}).
 */
package io.vfu4j.runtime.dma;
