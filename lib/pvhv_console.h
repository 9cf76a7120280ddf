/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv's PV console backend: a guest's xencons_interface ring (Xen's
 * io/console.h) at a mapped page, its output kept in a bounded log
 * addressed by stream position (byte N is the N-th byte the guest ever
 * wrote; the oldest are dropped first), its input fed from a bounded queue.
 * The ring indexes are untrusted: garbage stops the console (-EPROTO), never
 * the host. Nothing here prints or exits; one thread per instance.
 */
#ifndef PVHV_CONSOLE_H
#define PVHV_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pvhv_cons;
struct xencons_interface;

#define PVHV_CONS_INPUT_MAX 4096	/* input queued for the guest, bytes */

/* @log_size: output bytes kept (4 KiB .. 64 MiB). */
int pvhv_cons_new(struct xencons_interface *intf, void (*notify)(void *opaque), void *opaque,
		  size_t log_size, struct pvhv_cons **out);
void pvhv_cons_free(struct pvhv_cons *c);
/*
 * The guest notified (or the caller polls): move its output into the log and
 * queued input into its ring. Returns the output bytes taken, or -EPROTO
 * once the indexes made no sense (the console is then stopped).
 */
int pvhv_cons_event(struct pvhv_cons *c);
/* Queue input for the guest; returns the bytes accepted (the queue is bounded). */
size_t pvhv_cons_input(struct pvhv_cons *c, const void *buf, size_t len);
/* Input bytes not yet taken by the guest. */
size_t pvhv_cons_input_pending(const struct pvhv_cons *c);
/*
 * Copy log bytes from *pos (at most @len); *pos advances. *lost (optional)
 * gets how many bytes from *pos had already been dropped.
 */
size_t pvhv_cons_read(const struct pvhv_cons *c, uint64_t *pos, void *buf, size_t len,
		      uint64_t *lost);
/* Position after the newest byte; position of the oldest kept. */
uint64_t pvhv_cons_head(const struct pvhv_cons *c);
uint64_t pvhv_cons_tail(const struct pvhv_cons *c);
/* Add bytes to the log as if the guest wrote them (a restored log). */
void pvhv_cons_log_append(struct pvhv_cons *c, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PVHV_CONSOLE_H */
