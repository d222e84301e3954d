// SPDX-License-Identifier: GPL-2.0
/*
 * A guest driver for vfu4j's copy-engine sample (PCIe 1234:ce01, samples/copy-engine/README.md),
 * used by the guest tests. It uses the kernel's DMA API only (no PASID, ATS or PRI: every copy is
 * untagged) and MSI-X completions. Everything runs in probe; each observation is one
 * "VFU4J copy.<mode>.<name>=<value>" line in the kernel log, which the guest test script copies to
 * the console for the host test.
 *
 *   mode=plain  copies between dma_alloc_coherent buffers: sizes, page crossing, 1 MiB, MSI-X
 *               vectors, polled completion, invalid descriptors.
 *   mode=iommu  streaming mappings (dma_map_single) of kmalloc/alloc_pages memory behind a vIOMMU:
 *               IOVA against guest-physical address, remapping, faults on unmapped IOVAs.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define CE_ID 0x00
#define CE_CAPABILITIES 0x04
#define CE_IOMMU_STATE 0x08
#define CE_CONTROL 0x0c
#define CE_STATUS 0x10
#define CE_INTERRUPT_STATUS 0x14
#define CE_DESC_PASID 0x40
#define CE_DESC_FLAGS 0x44
#define CE_DESC_SOURCE 0x48
#define CE_DESC_DESTINATION 0x50
#define CE_DESC_LENGTH 0x58
#define CE_DOORBELL 0x60
#define CE_COMPLETION_STATUS 0x80
#define CE_COMPLETION_TAG 0x84
#define CE_COMPLETION_BYTES 0x88
#define CE_FAULT_ADDRESS 0x90
#define CE_COMPLETED_COUNT 0x98
#define CE_UNUSED 0x20

#define CE_CONTROL_ENABLE BIT(0)
#define CE_CONTROL_VECTOR_SHIFT 8
#define CE_STATUS_BUSY BIT(0)
#define CE_FLAG_INTERRUPT BIT(1)
#define CE_VECTORS 4
#define CE_MAX_COPY (1u << 20)

#define CE_SUCCESS 1
#define CE_DMA_ERROR 4
#define CE_INVALID_DESCRIPTOR 5

#define FILL 0x5a	/* destinations before a copy */
#define GUARD 0xc3	/* memory the device must not touch */

static char *mode = "plain";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "plain or iommu");

struct ce;

struct ce_vector {
	struct ce *ce;
	int index;
	int irq;
};

struct ce {
	struct pci_dev *pdev;
	struct device *dev;
	void __iomem *bar;
	struct ce_vector vectors[CE_VECTORS];
	int nvectors;
	struct completion done;
	atomic_t irqs[CE_VECTORS];
	int last_vector;
	u32 last_interrupt_status;
	u32 tag;
	u32 expected_count;
	u32 irqs_expected[CE_VECTORS];
	int failures;
};

/* What one submission ended with. */
struct ce_result {
	bool completed;	/* the interrupt came (or, polled, BUSY cleared) */
	int vector;	/* the vector whose interrupt came, -1 for none */
	u32 status, tag, bytes, count, busy;
	u64 fault;
};

#define report(fmt, ...) pr_info("VFU4J copy.%s." fmt "\n", mode, ##__VA_ARGS__)

static irqreturn_t ce_interrupt(int irq, void *data)
{
	struct ce_vector *v = data;
	struct ce *ce = v->ce;
	u32 status = ioread32(ce->bar + CE_INTERRUPT_STATUS);

	iowrite32(status, ce->bar + CE_INTERRUPT_STATUS);
	ce->last_interrupt_status = status;
	ce->last_vector = v->index;
	atomic_inc(&ce->irqs[v->index]);
	complete(&ce->done);
	return IRQ_HANDLED;
}

/*
 * Submits one untagged copy of len bytes from bus address src to dst, completing on MSI-X vector
 * (or polled when vector < 0), and waits for it.
 */
static void ce_copy(struct ce *ce, u64 src, u64 dst, u32 len, int vector, struct ce_result *r)
{
	int waited;

	memset(r, 0, sizeof(*r));
	iowrite32(CE_CONTROL_ENABLE | (vector < 0 ? 0 : vector) << CE_CONTROL_VECTOR_SHIFT,
		  ce->bar + CE_CONTROL);
	iowrite32(vector < 0 ? 0 : CE_FLAG_INTERRUPT, ce->bar + CE_DESC_FLAGS);
	iowrite32(0, ce->bar + CE_DESC_PASID);
	writeq(src, ce->bar + CE_DESC_SOURCE);
	writeq(dst, ce->bar + CE_DESC_DESTINATION);
	iowrite32(len, ce->bar + CE_DESC_LENGTH);
	ce->last_vector = -1;
	reinit_completion(&ce->done);
	ce->tag++;
	iowrite32(ce->tag, ce->bar + CE_DOORBELL);
	if (vector >= 0) {
		r->completed = wait_for_completion_timeout(&ce->done, msecs_to_jiffies(20000)) != 0;
		ce->irqs_expected[vector]++;
	} else {
		for (waited = 0; waited < 20000; waited++) {
			if (!(ioread32(ce->bar + CE_STATUS) & CE_STATUS_BUSY))
				break;
			msleep(1);
		}
		r->completed = waited < 20000;
	}
	r->vector = ce->last_vector;
	r->busy = ioread32(ce->bar + CE_STATUS) & CE_STATUS_BUSY;
	r->status = ioread32(ce->bar + CE_COMPLETION_STATUS) & 0xff;
	r->tag = ioread32(ce->bar + CE_COMPLETION_TAG);
	r->bytes = ioread32(ce->bar + CE_COMPLETION_BYTES);
	r->fault = readq(ce->bar + CE_FAULT_ADDRESS);
	r->count = ioread32(ce->bar + CE_COMPLETED_COUNT);
	ce->expected_count++;
}

/* Reports a submission's outcome; true when it matches what the caller expected. */
static bool ce_check(struct ce *ce, const char *name, const struct ce_result *r, int vector,
		     u32 status, u32 bytes)
{
	bool ok = r->completed && !r->busy && r->status == status && r->bytes == bytes &&
		  r->tag == ce->tag && r->count == ce->expected_count && r->vector == vector;

	report("%s.completed=%d", name, r->completed);
	report("%s.status=%u", name, r->status);
	report("%s.bytes=%u", name, r->bytes);
	report("%s.tag_matches=%d", name, r->tag == ce->tag);
	report("%s.count_matches=%d", name, r->count == ce->expected_count);
	report("%s.busy=%u", name, r->busy);
	report("%s.vector=%d", name, r->vector);
	if (status != CE_SUCCESS)
		report("%s.fault=0x%llx", name, r->fault);
	if (!ok)
		ce->failures++;
	return ok;
}

static u8 pattern(size_t i, u8 seed)
{
	return (u8)(i * 31 + seed + (i >> 9));
}

static void fill_pattern(u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern(i, seed);
}

/* The first offset where got differs from pattern seed, or -1. */
static long pattern_mismatch(const u8 *got, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != pattern(i, seed))
			return i;
	return -1;
}

/* True when len bytes at p all hold value. */
static bool all_are(const u8 *p, size_t len, u8 value)
{
	return !memchr_inv(p, value, len);
}

/*
 * Checks a destination after a copy: [off, off + len) holds pattern seed, the rest of the
 * size-byte buffer still FILL.
 */
static void check_landed(struct ce *ce, const char *name, const u8 *dst, size_t size, size_t off,
			 size_t len, u8 seed)
{
	long mismatch = pattern_mismatch(dst + off, len, seed);
	bool before = all_are(dst, off, FILL), after = all_are(dst + off + len, size - off - len, FILL);

	report("%s.mismatch=%ld", name, mismatch);
	report("%s.untouched_before=%d", name, before);
	report("%s.untouched_after=%d", name, after);
	if (mismatch != -1 || !before || !after)
		ce->failures++;
}

static const char *domain_type(struct iommu_domain *domain)
{
	if (!domain)
		return "none";
	switch (domain->type) {
	case IOMMU_DOMAIN_BLOCKED: return "blocked";
	case IOMMU_DOMAIN_IDENTITY: return "identity";
	case IOMMU_DOMAIN_UNMANAGED: return "unmanaged";
	case IOMMU_DOMAIN_DMA: return "dma";
	case IOMMU_DOMAIN_DMA_FQ: return "dma-fq";
	default: return "other";
	}
}

static void ce_report_iommu(struct ce *ce)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(ce->dev);
	struct iommu_group *group = iommu_group_get(ce->dev);

	report("iommu.domain=%s", domain_type(domain));
	report("iommu.group=%d", group ? iommu_group_id(group) : -1);
	report("iommu.translated=%d", domain && (domain->type & __IOMMU_DOMAIN_PAGING));
	if (group)
		iommu_group_put(group);
}

/* ---- mode=plain: coherent buffers ---------------------------------------------------------- */

#define PLAIN_SIZE (CE_MAX_COPY + 4 * PAGE_SIZE)

struct plain_copy {
	const char *name;
	size_t src_off, dst_off, len;
	int vector;
};

static void ce_test_plain(struct ce *ce)
{
	static const struct plain_copy copies[] = {
		{ "small", 0, 0, 64, 0 },
		{ "page", 0, 0, 4096, 1 },
		{ "multipage", 0, 0, 65536, 0 },
		{ "unaligned", 0xff1, 0x1234, 3 * 4096 + 77, 1 },
		{ "straddle", 0xfff, 0x2fff, 2, 2 },
		{ "large", 0, 0, CE_MAX_COPY, 3 },
		{ "large_unaligned", 0x801, 0x3, CE_MAX_COPY, 2 },
	};
	struct device *dev = ce->dev;
	dma_addr_t src_bus, dst_bus;
	struct ce_result r;
	u8 *src, *dst;
	int i, before;
	u64 phys;

	src = dma_alloc_coherent(dev, PLAIN_SIZE, &src_bus, GFP_KERNEL);
	dst = dma_alloc_coherent(dev, PLAIN_SIZE, &dst_bus, GFP_KERNEL);
	if (!src || !dst) {
		report("error=alloc");
		ce->failures++;
		goto out;
	}
	/*
	 * Without a vIOMMU the bus address is the guest-physical address. Behind one, the buffer may
	 * be pages gathered from anywhere, remapped in vmalloc space and contiguous only in IOVA.
	 */
	phys = is_vmalloc_addr(dst) ? page_to_phys(vmalloc_to_page(dst)) + offset_in_page(dst)
				    : virt_to_phys(dst);
	report("coherent.vmapped=%d", is_vmalloc_addr(dst));
	report("coherent.bus=0x%llx", (u64)dst_bus);
	report("coherent.phys=0x%llx", phys);
	report("coherent.iova_differs=%d", (u64)dst_bus != phys);

	for (i = 0; i < ARRAY_SIZE(copies); i++) {
		const struct plain_copy *c = &copies[i];
		u8 seed = 17 * i + 1;

		fill_pattern(src + c->src_off, c->len, seed);
		memset(dst, FILL, PLAIN_SIZE);
		ce_copy(ce, src_bus + c->src_off, dst_bus + c->dst_off, c->len, c->vector, &r);
		ce_check(ce, c->name, &r, c->vector, CE_SUCCESS, c->len);
		check_landed(ce, c->name, dst, PLAIN_SIZE, c->dst_off, c->len, seed);
	}

	/* Polled: no interrupt flag, so no interrupt and INTERRUPT_STATUS stays clear. */
	fill_pattern(src, 256, 99);
	memset(dst, FILL, PLAIN_SIZE);
	before = atomic_read(&ce->irqs[0]) + atomic_read(&ce->irqs[1]) + atomic_read(&ce->irqs[2]) +
		 atomic_read(&ce->irqs[3]);
	ce_copy(ce, src_bus, dst_bus, 256, -1, &r);
	ce_check(ce, "polled", &r, -1, CE_SUCCESS, 256);
	check_landed(ce, "polled", dst, PLAIN_SIZE, 0, 256, 99);
	msleep(100);
	report("polled.irqs=%d", atomic_read(&ce->irqs[0]) + atomic_read(&ce->irqs[1]) +
	       atomic_read(&ce->irqs[2]) + atomic_read(&ce->irqs[3]) - before);
	report("polled.interrupt_status=0x%x", ioread32(ce->bar + CE_INTERRUPT_STATUS));

	/* Invalid descriptors: nothing copied, completed with INVALID_DESCRIPTOR and the interrupt. */
	memset(dst, FILL, PLAIN_SIZE);
	ce_copy(ce, src_bus, dst_bus, 0, 1, &r);
	ce_check(ce, "zero_length", &r, 1, CE_INVALID_DESCRIPTOR, 0);
	report("zero_length.untouched=%d", all_are(dst, PLAIN_SIZE, FILL));
	ce_copy(ce, src_bus, dst_bus, CE_MAX_COPY + 1, 0, &r);
	ce_check(ce, "too_long", &r, 0, CE_INVALID_DESCRIPTOR, 0);
	report("too_long.untouched=%d", all_are(dst, PLAIN_SIZE, FILL));
	report("interrupt_status.after=0x%x", ioread32(ce->bar + CE_INTERRUPT_STATUS));
out:
	if (src)
		dma_free_coherent(dev, PLAIN_SIZE, src, src_bus);
	if (dst)
		dma_free_coherent(dev, PLAIN_SIZE, dst, dst_bus);
}

/* ---- mode=iommu: streaming mappings behind a vIOMMU ---------------------------------------- */

/* Maps len bytes at p; reports IOVA and guest-physical address as <name>.iova/.phys. */
static dma_addr_t ce_map(struct ce *ce, const char *name, void *p, size_t len,
			 enum dma_data_direction dir)
{
	dma_addr_t iova = dma_map_single(ce->dev, p, len, dir);

	if (dma_mapping_error(ce->dev, iova)) {
		report("%s.map=failed", name);
		ce->failures++;
		return DMA_MAPPING_ERROR;
	}
	report("%s.iova=0x%llx", name, (u64)iova);
	report("%s.phys=0x%llx", name, (u64)virt_to_phys(p));
	report("%s.iova_differs=%d", name, (u64)iova != (u64)virt_to_phys(p));
	return iova;
}

#define STREAM_SIZE (64 * 1024)

static void ce_test_iommu(struct ce *ce)
{
	struct device *dev = ce->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct page *src_pages = NULL, *old_page = NULL, *new_page = NULL, *guarded = NULL;
	u8 *src = NULL, *dst = NULL, *small_src = NULL, *small_dst = NULL, *old, *new, *g;
	dma_addr_t src_iova, dst_iova, s_iova, d_iova, old_iova, new_iova, gone_iova, a_iova, b_iova;
	size_t dst_size = STREAM_SIZE + 2 * PAGE_SIZE;
	struct ce_result r;
	u64 phys;

	ce_report_iommu(ce);

	/* Sub-page kmalloc buffers. */
	small_src = kmalloc(200, GFP_KERNEL);
	small_dst = kmalloc(200, GFP_KERNEL);
	/* 64 KiB of pages, and 72 KiB of kmalloc (from the page allocator: page aligned). */
	src_pages = alloc_pages(GFP_KERNEL, get_order(STREAM_SIZE));
	dst = kmalloc(dst_size, GFP_KERNEL);
	if (!small_src || !small_dst || !src_pages || !dst) {
		report("error=alloc");
		ce->failures++;
		goto out;
	}
	src = page_address(src_pages);

	fill_pattern(small_src, 200, 3);
	memset(small_dst, FILL, 200);
	s_iova = ce_map(ce, "small_src", small_src, 200, DMA_TO_DEVICE);
	d_iova = ce_map(ce, "small_dst", small_dst, 200, DMA_FROM_DEVICE);
	if (s_iova != DMA_MAPPING_ERROR && d_iova != DMA_MAPPING_ERROR) {
		ce_copy(ce, s_iova, d_iova, 200, 0, &r);
		dma_unmap_single(dev, d_iova, 200, DMA_FROM_DEVICE);
		ce_check(ce, "small", &r, 0, CE_SUCCESS, 200);
		check_landed(ce, "small", small_dst, 200, 0, 200, 3);
	}
	if (s_iova != DMA_MAPPING_ERROR)
		dma_unmap_single(dev, s_iova, 200, DMA_TO_DEVICE);

	/* Multi-page buffers, aligned, then both misaligned so every chunk crosses pages. */
	src_iova = ce_map(ce, "src", src, STREAM_SIZE, DMA_TO_DEVICE);
	report("src.page_phys=0x%llx", (u64)page_to_phys(src_pages));
	memset(dst, FILL, dst_size);
	dst_iova = ce_map(ce, "dst", dst, dst_size, DMA_FROM_DEVICE);
	if (src_iova == DMA_MAPPING_ERROR || dst_iova == DMA_MAPPING_ERROR) {
		if (src_iova != DMA_MAPPING_ERROR)
			dma_unmap_single(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
		if (dst_iova != DMA_MAPPING_ERROR)
			dma_unmap_single(dev, dst_iova, dst_size, DMA_FROM_DEVICE);
		goto out;
	}
	fill_pattern(src, STREAM_SIZE, 5);
	dma_sync_single_for_device(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
	ce_copy(ce, src_iova, dst_iova + PAGE_SIZE, STREAM_SIZE, 1, &r);
	dma_sync_single_for_cpu(dev, dst_iova, dst_size, DMA_FROM_DEVICE);
	ce_check(ce, "multipage", &r, 1, CE_SUCCESS, STREAM_SIZE);
	check_landed(ce, "multipage", dst, dst_size, PAGE_SIZE, STREAM_SIZE, 5);

	memset(dst, FILL, dst_size);
	dma_sync_single_for_device(dev, dst_iova, dst_size, DMA_FROM_DEVICE);
	fill_pattern(src + 0x7f3, 5 * PAGE_SIZE + 333, 7);
	dma_sync_single_for_device(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
	ce_copy(ce, src_iova + 0x7f3, dst_iova + 0x1ff9, 5 * PAGE_SIZE + 333, 2, &r);
	dma_sync_single_for_cpu(dev, dst_iova, dst_size, DMA_FROM_DEVICE);
	ce_check(ce, "crossing", &r, 2, CE_SUCCESS, 5 * PAGE_SIZE + 333);
	check_landed(ce, "crossing", dst, dst_size, 0x1ff9, 5 * PAGE_SIZE + 333, 7);
	dma_unmap_single(dev, dst_iova, dst_size, DMA_FROM_DEVICE);

	/*
	 * Remapping: a page at some IOVA gets a copy; it is unmapped and another page mapped (the
	 * allocator usually hands out the same IOVA again); a copy to the new IOVA lands in the new
	 * page, and the old page keeps what the first copy wrote.
	 */
	old_page = alloc_page(GFP_KERNEL);
	new_page = alloc_page(GFP_KERNEL);
	if (!old_page || !new_page) {
		report("error=alloc");
		ce->failures++;
		goto out_src;
	}
	old = page_address(old_page);
	new = page_address(new_page);
	memset(old, FILL, PAGE_SIZE);
	memset(new, FILL, PAGE_SIZE);
	fill_pattern(src, PAGE_SIZE, 11);
	fill_pattern(src + PAGE_SIZE, PAGE_SIZE, 13);
	dma_sync_single_for_device(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
	old_iova = ce_map(ce, "remap.old", old, PAGE_SIZE, DMA_FROM_DEVICE);
	if (old_iova == DMA_MAPPING_ERROR)
		goto out_src;
	ce_copy(ce, src_iova, old_iova, PAGE_SIZE, 3, &r);
	dma_unmap_single(dev, old_iova, PAGE_SIZE, DMA_FROM_DEVICE);
	ce_check(ce, "remap.first", &r, 3, CE_SUCCESS, PAGE_SIZE);
	report("remap.first.mismatch=%ld", pattern_mismatch(old, PAGE_SIZE, 11));
	new_iova = ce_map(ce, "remap.new", new, PAGE_SIZE, DMA_FROM_DEVICE);
	if (new_iova == DMA_MAPPING_ERROR)
		goto out_src;
	report("remap.same_iova=%d", new_iova == old_iova);
	report("remap.same_phys=%d", virt_to_phys(new) == virt_to_phys(old));
	ce_copy(ce, src_iova + PAGE_SIZE, new_iova, PAGE_SIZE, 0, &r);
	dma_unmap_single(dev, new_iova, PAGE_SIZE, DMA_FROM_DEVICE);
	ce_check(ce, "remap.second", &r, 0, CE_SUCCESS, PAGE_SIZE);
	report("remap.second.mismatch=%ld", pattern_mismatch(new, PAGE_SIZE, 13));
	report("remap.old_kept=%d", pattern_mismatch(old, PAGE_SIZE, 11) == -1);
	if (pattern_mismatch(new, PAGE_SIZE, 13) != -1 || pattern_mismatch(old, PAGE_SIZE, 11) != -1)
		ce->failures++;

	/*
	 * Faults: four pages filled with GUARD; page 1 is mapped, then unmapped, and a copy to (and
	 * one from) its old IOVA completes DMA_ERROR at that IOVA without touching any of the pages.
	 */
	guarded = alloc_pages(GFP_KERNEL, 2);
	if (!guarded) {
		report("error=alloc");
		ce->failures++;
		goto out_src;
	}
	g = page_address(guarded);
	memset(g, GUARD, 4 * PAGE_SIZE);
	/* (the destination of the copy from an unmapped source, mapped first so it gets another IOVA) */
	memset(small_dst, FILL, 200);
	d_iova = ce_map(ce, "unmapped_src.dst", small_dst, 200, DMA_FROM_DEVICE);
	if (d_iova == DMA_MAPPING_ERROR)
		goto out_guarded;
	gone_iova = ce_map(ce, "unmapped", g + PAGE_SIZE, PAGE_SIZE, DMA_FROM_DEVICE);
	if (gone_iova == DMA_MAPPING_ERROR) {
		dma_unmap_single(dev, d_iova, 200, DMA_FROM_DEVICE);
		goto out_guarded;
	}
	dma_unmap_single(dev, gone_iova, PAGE_SIZE, DMA_FROM_DEVICE);
	report("unmapped.translates=%d", domain && iommu_iova_to_phys(domain, gone_iova) != 0);
	ce_copy(ce, src_iova, gone_iova, PAGE_SIZE, 1, &r);
	ce_check(ce, "unmapped_dst", &r, 1, CE_DMA_ERROR, 0);
	report("unmapped_dst.fault_is_iova=%d", r.fault == gone_iova);
	report("unmapped_dst.guards_untouched=%d", all_are(g, 4 * PAGE_SIZE, GUARD));
	if (r.fault != gone_iova || !all_are(g, 4 * PAGE_SIZE, GUARD))
		ce->failures++;

	ce_copy(ce, gone_iova + 16, d_iova, 200, 2, &r);
	dma_unmap_single(dev, d_iova, 200, DMA_FROM_DEVICE);
	ce_check(ce, "unmapped_src", &r, 2, CE_DMA_ERROR, 0);
	report("unmapped_src.fault_is_iova=%d", r.fault == gone_iova + 16);
	report("unmapped_src.dst_untouched=%d", all_are(small_dst, 200, FILL));
	if (r.fault != gone_iova + 16 || !all_are(small_dst, 200, FILL))
		ce->failures++;

	/*
	 * The guest-physical address of a page, used as a bus address, must not reach it: the IOVA
	 * space does not map it (checked with the domain), so the copy fails and the page keeps GUARD.
	 */
	phys = page_to_phys(guarded) + 2 * PAGE_SIZE;
	if (domain && iommu_iova_to_phys(domain, phys) == 0) {
		ce_copy(ce, src_iova, phys, PAGE_SIZE, 3, &r);
		ce_check(ce, "phys_as_iova", &r, 3, CE_DMA_ERROR, 0);
		report("phys_as_iova.fault_is_phys=%d", r.fault == phys);
		report("phys_as_iova.guards_untouched=%d", all_are(g, 4 * PAGE_SIZE, GUARD));
		if (r.fault != phys || !all_are(g, 4 * PAGE_SIZE, GUARD))
			ce->failures++;
	} else {
		report("phys_as_iova.skipped=1");
	}

	/*
	 * A copy that runs off the end of a mapping: two pages mapped one after the other usually get
	 * adjacent IOVAs (the allocator goes down); unmapping the upper one leaves a copy over both
	 * half done: COMPLETION_BYTES one page, FAULT_ADDRESS the first byte of the upper page.
	 */
	memset(g, GUARD, 4 * PAGE_SIZE);
	a_iova = dma_map_single(dev, g + 2 * PAGE_SIZE, PAGE_SIZE, DMA_FROM_DEVICE);
	b_iova = dma_map_single(dev, g + PAGE_SIZE, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, a_iova) || dma_mapping_error(dev, b_iova)) {
		report("partial.map=failed");
		ce->failures++;
		goto out_guarded;
	}
	report("partial.adjacent=%d", b_iova + PAGE_SIZE == a_iova);
	if (b_iova + PAGE_SIZE == a_iova) {
		dma_unmap_single(dev, a_iova, PAGE_SIZE, DMA_FROM_DEVICE);
		fill_pattern(src, 2 * PAGE_SIZE, 23);
		dma_sync_single_for_device(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
		ce_copy(ce, src_iova, b_iova, 2 * PAGE_SIZE, 0, &r);
		dma_unmap_single(dev, b_iova, PAGE_SIZE, DMA_FROM_DEVICE);
		ce_check(ce, "partial", &r, 0, CE_DMA_ERROR, PAGE_SIZE);
		report("partial.fault_is_upper=%d", r.fault == a_iova);
		report("partial.lower_mismatch=%ld", pattern_mismatch(g + PAGE_SIZE, PAGE_SIZE, 23));
		report("partial.upper_untouched=%d", all_are(g + 2 * PAGE_SIZE, PAGE_SIZE, GUARD));
		report("partial.guards_untouched=%d", all_are(g, PAGE_SIZE, GUARD) &&
		       all_are(g + 3 * PAGE_SIZE, PAGE_SIZE, GUARD));
		if (r.fault != a_iova || pattern_mismatch(g + PAGE_SIZE, PAGE_SIZE, 23) != -1 ||
		    !all_are(g + 2 * PAGE_SIZE, PAGE_SIZE, GUARD))
			ce->failures++;
	} else {
		dma_unmap_single(dev, a_iova, PAGE_SIZE, DMA_FROM_DEVICE);
		dma_unmap_single(dev, b_iova, PAGE_SIZE, DMA_FROM_DEVICE);
	}

	/* And the engine still works after the faults. */
	memset(small_dst, FILL, 200);
	s_iova = ce_map(ce, "after_src", small_src, 200, DMA_TO_DEVICE);
	d_iova = ce_map(ce, "after_dst", small_dst, 200, DMA_FROM_DEVICE);
	if (s_iova != DMA_MAPPING_ERROR && d_iova != DMA_MAPPING_ERROR) {
		ce_copy(ce, s_iova, d_iova, 200, 1, &r);
		dma_unmap_single(dev, d_iova, 200, DMA_FROM_DEVICE);
		dma_unmap_single(dev, s_iova, 200, DMA_TO_DEVICE);
		ce_check(ce, "after_faults", &r, 1, CE_SUCCESS, 200);
		check_landed(ce, "after_faults", small_dst, 200, 0, 200, 3);
	}
out_guarded:
	__free_pages(guarded, 2);
out_src:
	dma_unmap_single(dev, src_iova, STREAM_SIZE, DMA_TO_DEVICE);
out:
	if (old_page)
		__free_page(old_page);
	if (new_page)
		__free_page(new_page);
	if (src_pages)
		__free_pages(src_pages, get_order(STREAM_SIZE));
	kfree(dst);
	kfree(small_src);
	kfree(small_dst);
}

static void ce_free_vectors(struct ce *ce)
{
	int i;

	for (i = 0; i < ce->nvectors; i++)
		free_irq(ce->vectors[i].irq, &ce->vectors[i]);
	ce->nvectors = 0;
	pci_free_irq_vectors(ce->pdev);
}

static int ce_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ce *ce;
	int err, i, n;

	ce = devm_kzalloc(&pdev->dev, sizeof(*ce), GFP_KERNEL);
	if (!ce)
		return -ENOMEM;
	ce->pdev = pdev;
	ce->dev = &pdev->dev;
	init_completion(&ce->done);
	pci_set_drvdata(pdev, ce);
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(0), "vfu4j_copy");
	if (err)
		return err;
	ce->bar = pcim_iomap_table(pdev)[0];
	pci_set_master(pdev);
	err = dma_set_mask_and_coherent(ce->dev, DMA_BIT_MASK(64));
	if (err) {
		report("error=dma_mask_%d", err);
		return err;
	}

	report("id=0x%08x", ioread32(ce->bar + CE_ID));
	report("capabilities=0x%08x", ioread32(ce->bar + CE_CAPABILITIES));
	report("iommu_state=0x%08x", ioread32(ce->bar + CE_IOMMU_STATE));
	report("unused=0x%08x", ioread32(ce->bar + CE_UNUSED));
	report("status.idle=0x%08x", ioread32(ce->bar + CE_STATUS));
	report("completion.reset=%u", ioread32(ce->bar + CE_COMPLETION_STATUS));
	ce->expected_count = ioread32(ce->bar + CE_COMPLETED_COUNT);
	report("completed_count.reset=%u", ce->expected_count);

	n = pci_alloc_irq_vectors(pdev, CE_VECTORS, CE_VECTORS, PCI_IRQ_MSIX);
	if (n < 0) {
		report("error=irq_vectors_%d", n);
		return n;
	}
	report("msix_enabled=%d", pdev->msix_enabled);
	report("vectors=%d", n);
	for (i = 0; i < n; i++) {
		struct ce_vector *v = &ce->vectors[i];

		v->ce = ce;
		v->index = i;
		v->irq = pci_irq_vector(pdev, i);
		err = request_irq(v->irq, ce_interrupt, 0, "vfu4j_copy", v);
		if (err) {
			report("error=request_irq_%d", err);
			ce_free_vectors(ce);
			return err;
		}
		ce->nvectors++;
	}

	if (!strcmp(mode, "iommu"))
		ce_test_iommu(ce);
	else
		ce_test_plain(ce);

	for (i = 0; i < CE_VECTORS; i++) {
		report("irqs.%d=%d", i, atomic_read(&ce->irqs[i]));
		report("irqs.%d.expected=%u", i, ce->irqs_expected[i]);
		if (atomic_read(&ce->irqs[i]) != ce->irqs_expected[i])
			ce->failures++;
	}
	report("completed_count=%u", ioread32(ce->bar + CE_COMPLETED_COUNT));
	iowrite32(0, ce->bar + CE_CONTROL);
	report("failures=%d", ce->failures);
	report("done=1");
	return 0;
}

static void ce_remove(struct pci_dev *pdev)
{
	ce_free_vectors(pci_get_drvdata(pdev));
}

static const struct pci_device_id ce_ids[] = {
	{ PCI_DEVICE(0x1234, 0xce01) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ce_ids);

static struct pci_driver ce_driver = {
	.name = "vfu4j_copy",
	.id_table = ce_ids,
	.probe = ce_probe,
	.remove = ce_remove,
};
module_pci_driver(ce_driver);

MODULE_DESCRIPTION("vfu4j guest test driver for the copy-engine sample");
MODULE_LICENSE("GPL");
