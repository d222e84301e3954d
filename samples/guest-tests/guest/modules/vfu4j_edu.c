// SPDX-License-Identifier: GPL-2.0
/*
 * A guest driver for QEMU's edu device, written from its register specification, used by the
 * guest tests to drive QEMU's built-in edu and vfu4j's edu sample the same way. Everything runs in
 * probe; each observation is one "VFU4J edu.<irq>.<name>=<value>" line in the kernel log, which
 * the guest's init copies to the console for the host test to compare. Values only, never
 * addresses or IRQ numbers, so the two devices' lines can be compared as they are.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_UNUSED 0x10

#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQ_FACT 0x80
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_BUFFER 0x40000
#define EDU_BUFFER_SIZE 4096

static char *irq_mode = "intx";
module_param(irq_mode, charp, 0444);
MODULE_PARM_DESC(irq_mode, "intx or msi");

struct edu {
	struct pci_dev *pdev;
	void __iomem *bar;
	int irq;
	struct completion irq_done;
	u32 irq_status;
	atomic_t irqs;
};

#define report(fmt, ...) pr_info("VFU4J edu.%s." fmt "\n", irq_mode, ##__VA_ARGS__)

static irqreturn_t edu_interrupt(int irq, void *data)
{
	struct edu *edu = data;
	u32 status = ioread32(edu->bar + EDU_IRQ_STATUS);

	if (!status)
		return IRQ_NONE; /* INTx is shared */
	iowrite32(status, edu->bar + EDU_IRQ_ACK);
	edu->irq_status = status;
	atomic_inc(&edu->irqs);
	complete(&edu->irq_done);
	return IRQ_HANDLED;
}

/* Waits for the next interrupt; returns its status bits, or 0 after a second without one. */
static u32 edu_await_irq(struct edu *edu)
{
	if (!wait_for_completion_timeout(&edu->irq_done, msecs_to_jiffies(2000)))
		return 0;
	return edu->irq_status;
}

static void edu_test_registers(struct edu *edu)
{
	static const u32 values[] = { 0x12345678, 0, 0xffffffff, 0xa5a5a5a5 };
	int i;

	report("id=0x%08x", ioread32(edu->bar + EDU_ID));
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		iowrite32(values[i], edu->bar + EDU_LIVENESS);
		report("liveness.%d=0x%08x", i, ioread32(edu->bar + EDU_LIVENESS));
	}
	report("unused=0x%08x", ioread32(edu->bar + EDU_UNUSED));
	report("status.idle=0x%08x", ioread32(edu->bar + EDU_STATUS));
}

static void edu_test_factorial(struct edu *edu)
{
	int waited = 0;
	u32 status;

	/* Polled: no interrupt requested. */
	iowrite32(0, edu->bar + EDU_STATUS);
	reinit_completion(&edu->irq_done);
	iowrite32(10, edu->bar + EDU_FACTORIAL);
	while ((ioread32(edu->bar + EDU_STATUS) & EDU_STATUS_COMPUTING) && waited < 1000) {
		msleep(1);
		waited++;
	}
	report("factorial.poll.done=%d", waited < 1000);
	report("factorial.poll.10=%u", ioread32(edu->bar + EDU_FACTORIAL));
	msleep(50);
	report("factorial.poll.irqs=%d", atomic_read(&edu->irqs));

	/* With the completion interrupt. */
	iowrite32(EDU_STATUS_IRQ_FACT, edu->bar + EDU_STATUS);
	report("factorial.irq.status=0x%08x", ioread32(edu->bar + EDU_STATUS));
	reinit_completion(&edu->irq_done);
	iowrite32(12, edu->bar + EDU_FACTORIAL);
	status = edu_await_irq(edu);
	report("factorial.irq.irq_status=0x%x", status);
	report("factorial.irq.12=%u", ioread32(edu->bar + EDU_FACTORIAL));
	reinit_completion(&edu->irq_done);
	iowrite32(13, edu->bar + EDU_FACTORIAL); /* 13! wraps at 32 bits */
	status = edu_await_irq(edu);
	report("factorial.irq.13=%u", ioread32(edu->bar + EDU_FACTORIAL));
	iowrite32(0, edu->bar + EDU_STATUS);
	report("irq_status.after_ack=0x%x", ioread32(edu->bar + EDU_IRQ_STATUS));
}

static void edu_test_raise(struct edu *edu)
{
	reinit_completion(&edu->irq_done);
	iowrite32(0x40, edu->bar + EDU_IRQ_RAISE);
	report("raise.irq_status=0x%x", edu_await_irq(edu));
	report("raise.after_ack=0x%x", ioread32(edu->bar + EDU_IRQ_STATUS));
}

/* One transfer between guest memory at bus address addr and the device buffer; waits for it. */
static u32 edu_dma(struct edu *edu, dma_addr_t addr, u32 buffer_offset, u32 count, bool to_ram)
{
	u64 device = EDU_BUFFER + buffer_offset;

	writeq(to_ram ? device : addr, edu->bar + EDU_DMA_SRC);
	writeq(to_ram ? addr : device, edu->bar + EDU_DMA_DST);
	writeq(count, edu->bar + EDU_DMA_COUNT);
	reinit_completion(&edu->irq_done);
	writeq(EDU_DMA_START | EDU_DMA_IRQ | (to_ram ? EDU_DMA_TO_RAM : 0), edu->bar + EDU_DMA_CMD);
	return edu_await_irq(edu);
}

static int first_mismatch(const u8 *got, const u8 *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			return i;
	return -1;
}

static void edu_test_dma(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	size_t size = 2 * PAGE_SIZE;
	dma_addr_t bus;
	u8 *mem, *expected;
	int i;

	/* QEMU's edu drops DMA address bits above 27. */
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28))) {
		report("dma.error=mask");
		return;
	}
	mem = dma_alloc_coherent(dev, size, &bus, GFP_KERNEL);
	expected = kmalloc(EDU_BUFFER_SIZE, GFP_KERNEL);
	if (!mem || !expected) {
		report("dma.error=alloc");
		goto out;
	}
	for (i = 0; i < EDU_BUFFER_SIZE; i++)
		mem[i] = expected[i] = (u8)(i * 7 + 3);

	report("dma.to_device.irq_status=0x%x", edu_dma(edu, bus, 0, EDU_BUFFER_SIZE, false));
	report("dma.cmd_after=0x%llx", (unsigned long long)readq(edu->bar + EDU_DMA_CMD));
	memset(mem, 0, size);
	report("dma.to_ram.irq_status=0x%x", edu_dma(edu, bus, 0, EDU_BUFFER_SIZE, true));
	report("dma.roundtrip.mismatch=%d", first_mismatch(mem, expected, EDU_BUFFER_SIZE));

	/* 1000 bytes from the buffer's offset 100 to guest memory across a page boundary. */
	memset(mem, 0, size);
	edu_dma(edu, bus + PAGE_SIZE - 300, 100, 1000, true);
	report("dma.page_cross.mismatch=%d", first_mismatch(mem + PAGE_SIZE - 300, expected + 100, 1000));
	report("dma.page_cross.untouched_before=%d", mem[PAGE_SIZE - 301] == 0);
	report("dma.page_cross.untouched_after=%d", mem[PAGE_SIZE + 700] == 0);
	report("dma.registers.src=0x%llx", (unsigned long long)(readq(edu->bar + EDU_DMA_SRC) - EDU_BUFFER));
	report("dma.registers.count=%llu", (unsigned long long)readq(edu->bar + EDU_DMA_COUNT));
out:
	kfree(expected);
	if (mem)
		dma_free_coherent(dev, size, mem, bus);
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	bool msi = !strcmp(irq_mode, "msi");
	int err;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	init_completion(&edu->irq_done);
	pci_set_drvdata(pdev, edu);
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(0), "vfu4j_edu");
	if (err)
		return err;
	edu->bar = pcim_iomap_table(pdev)[0];
	pci_set_master(pdev);

	err = pci_alloc_irq_vectors(pdev, 1, 1, msi ? PCI_IRQ_MSI : PCI_IRQ_INTX);
	if (err < 0) {
		report("error=irq_vectors_%d", err);
		return err;
	}
	edu->irq = pci_irq_vector(pdev, 0);
	err = request_irq(edu->irq, edu_interrupt, msi ? 0 : IRQF_SHARED, "vfu4j_edu", edu);
	if (err) {
		pci_free_irq_vectors(pdev);
		return err;
	}
	report("msi_enabled=%d", pdev->msi_enabled);

	edu_test_registers(edu);
	edu_test_factorial(edu);
	edu_test_raise(edu);
	edu_test_dma(edu);
	report("irqs=%d", atomic_read(&edu->irqs));
	report("done=1");
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "vfu4j_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("vfu4j guest test driver for the edu device");
MODULE_LICENSE("GPL");
