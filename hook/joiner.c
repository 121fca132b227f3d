/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The loader of hook/joiner.bpf.c, one per ptrace monitor (see that file for what it does).
 *
 * Why each monitor loads its own program rather than sharing one pinned program and a map of
 * watched cgroups: the program's life is the monitor's file descriptors. A monitor that dies
 * (SIGKILL, OOM) or ends takes its program with it, so no stale entry ever stops the execs of
 * a container nobody watches any more, nothing needs bpffs, pinning or clean-up, and the
 * monitor's own pid (the tracer that counts) is a constant of its program. The price is one
 * program run per monitor on every exec of the host: a helper call and a compare, small
 * against an exec.
 *
 * The monitor loads it before it drops its capabilities (CAP_BPF/CAP_SYS_ADMIN and
 * CAP_PERFMON are not kept) and reads the ring buffer from its loop: libbpf's consume reads
 * the mmap'ed ring, so a loop turn without a joiner makes no system call and the hardened
 * monitor's seccomp list needs nothing new. On Linux 6.13 and later the program also sends
 * the monitor SIGURG (bpf_send_signal_task), which interrupts an idle monitor's waitpid, so a
 * joiner waits microseconds rather than up to the loop's 100 ms tick.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/types.h>

#include "cids/log.h"

#define PROC_PID_INIT_INO 0xEFFFFFFCU /* the initial pid namespace (include/linux/proc_ns.h) */
#include "cids/macro.h"
#include "cids/util.h"
#include "joiner.h" /* before the skeleton, which names its types */
#include "joiner.skel.h"
#include "tracer.h"

struct joiner_watch {
	struct joiner_bpf *skel;
	struct ring_buffer *rb;
	joiner_fn fn;
	void *ud;
};

static char libbpf_last[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* the last warning says why a load failed */
	snprintf(libbpf_last, sizeof(libbpf_last), "%.255s", buf);
	log_debug("libbpf: %s", buf);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct joiner_watch *w = ctx;
	const struct joiner_event *e = data;

	if (size < sizeof(*e) || !w->fn || e->tgid == 0)
		return 0;
	w->fn(w->ud, (pid_t)e->tgid, e->at_fork != 0);
	return 0;
}

void joiner_watch_free(struct joiner_watch *w)
{
	if (!w)
		return;
	ring_buffer__free(w->rb);
	joiner_bpf__destroy(w->skel);
	free(w);
}

int joiner_watch_new(pid_t init_pid, bool stop_at_fork, joiner_fn fn, void *ud,
		     struct joiner_watch **ret, char *why, size_t whylen)
{
	struct joiner_watch *w;
	struct stat st = {}, self_ns;
	int r;

	if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
		r = -errno;
		return why_err(why, whylen, r, "no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			       strerror(-r));
	}
	if (init_pid > 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init_pid);
		if (stat(path, &st) < 0) {
			r = -errno;
			return why_err(why, whylen, r,
				       "cannot read the container's pid namespace: %s",
				       strerror(-r));
		}
	}
	libbpf_set_print(libbpf_print);
	libbpf_last[0] = '\0';
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ud = ud;
	w->skel = joiner_bpf__open();
	if (!w->skel) {
		r = why_err(why, whylen, -errno, "cannot open the joiner program: %s",
			    strerror(errno));
		goto fail;
	}
	/* no container (the --check-config probe): 0 matches nothing */
	w->skel->rodata->watch_ns_inum = (__u32)st.st_ino;
	w->skel->rodata->monitor_tgid = (__u32)getpid();
	/* the kernel looks the monitor up by its pid in the initial pid namespace: only there is
	 * getpid() that pid (elsewhere the monitor waits for its next tick) */
	w->skel->rodata->wake_monitor =
		stat("/proc/self/ns/pid", &self_ns) == 0 && self_ns.st_ino == PROC_PID_INIT_INO;
	w->skel->rodata->stop_at_fork = stop_at_fork;
	/* two stops per call: joiners are stopped at their exec only */
	if (!stop_at_fork)
		(void)bpf_program__set_autoload(w->skel->progs.joiner_fork, false);
	r = joiner_bpf__load(w->skel);
	if (r < 0) {
		why_set(why, whylen, "cannot load the joiner program: %s%s%s", strerror(-r),
			libbpf_last[0] ? ": " : "", libbpf_last);
		goto fail;
	}
	r = joiner_bpf__attach(w->skel);
	if (r < 0) {
		why_set(why, whylen, "cannot attach to tp_btf/sched_process_exec: %s",
			strerror(-r));
		goto fail;
	}
	w->rb = ring_buffer__new(bpf_map__fd(w->skel->maps.joiners), on_event, w, NULL);
	if (!w->rb) {
		r = why_err(why, whylen, -errno, "cannot map the joiner ring buffer: %s",
			    strerror(errno));
		goto fail;
	}
	*ret = w;
	return 0;
fail:
	joiner_watch_free(w);
	return r < 0 ? r : -EIO;
}

int joiner_watch_poll(struct joiner_watch *w)
{
	return w ? ring_buffer__consume(w->rb) : 0;
}

void joiner_watch_stop(struct joiner_watch *w)
{
	if (!w)
		return;
	joiner_bpf__detach(w->skel);
	(void)ring_buffer__consume(w->rb);
}

uint64_t joiner_watch_stopped(const struct joiner_watch *w)
{
	return w && w->skel->bss ? w->skel->bss->stats.stopped : 0;
}

int joiner_watch_probe(char *why, size_t whylen)
{
	struct joiner_watch *w = NULL;
	int r = joiner_watch_new(0, false, NULL, NULL, &w, why, whylen);

	joiner_watch_free(w);
	return r;
}
