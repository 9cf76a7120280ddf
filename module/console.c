// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-domain console log: what the guest writes with
 * console_io(CONSOLEIO_write) or to I/O port 0xE9, kept in a bounded ring
 * (oldest bytes dropped) that userspace reads by stream position.
 *
 * Locking: pvhv_domain.con_lock (spinlock) protects con_buf and con_head; it
 * nests inside pvhv_domain.lock and never around a user copy.
 */
#define pr_fmt(fmt) "pvhv: console: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core.h"

void pvhv_console_write(struct pvhv_domain *d, const char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&d->con_lock, flags);
	if (len > PVHV_CONSOLE_LOG_SIZE) {
		d->con_head += len - PVHV_CONSOLE_LOG_SIZE;
		buf += len - PVHV_CONSOLE_LOG_SIZE;
		len = PVHV_CONSOLE_LOG_SIZE;
	}
	while (len) {
		size_t pos = d->con_head & (PVHV_CONSOLE_LOG_SIZE - 1);
		size_t n = min_t(size_t, len, PVHV_CONSOLE_LOG_SIZE - pos);

		memcpy(d->con_buf + pos, buf, n);
		d->con_head += n;
		buf += n;
		len -= n;
	}
	spin_unlock_irqrestore(&d->con_lock, flags);
}

long pvhv_console_read_ioctl(struct pvhv_domain *d, void __user *arg)
{
	struct pvhv_console_read req;
	unsigned long flags;
	u64 oldest, head, off;
	size_t n, done = 0;
	char *tmp;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	n = min_t(size_t, req.len, PVHV_CONSOLE_LOG_SIZE);
	tmp = kvmalloc(max_t(size_t, n, 1), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;

	spin_lock_irqsave(&d->con_lock, flags);
	head = d->con_head;
	oldest = head > PVHV_CONSOLE_LOG_SIZE ? head - PVHV_CONSOLE_LOG_SIZE : 0;
	off = req.offset;
	req.lost = 0;
	if (off < oldest) {
		req.lost = oldest - off;
		off = oldest;
	}
	if (off > head)
		off = head;
	while (done < n && off < head) {
		size_t pos = off & (PVHV_CONSOLE_LOG_SIZE - 1);
		size_t c = min3(n - done, (size_t)(head - off), PVHV_CONSOLE_LOG_SIZE - pos);

		memcpy(tmp + done, d->con_buf + pos, c);
		done += c;
		off += c;
	}
	spin_unlock_irqrestore(&d->con_lock, flags);

	req.len = done;
	req.offset = off;
	req.head = head;
	if (done && copy_to_user(u64_to_user_ptr(req.buf_ptr), tmp, done))
		ret = -EFAULT;
	else if (copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
	kvfree(tmp);
	return ret;
}
