/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cidsd's kernel side from user space: load and attach cidsd.bpf.c, maps, ring buffer. */
#ifndef CIDSD_KERN_H
#define CIDSD_KERN_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cidsd.h"

struct kern;

struct kern_opts {
	size_t ring_bytes;	    /* power of two, >= page size; 0 = 16 MiB */
	unsigned wake_batch;	    /* 0 = 1024 */
	unsigned wake_max_delay_ms; /* 0 = 10 */
	/* Called for every event in the ring; returning < 0 stops this consume round. */
	int (*on_event)(void *ctx, const struct cidsd_event *e);
	void *ctx;
	int attach_now; /* attach in kern_open (else kern_attach when needed) */
	bool no_lsm;	/* leave the LSM programs out (kernel without BPF LSM) */
	/* Percent of the ring's events one container may have in it at once (its further call
	 * events are lost, counted as its own): 1..100, 0 = 50. */
	unsigned ring_share_pct;
};

/* Does the kernel run the BPF LSM (1), or not (0, why says so)? Mounts securityfs if needed. */
int kern_lsm_available(char *why, size_t whylen);

/* Mounts tracefs at /sys/kernel/tracing when it is not mounted (ret_mounted true then). */
int kern_ensure_tracefs(int *ret_mounted);
/* Level of our own pid namespace (0 on the host): parsed from /proc/self/status NSpid. */
int kern_pidns_level(pid_t pid, unsigned *ret);

/* Open, set rodata, load, attach, ring buffer. why gets libbpf's reason on failure. */
int kern_open(const struct kern_opts *o, struct kern **ret, char *why, size_t whylen);
void kern_free(struct kern *k);

/*
 * The tracepoint costs every task on the host (measured here: about +23 ns per syscall for an
 * empty sys_exit program, +42 ns for an empty sys_enter + sys_exit pair), so cidsd attaches it
 * only while at least one container is registered, and attaches sys_exit alone.
 */
int kern_attach(struct kern *k);
void kern_detach(struct kern *k);
int kern_attached(const struct kern *k);
/* Our own pid namespace level: only tasks deeper than this can be watched. */
unsigned kern_host_level(const struct kern *k);

int kern_ring_fd(const struct kern *k);
/* Drain the ring buffer: number of events handled, or -errno. */
int kern_consume(struct kern *k);

/* Put pid namespace inum into the filter as slot/gen (gen > 0), take it out again. adopted:
 * a container re-adopted after a restart, whose running tasks are the workload's. */
int kern_container_add(struct kern *k, uint32_t inum, uint32_t slot, uint32_t gen, uint32_t level,
		       bool adopted);
int kern_container_del(struct kern *k, uint32_t inum, uint32_t slot);
/* kill-container: every task of the slot's container gets SIGKILL at its next syscall. */
int kern_container_doom(struct kern *k, uint32_t slot);
/* Detection in the kernel for slot (see cidsd.h): keys are the database's windows packed as
 * cidsd_event.win; epoch != 0 and new for every call. */
/* start_pad: the profile starts streams with start symbols (the kernel then judges a task forked
 * after this from its first call). max_windows: the container's share; its region is at most 4 *
 * max_windows entries (rounded up to a power of two). */
/* kill_only: NULL, or the calls (CIDSD_KILL_WORDS words, bit nr) kill acts on alone. */
int kern_kd_enable(struct kern *k, uint32_t slot, const uint64_t *keys, size_t n,
		   uint32_t max_windows, bool start_pad, unsigned kk, unsigned frame,
		   unsigned threshold, enum cidsd_kd_kill kill, const uint64_t *kill_only,
		   uint32_t epoch);
/* What the LSM programs deny for slot's workload (enum cidsd_deny); -EOPNOTSUPP without them. */
int kern_container_deny(struct kern *k, uint32_t slot, uint32_t deny);
/* The LSM programs are loaded (prevention possible). */
bool kern_lsm(const struct kern *k);
/* Kills the program may still do itself for slot. */
int kern_kill_budget(struct kern *k, uint32_t slot, unsigned budget);
/* Entries of the kernel's window table in use (regions of live containers). */
uint32_t kern_kd_used(const struct kern *k);
int kern_slot_stats(struct kern *k, uint32_t slot, struct cidsd_slot_stats *ret);
int kern_slot_reset(struct kern *k, uint32_t slot);
/* Events of slot taken from the ring so far (since kern_slot_reset): frees its ring share. */
void kern_slot_consumed(struct kern *k, uint32_t slot, uint64_t n);
/* The ring share of one container, events. */
uint64_t kern_ring_share(const struct kern *k);
/* Sum of the per-CPU counters. */
int kern_stats(struct kern *k, struct cidsd_stats *ret);

#endif
