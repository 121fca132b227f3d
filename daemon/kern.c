/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load cidsd.bpf.c (bcc libbpf-tools pattern: open -> set rodata -> load -> attach). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "cidsd.skel.h"
#include "kern.h"

#define TRACEFS_MAGIC_NR 0x74726163
#define TRACEFS_PATH	 "/sys/kernel/tracing"

#define KD_CHUNKS (1u << (CIDSD_KD_TABLE_BITS - CIDSD_KD_MIN_BITS))
#define MAX_LSM	  64 /* LSM programs in cidsd.bpf.c */

#define SECURITYFS_MAGIC_NR 0x73636673
#define SECURITYFS_PATH	    "/sys/kernel/security"

struct kern {
	struct cidsd_bpf *skel;
	uint8_t kd_used[KD_CHUNKS]; /* chunks of kd_table in use */
	struct {
		uint32_t chunk, nchunks; /* nchunks 0: none */
	} kd_region[CIDSD_MAX_CONTAINERS];
	struct ring_buffer *rb;
	int (*on_event)(void *ctx, const struct cidsd_event *e);
	void *ctx;
	int ncpus;
	int attached;
	unsigned host_level;
	bool lsm; /* BPF LSM programs loaded */
	uint64_t ring_share;
	struct bpf_link *lsm_links[MAX_LSM];
};

/* libbpf's messages: warnings and errors into our log, debug only at debug level. */
static char libbpf_last[512];
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[16384];
	size_t n;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (level == LIBBPF_WARN) {
		/* the end of a verifier log says why */
		const char *tail =
			n >= sizeof(libbpf_last) ? buf + n - (sizeof(libbpf_last) - 1) : buf;

		memcpy(libbpf_last, tail, strlen(tail) + 1);
		log_warn("libbpf: %s", buf);
	} else if (log_get_level() >= LOG_LVL_DEBUG) {
		log_debug("libbpf: %s", buf);
	}
	return 0;
}

int kern_ensure_tracefs(int *ret_mounted)
{
	struct statfs st;

	*ret_mounted = 0;
	if (statfs(TRACEFS_PATH, &st) == 0 && (unsigned long)st.f_type == TRACEFS_MAGIC_NR)
		return 0;
	if (mount("tracefs", TRACEFS_PATH, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	*ret_mounted = 1;
	return 0;
}

/* Does the kernel refuse an LSM program before it looks at its attach target? Mainline answers
 * attach_btf_id 0 with EINVAL from the verifier ("Tracing programs must provide btf_id"); a
 * kernel that refuses the program type itself answers EPERM whatever the target. */
static bool lsm_refused_before_target(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_prog_load_opts o = {.sz = sizeof(o), .expected_attach_type = BPF_LSM_MAC};
	int fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "cidsd_probe", "GPL", insns, ARRAY_SIZE(insns),
			       &o);

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EPERM;
}

/* Does the kernel load an LSM program (return 0 on file_open)? Some kernels list "bpf" among
 * their LSMs and still refuse every trampoline program (LSM, fentry) before verifying it. */
static int lsm_probe(char *why, size_t whylen)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int id = libbpf_find_vmlinux_btf_id("file_open", BPF_LSM_MAC), fd;

	if (id < 0)
		return why_err(why, whylen, 0, "the kernel's BTF has no LSM hook file_open: %s",
			       strerror(-id));
	struct bpf_prog_load_opts o = {
		.sz = sizeof(o),
		.expected_attach_type = BPF_LSM_MAC,
		.attach_btf_id = (uint32_t)id,
	};
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "cidsd_probe", "GPL", insns, ARRAY_SIZE(insns), &o);
	if (fd < 0) {
		int e = errno;
		const char *where =
			e == EPERM && lsm_refused_before_target()
				? " (before any check of its attach target: this kernel "
				  "build refuses BPF trampoline programs, LSM and fentry "
				  "alike; see README, eBPF)"
				: "";

		return why_err(
			why, whylen, 0,
			"the kernel lists the BPF LSM but refuses to load an LSM program: %s%s",
			strerror(e), where);
	}
	close(fd);
	return 1;
}

int kern_lsm_available(char *why, size_t whylen)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[1024], *tok, *save = NULL;
	struct statfs st;

	if ((statfs(SECURITYFS_PATH, &st) < 0 || (unsigned long)st.f_type != SECURITYFS_MAGIC_NR) &&
	    mount("securityfs", SECURITYFS_PATH, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		int r = -errno;

		return why_err(why, whylen, r, "securityfs cannot be mounted at %s: %s",
			       SECURITYFS_PATH, strerror(-r));
	}
	f = fopen(SECURITYFS_PATH "/lsm", "re");
	if (!f || !fgets(line, sizeof(line), f))
		return why_err(why, whylen, -ENOTSUP, "%s/lsm is not readable", SECURITYFS_PATH);
	for (tok = strtok_r(line, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (strcmp(tok, "bpf") == 0)
			return lsm_probe(why, whylen);
	return why_err(why, whylen, 0,
		       "the kernel does not run the BPF LSM (bpf is not in %s/lsm; boot with "
		       "lsm=...,bpf)",
		       SECURITYFS_PATH);
}

int kern_pidns_level(pid_t pid, unsigned *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], line[512];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned n = 0;
		char *p, *save = NULL;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (p = strtok_r(line + 6, " \t\n", &save); p; p = strtok_r(NULL, " \t\n", &save))
			n++;
		if (n == 0)
			return -EBADMSG;
		*ret = n - 1;
		return 0;
	}
	return -ENOTSUP; /* kernel without NSpid (< 4.1) */
}

static int ring_cb(void *ctx, void *data, size_t size)
{
	struct kern *k = ctx;

	if (size < sizeof(struct cidsd_event))
		return 0;
	return k->on_event(k->ctx, data);
}

DEFINE_TRIVIAL_CLEANUP(struct kern *, kern_free)

int kern_open(const struct kern_opts *o, struct kern **ret, char *why, size_t whylen)
{
	_cleanup_(kern_freep) struct kern *k = NULL;
	unsigned level = 0;
	size_t ring = o->ring_bytes ? o->ring_bytes : 16u << 20;
	long page = sysconf(_SC_PAGESIZE);
	int r;

	if (!o->on_event)
		return -EINVAL;
	if (ring < (size_t)page || (ring & (ring - 1)) != 0)
		return why_err(why, whylen, -EINVAL,
			       "ring buffer size %zu is not a power of two >= %ld", ring, page);
	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		r = -errno;
		return why_err(why, whylen, r,
			       "kernel BTF (/sys/kernel/btf/vmlinux) unavailable: %s",
			       strerror(-r));
	}
	r = kern_pidns_level(getpid(), &level);
	if (r < 0)
		return why_err(why, whylen, r, "cannot read our pid namespace level: %s",
			       strerror(-r));
	if (level + 1 >= CIDSD_MAX_LEVEL)
		return why_err(why, whylen, -ENOTSUP,
			       "cidsd runs %u pid namespaces deep; at most %u supported", level,
			       CIDSD_MAX_LEVEL - 2);

	libbpf_set_print(libbpf_print);
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->on_event = o->on_event;
	k->ctx = o->ctx;
	k->ncpus = libbpf_num_possible_cpus();
	if (k->ncpus <= 0)
		return why_err(why, whylen, k->ncpus < 0 ? k->ncpus : -EINVAL,
			       "cannot count possible CPUs");

	libbpf_last[0] = '\0';
	k->skel = cidsd_bpf__open();
	if (!k->skel)
		return why_err(why, whylen, -errno ? -errno : -EINVAL, "opening the BPF object: %s",
			       libbpf_last);
	k->skel->rodata->host_level = level;
	k->host_level = level;
	k->skel->rodata->wake_batch = o->wake_batch ? o->wake_batch : 1024;
	k->skel->rodata->wake_max_delay_ns =
		(uint64_t)(o->wake_max_delay_ms ? o->wake_max_delay_ms : 10) * 1000000ull;
	k->skel->rodata->ring_half = ring / 2;
	/* each event takes its size and the ring's 8-byte record header */
	k->ring_share = (uint64_t)(ring / (sizeof(struct cidsd_event) + 8)) *
			(o->ring_share_pct ? MIN(o->ring_share_pct, 100u) : 50u) / 100u;
	k->skel->rodata->ring_share = MAX(k->ring_share, (uint64_t)1);
	k->lsm = !o->no_lsm;
	if (!k->lsm) {
		struct bpf_program *p;

		bpf_object__for_each_program(p, k->skel->obj) if (bpf_program__type(p) ==
								  BPF_PROG_TYPE_LSM)
			bpf_program__set_autoload(p, false);
	}
	r = bpf_map__set_max_entries(k->skel->maps.events, (uint32_t)ring);
	if (r < 0)
		return why_err(why, whylen, r, "ring buffer size: %s", strerror(-r));

	r = cidsd_bpf__load(k->skel);
	if (r < 0)
		return why_err(why, whylen, r,
			       "loading the BPF programs (needs root, BTF, kernel >= 5.11): %s%s%s",
			       strerror(-r), libbpf_last[0] ? "; " : "", libbpf_last);
	if (o->attach_now) {
		r = kern_attach(k);
		if (r < 0)
			return why_err(why, whylen, r,
				       "attaching to the syscall tracepoints: %s%s%s", strerror(-r),
				       libbpf_last[0] ? "; " : "", libbpf_last);
	}
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), ring_cb, k, NULL);
	if (!k->rb) {
		r = -errno ? -errno : -ENOMEM;
		return why_err(why, whylen, r, "ring buffer: %s", strerror(-r));
	}
	*ret = TAKE_PTR(k);
	return 0;
}

/* sched_process_fork and sched_process_exit before sys_exit: a task seen in a call was seen
 * being born and is seen leaving. */
int kern_attach(struct kern *k)
{
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
	} order[] = {
		{k->skel->progs.cidsd_task_fork, &k->skel->links.cidsd_task_fork},
		{k->skel->progs.cidsd_task_exit, &k->skel->links.cidsd_task_exit},
		{k->skel->progs.cidsd_signal_deliver, &k->skel->links.cidsd_signal_deliver},
		{k->skel->progs.cidsd_sys_exit, &k->skel->links.cidsd_sys_exit},
	};

	struct bpf_program *p;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (*order[i].link)
			continue;
		*order[i].link = bpf_program__attach(order[i].prog);
		if (!*order[i].link) {
			int r = -errno ? -errno : -EINVAL;

			*order[i].link = NULL;
			kern_detach(k);
			return r;
		}
	}
	/* the LSM programs: a hook costs only the tasks that pass it (host tasks leave at the
	 * first compare, as in sys_exit) */
	bpf_object__for_each_program(p, k->skel->obj)
	{
		if (!k->lsm || bpf_program__type(p) != BPF_PROG_TYPE_LSM)
			continue;
		if (n == MAX_LSM)
			break;
		if (!k->lsm_links[n]) {
			k->lsm_links[n] = bpf_program__attach(p);
			if (!k->lsm_links[n]) {
				/* detection goes on without prevention (the containers' deny
				 * flags then do nothing) */
				log_warn_errno(-errno ? -errno : -EINVAL,
					       "Attaching LSM program %s: no prevention in the "
					       "kernel",
					       bpf_program__name(p));
				k->lsm = false;
				for (size_t i = 0; i < n; i++) {
					bpf_link__destroy(k->lsm_links[i]);
					k->lsm_links[i] = NULL;
				}
				break;
			}
		}
		n++;
	}
	k->attached = 1;
	return 0;
}

void kern_detach(struct kern *k)
{
	struct bpf_link **order[] = {
		&k->skel->links.cidsd_sys_exit,
		&k->skel->links.cidsd_signal_deliver,
		&k->skel->links.cidsd_task_exit,
		&k->skel->links.cidsd_task_fork,
	};

	for (size_t i = 0; i < ARRAY_SIZE(k->lsm_links); i++) {
		bpf_link__destroy(k->lsm_links[i]);
		k->lsm_links[i] = NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		bpf_link__destroy(*order[i]);
		*order[i] = NULL;
	}
	k->attached = 0;
}

unsigned kern_host_level(const struct kern *k)
{
	return k->host_level;
}

bool kern_lsm(const struct kern *k)
{
	return k->lsm;
}

int kern_container_deny(struct kern *k, uint32_t slot, uint32_t deny)
{
	int fd = bpf_map__fd(k->skel->maps.slots);
	struct cidsd_container c;

	if (!k->lsm)
		return deny ? -EOPNOTSUPP : 0;
	if (bpf_map_lookup_elem(fd, &slot, &c) < 0)
		return -errno;
	if (c.gen == 0)
		return -ENOENT;
	c.deny = deny;
	if (bpf_map_update_elem(fd, &slot, &c, BPF_EXIST) < 0)
		return -errno;
	return 0;
}

int kern_attached(const struct kern *k)
{
	return k->attached;
}

void kern_free(struct kern *k)
{
	if (!k)
		return;
	if (k->skel)
		kern_detach(k);
	ring_buffer__free(k->rb);
	cidsd_bpf__destroy(k->skel);
	free(k);
}

int kern_ring_fd(const struct kern *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

int kern_consume(struct kern *k)
{
	return ring_buffer__consume(k->rb);
}

static void kd_region_free(struct kern *k, uint32_t slot);

int kern_container_add(struct kern *k, uint32_t inum, uint32_t slot, uint32_t gen, uint32_t level,
		       bool adopted)
{
	struct cidsd_container c = {.gen = gen, .level = level};
	struct timespec ts;

	if (adopted && clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		c.adopted_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	struct cidsd_nsref ref = {.slot = slot, .gen = gen};

	if (gen == 0)
		return -EINVAL;
	/* the slot first: a task that finds the namespace must find a valid slot */
	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.slots), &slot, &c, BPF_ANY) < 0)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.containers), &inum, &ref, BPF_NOEXIST) <
	    0) {
		int r = -errno;
		struct cidsd_container z = {};

		(void)bpf_map_update_elem(bpf_map__fd(k->skel->maps.slots), &slot, &z, BPF_ANY);
		return r;
	}
	return 0;
}

int kern_container_del(struct kern *k, uint32_t inum, uint32_t slot)
{
	struct cidsd_container z = {};
	int r = 0;

	if (bpf_map_delete_elem(bpf_map__fd(k->skel->maps.containers), &inum) < 0)
		r = -errno;
	if (slot < CIDSD_MAX_CONTAINERS)
		kd_region_free(k, slot);
	/* generation 0: cached slots in task storage stop matching */
	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.slots), &slot, &z, BPF_ANY) < 0 && r == 0)
		r = -errno;
	return r;
}

int kern_container_doom(struct kern *k, uint32_t slot)
{
	int fd = bpf_map__fd(k->skel->maps.slots);
	struct cidsd_container c;

	if (bpf_map_lookup_elem(fd, &slot, &c) < 0)
		return -errno;
	if (c.gen == 0)
		return -ENOENT;
	c.doomed = 1;
	if (bpf_map_update_elem(fd, &slot, &c, BPF_EXIST) < 0)
		return -errno;
	return 0;
}

/* Open addressing with linear probing: false when some window would sit further than
 * CIDSD_KD_PROBES entries from its hash (the caller tries a larger table). */
static bool kd_build(uint64_t *table, unsigned bits, const uint64_t *keys, size_t n)
{
	uint32_t mask = (1u << bits) - 1;

	for (size_t i = 0; i < n; i++) {
		uint32_t h = CIDSD_KD_HASH(keys[i], bits);
		bool placed = false;

		for (uint32_t p = 0; p < CIDSD_KD_PROBES && !placed; p++) {
			uint64_t *e = &table[(h + p) & mask];

			if (*e == 0 || *e == (keys[i] | CIDSD_KD_USED)) {
				*e = keys[i] | CIDSD_KD_USED;
				placed = true;
			}
		}
		if (!placed)
			return false;
	}
	return true;
}

/* nchunks contiguous free chunks, aligned to nchunks (a power of two): first chunk or -ENOSPC */
static int kd_region_alloc(struct kern *k, uint32_t nchunks)
{
	for (uint32_t c = 0; c + nchunks <= KD_CHUNKS; c += nchunks) {
		uint32_t i = 0;

		while (i < nchunks && !k->kd_used[c + i])
			i++;
		if (i == nchunks) {
			memset(&k->kd_used[c], 1, nchunks);
			return (int)c;
		}
	}
	return -ENOSPC;
}

static void kd_region_free(struct kern *k, uint32_t slot)
{
	if (k->kd_region[slot].nchunks)
		memset(&k->kd_used[k->kd_region[slot].chunk], 0, k->kd_region[slot].nchunks);
	k->kd_region[slot].nchunks = 0;
}

int kern_kd_enable(struct kern *k, uint32_t slot, const uint64_t *keys, size_t n,
		   uint32_t max_windows, bool start_pad, unsigned kk, unsigned frame,
		   unsigned threshold, enum cidsd_kd_kill kill, const uint64_t *kill_only,
		   uint32_t epoch)
{
	int fd = bpf_map__fd(k->skel->maps.slots), tfd = bpf_map__fd(k->skel->maps.kd_table);
	_cleanup_free_ uint64_t *table = NULL;
	_cleanup_free_ uint32_t *idx = NULL;
	struct cidsd_container c;
	uint32_t size, count;
	unsigned bits = CIDSD_KD_MIN_BITS, max_bits = CIDSD_KD_MIN_BITS;
	int chunk, r;

	if (slot >= CIDSD_MAX_CONTAINERS || epoch == 0 || kk == 0 || kk > CIDSD_KD_MAX_K ||
	    frame == 0 || frame > CIDSD_KD_MAX_FRAME)
		return -EINVAL;
	/* at most half full, larger while a window lands too far from its hash, and never over
	 * the container's share */
	while (max_bits < CIDSD_KD_TABLE_BITS && ((uint64_t)1 << max_bits) < 4ull * max_windows)
		max_bits++;
	if (n > max_windows)
		return -E2BIG;
	while (bits < CIDSD_KD_TABLE_BITS && ((size_t)1 << bits) < 2 * n)
		bits++;
	for (;; bits++) {
		if (bits > max_bits)
			return -E2BIG;
		free(table);
		table = calloc((size_t)1 << bits, sizeof(*table));
		if (!table)
			return -ENOMEM;
		if (kd_build(table, bits, keys, n))
			break;
	}
	size = 1u << bits;
	idx = malloc(size * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	kd_region_free(k, slot);
	chunk = kd_region_alloc(k, size >> CIDSD_KD_MIN_BITS);
	if (chunk < 0)
		return chunk;
	k->kd_region[slot].chunk = (uint32_t)chunk;
	k->kd_region[slot].nchunks = size >> CIDSD_KD_MIN_BITS;
	for (uint32_t i = 0; i < size; i++)
		idx[i] = ((uint32_t)chunk << CIDSD_KD_MIN_BITS) + i;
	for (uint32_t done = 0; done < size; done += count) {
		count = MIN(size - done, 65536u);
		if (bpf_map_update_batch(tfd, idx + done, table + done, &count, NULL) < 0) {
			r = -errno;
			kd_region_free(k, slot);
			return r;
		}
	}
	/* the parameters with the epoch still 0, then the epoch: a program reading the slot
	 * meanwhile sees detection either off or complete */
	if (bpf_map_lookup_elem(fd, &slot, &c) < 0)
		return -errno;
	if (c.gen == 0)
		return -ENOENT;
	c.kd_epoch = 0;
	c.kd_k = kk;
	c.kd_frame = frame;
	c.kd_threshold = threshold;
	c.kd_base = (uint32_t)chunk << CIDSD_KD_MIN_BITS;
	c.kd_bits = bits;
	c.kd_kill = kill;
	c.kd_kill_only = kill_only != NULL;
	if (kill_only)
		memcpy(c.kd_kill_calls, kill_only, sizeof(c.kd_kill_calls));
	else
		memset(c.kd_kill_calls, 0, sizeof(c.kd_kill_calls));
	c.kd_pad = start_pad;
	r = kern_kill_budget(k, slot, 0); /* cidsd sets it once detection is on */
	if (r < 0)
		return r;
	if (bpf_map_update_elem(fd, &slot, &c, BPF_EXIST) < 0)
		return -errno;
	c.kd_epoch = epoch;
	if (bpf_map_update_elem(fd, &slot, &c, BPF_EXIST) < 0)
		return -errno;
	return 0;
}

int kern_kill_budget(struct kern *k, uint32_t slot, unsigned budget)
{
	int64_t v = budget;

	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.kill_budget), &slot, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

uint32_t kern_kd_used(const struct kern *k)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < KD_CHUNKS; i++)
		n += k->kd_used[i];
	return n << CIDSD_KD_MIN_BITS;
}

int kern_slot_stats(struct kern *k, uint32_t slot, struct cidsd_slot_stats *ret)
{
	if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.slot_stats), &slot, ret) < 0)
		return -errno;
	return 0;
}

void kern_slot_consumed(struct kern *k, uint32_t slot, uint64_t n)
{
	if (slot < CIDSD_MAX_CONTAINERS)
		__atomic_store_n(&k->skel->bss->slot_consumed[slot], n, __ATOMIC_RELAXED);
}

uint64_t kern_ring_share(const struct kern *k)
{
	return k->ring_share;
}

int kern_slot_reset(struct kern *k, uint32_t slot)
{
	struct cidsd_slot_stats z = {};

	kern_slot_consumed(k, slot, 0);
	if (bpf_map_update_elem(bpf_map__fd(k->skel->maps.slot_stats), &slot, &z, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int kern_stats(struct kern *k, struct cidsd_stats *ret)
{
	_cleanup_free_ struct cidsd_stats *v = calloc((size_t)k->ncpus, sizeof(*v));
	uint32_t zero = 0;

	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.stats), &zero, v) < 0)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	for (int i = 0; i < k->ncpus; i++) {
		ret->events += v[i].events;
		ret->kd_calls += v[i].kd_calls;
		ret->kd_anomalies += v[i].kd_anomalies;
		ret->lost += v[i].lost;
		ret->wakeups += v[i].wakeups;
	}
	return 0;
}
