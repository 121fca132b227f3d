/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attaching to the container's processes: its init at start (hook/ptrace.c's tracer_new) and
 * the processes that join it later.
 *
 * Processes joining the container from outside its tree (`runc exec`, `lxc-attach`) are
 * stopped at their exec by hook/joiner.bpf.c (SIGSTOP before the new program's first
 * instruction; the runtime's set-up before that exec is trusted code), reported on its ring
 * buffer, which hook/ptrace.c's loop reads after every event and tick without a system call,
 * seized (on_joiner below), and let go on (SIGCONT) under syscall stops: judged from their
 * first call. Without that program (no BTF, no BPF) they are found by a scan every 200 ms of
 * the container's cgroup (cgroup v2: cgroup.threads of its cgroup and the cgroups below it,
 * so the cost follows the container's threads, not the host's), comparing pid namespaces
 * with the init's, and seized on sight; the scan runs with the program too, as a backstop. A
 * thread of a traced process that is not traced (an escape the clone rules of hook/ptrace.c
 * should make impossible) is seized too. On cgroup v1 hosts the scan walks /proc instead.
 * The race without the program: what such a process does in the up to 200 ms before the
 * scan finds it is not seen, and so are children it forked and that exited in that time. A
 * container that shares the host's pid namespace has neither.
 * A joiner still in the runtime's set-up (comm "runc..."/"crun" AND a parent outside the
 * container's pid namespace, as runc's CLONE_PARENT init has) is followed without syscall
 * stops until it execs; a tenant process that names itself "runc" has its parent inside.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "ptrace_internal.h"
#include "tracer.h"

#define ATTACH_ROUNDS 64
#define CG_MAX_DEPTH  16   /* cgroup levels below the container's that the scan walks */
#define CG_MAX_DIRS   1024 /* cgroups per scan */
#define CGROUP2_MAGIC 0x63677270

/* A number field of /proc/<tid>/status (nothing read here is used as a path) */
int tracer_proc_status_field(pid_t tid, const char *field, pid_t *ret)
{
	char path[64], buf[2048];
	_cleanup_close_ int fd = -EBADF;
	size_t flen = strlen(field);
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, field, flen) == 0 && l[flen] == ':') {
			*ret = (pid_t)strtol(l + flen + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/* Is tid exiting (zombie or dead) or gone? The kernel refuses to attach to such a task. */
static bool thread_exiting(pid_t tid)
{
	_cleanup_free_ char *buf = NULL;
	char path[64], *paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	if (read_full_file(path, 4096, &buf, NULL) < 0)
		return true;
	/* "tid (comm) S ...": comm may hold anything, the state follows the last ')' */
	paren = strrchr(buf, ')');
	return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X' || paren[2] == 'x';
}

static int seize(struct tracer *t, pid_t tid)
{
	pid_t tracer = 0;
	int r;

	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)t->options) == 0)
		return 1;
	r = -errno;
	if (r == -ESRCH)
		return 0; /* gone already */
	if (r == -EPERM) {
		/* auto-attached already by TRACECLONE from a thread we hold? */
		if (tracer_proc_status_field(tid, "TracerPid", &tracer) == 0 && tracer == getpid())
			return 0;
		/* a thread that exits during the attach: nothing left to trace */
		if (thread_exiting(tid))
			return 0;
	}
	return r;
}

/* Seize every thread of tgid until a pass finds no new one. interrupt: stop each new thread once
 * so that a learning thread is resumed with PTRACE_SYSCALL. */
int tracer_seize_process(struct tracer *t, pid_t tgid, uint8_t flags, bool interrupt,
			 unsigned *ret_new)
{
	char path[64];
	unsigned total = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	for (int round = 0; round < ATTACH_ROUNDS; round++) {
		_cleanup_(closedirp) DIR *d = opendir(path);
		struct dirent *de;
		unsigned fresh = 0;

		if (!d)
			return total ? 0 : -errno;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);
			int r;

			if (tid <= 0 || th_find(t, tid))
				continue;
			r = seize(t, tid);
			if (r < 0)
				return r;
			if (!tracer_th_add(t, tid, tgid, flags)) {
				tracer_cap_reached(t, tid);
				if (tracer_cap_kills(t) && r > 0)
					tracer_kill_tracee(t, tid, tgid); /* seized: tid is held */
				else if (tracer_cap_kills(t))
					(void)tracer_signal_member(t, tgid, SIGKILL);
				else if (r > 0)
					(void)ptrace(PTRACE_DETACH, tid, 0, 0);
				continue;
			}
			if (r > 0 && interrupt)
				(void)ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			fresh++;
		}
		total += fresh;
		if (!fresh)
			break;
	}
	if (ret_new)
		*ret_new = total;
	return 0;
}

static int ns_of(pid_t pid, dev_t *dev, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	if (stat(path, &st) < 0)
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

/* A process found by the scan: still the runtime's set-up (runc init, crun, lxc-attach's child
 * before its execve)? */
static bool looks_like_runtime(pid_t pid)
{
	char path[64], comm[32] = "";
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	return strncmp(comm, "runc:[", 6) == 0 || strcmp(comm, "crun\n") == 0 ||
	       strncmp(comm, "runc", 4) == 0 || strcmp(comm, "lxc-attach\n") == 0;
}

static bool in_container_ns(const struct tracer *t, pid_t pid)
{
	dev_t dev = 0;
	ino_t ino = 0;

	return ns_of(pid, &dev, &ino) == 0 && dev == t->ns_dev && ino == t->ns_ino;
}

/* The runtime's own set-up (runc exec's init, crun) rather than a tenant that named itself so:
 * runc's init is cloned with CLONE_PARENT, so its parent is the runtime outside the container;
 * every process a tenant makes has its parent inside (or is the container's reaper's child). */
static bool is_runtime_setup(const struct tracer *t, pid_t pid)
{
	pid_t ppid = 0;

	if (!looks_like_runtime(pid))
		return false;
	if (tracer_proc_status_field(pid, "PPid", &ppid) < 0 || ppid <= 0)
		return false;
	return !in_container_ns(t, ppid);
}

/* A task found by the scan that we do not hold: a joining process, or a thread of a traced
 * process that escaped tracing. */
static void scan_one(struct tracer *t, pid_t tid, bool any_process)
{
	struct thread *owner;
	pid_t tgid = tid;
	uint8_t flags;
	unsigned n = 0;
	int r;

	if (tid <= 0 || th_find(t, tid))
		return;
	/* /proc lists every process of the host: the cheap namespace test first */
	if (any_process && !in_container_ns(t, tid))
		return;
	if (tracer_proc_status_field(tid, "Tgid", &tgid) < 0)
		return;
	owner = tgid != tid ? th_find(t, tgid) : NULL;
	if (owner) {
		/* a thread of a process we trace, not traced itself; past the thread cap it was
		 * let go on purpose (or its process is killed): seizing it again only to detach it
		 * would leave a running thread attached with no slot */
		if (t->nthreads >= t->cap) {
			if (tracer_cap_kills(t))
				(void)tracer_signal_member(t, tgid, SIGKILL);
			return;
		}
		r = seize(t, tid);
		if (r < 0)
			return;
		if (!tracer_th_add(t, tid, tgid, owner->flags & TH_LEARN)) {
			if (r > 0)
				tracer_cap_drop(t, tid, tgid);
			return;
		}
		if (r > 0) {
			char msg[160];

			(void)ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			snprintf(msg, sizeof(msg), "untraced thread %d of process %d found: traced",
				 (int)tid, (int)tgid);
			log_warn("Container pid %d: %s", (int)t->init_pid, msg);
			session_alert_event(t->s, "cids_untraced_task", msg);
		}
		return;
	}
	if (th_find(t, tgid) || !in_container_ns(t, tgid))
		return;
	flags = t->workload_started && !is_runtime_setup(t, tgid) ? TH_LEARN : 0;
	if (tracer_seize_process(t, tgid, flags, flags & TH_LEARN, &n) < 0)
		return;
	if (n)
		log_info("Process %d joined the container (%s", (int)tgid,
			 flags & TH_LEARN ? "runc exec?): found by the scan, traced"
					  : "runtime set-up): found by the scan before its exec, "
					    "judged from its execve");
}

/* A process hook/joiner.bpf.c stopped at its exec (SIGSTOP pending or in effect): seize it and
 * let it go on under syscall stops. Past that exec it runs the workload's code whatever its
 * name, so it is judged from its first call (no runtime set-up rule). One we cannot trace is
 * killed where an untraced process is not allowed (enforce, on_error deny), else let go. */
static void on_joiner(void *ud, pid_t tgid, bool at_fork)
{
	struct tracer *t = ud;
	const char *stage = at_fork ? "fork" : "exec";
	unsigned n = 0;
	int r = 0;

	/* the scan came first (the ring buffer is read between stops): held since its stop */
	if (!t->releasing && th_find(t, tgid)) {
		log_info("Process %d joined the container (%s): stopped at its %s, held already by "
			 "the scan",
			 (int)tgid, stage, stage);
	} else if (!t->releasing && in_container_ns(t, tgid)) {
		/* at_fork (one-stop mode): still the runtime's set-up; judged from its execve */
		r = tracer_seize_process(t, tgid, at_fork ? 0 : TH_LEARN, !at_fork, &n);
		if (n)
			log_info(
				"Process %d joined the container (%s", (int)tgid,
				at_fork ? "fork): stopped at its fork, judged from its execve"
					: "exec): stopped at its exec, traced from its first call");
	}
	if (!t->releasing && !th_find(t, tgid) && in_container_ns(t, tgid) && tracer_cap_kills(t)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "joining process %d cannot be traced (%s): killed",
			 (int)tgid, r < 0 ? strerror(-r) : "thread cap");
		log_warn("Container pid %d: %s", (int)t->init_pid, msg);
		session_alert_event(t->s, "cids_untraced_task", msg);
		(void)tracer_signal_member(t, tgid, SIGKILL);
		return;
	}
	/* traced now (PTRACE_LISTEN holds it until this), or let go */
	(void)tracer_signal_member(t, tgid, SIGCONT);
}

/* Every task of cgroup dir and the cgroups below it (cgroup.threads lists each thread). */
static void scan_cgroup(struct tracer *t, int dirfd, unsigned depth)
{
	_cleanup_(closedirp) DIR *d = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	struct dirent *de;
	int fd, dfd;
	char line[32];

	if (t->cg_dirs++ >= CG_MAX_DIRS)
		return;
	fd = openat(dirfd, "cgroup.threads", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		f = fdopen(fd, "re");
		if (!f)
			close(fd);
	}
	/* at most twice the thread cap per cgroup: past it the cap has spoken anyway */
	for (unsigned i = 0; f && i < 2 * t->cap + 64 && fgets(line, sizeof(line), f); i++)
		scan_one(t, (pid_t)strtol(line, NULL, 10), false);
	if (depth >= CG_MAX_DEPTH)
		return;
	dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -EBADF;

		/* LXC attaches into "<container>/.lxc": skip only "." and ".." */
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			scan_cgroup(t, sub, depth + 1);
	}
}

void tracer_scan_joiners(struct tracer *t)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	if (t->no_scan || !t->ns_known)
		return;
	if (t->cg_dir) {
		_cleanup_close_ int fd =
			open(t->cg_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			t->cg_dirs = 0;
			scan_cgroup(t, fd, 0);
			return;
		}
		/* the cgroup is gone (container ending): nothing joins any more */
		return;
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d)))
		scan_one(t, (pid_t)strtol(de->d_name, NULL, 10), true);
}

/* The container's cgroup v2 directory, from /proc/<init>/cgroup ("0::/path"), or NULL (v1 or
 * hybrid host, unreadable): then the scan walks /proc. */
static char *container_cgroup(pid_t init_pid)
{
	char path[64], buf[4096], *line, *out = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *root = "/sys/fs/cgroup";
	struct statfs sf;
	ssize_t n;

	/* unified host, or the v2 hierarchy of a hybrid one */
	if (statfs(root, &sf) < 0 || sf.f_type != CGROUP2_MAGIC) {
		root = "/sys/fs/cgroup/unified";
		if (statfs(root, &sf) < 0 || sf.f_type != CGROUP2_MAGIC)
			return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)init_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	line = strstr(buf, "0::/");
	if (line != buf && (!line || line[-1] != '\n'))
		return NULL;
	line += 3;
	line[strcspn(line, "\n")] = '\0';
	/* the root cgroup (no cgroup of its own) would be every process of the host */
	if (strcmp(line, "/") == 0 || strstr(line, "/..") || asprintf(&out, "%s%s", root, line) < 0)
		return NULL;
	return out;
}

/* Where joiners are looked for: the container's pid namespace (none if it is the host's) and
 * its cgroup v2 directory (none: /proc). */
void tracer_scan_init(struct tracer *t)
{
	dev_t mydev = 0;
	ino_t myino = 0;

	t->ns_known = ns_of(t->init_pid, &t->ns_dev, &t->ns_ino) == 0;
	/* A container in the host's pid namespace (--pid=host): every process would look
	 * like a joiner. Only the init's own tree is traced then. */
	if (!t->ns_known ||
	    (ns_of(getpid(), &mydev, &myino) == 0 && mydev == t->ns_dev && myino == t->ns_ino)) {
		t->no_scan = true;
		log_warn("Container pid %d shares the host's pid namespace: processes joining it "
			 "from outside its tree (exec) are not traced",
			 (int)t->init_pid);
	}
	if (!t->no_scan) {
		char why[512] = "";
		int r = -ECANCELED;

		t->cg_dir = container_cgroup(t->init_pid);
		log_debug("Joiner scan of container pid %d: %s", (int)t->init_pid,
			  t->cg_dir ? t->cg_dir : "/proc (no cgroup v2)");
		/* CIDS_MONITOR_NO_JOINER_STOP (the host's hook env, as CIDS_MONITOR_NO_HARDEN):
		 * the scan alone, to test the fallback of hosts without BPF */
		if (getenv("CIDS_MONITOR_NO_JOINER_STOP"))
			snprintf(why, sizeof(why), "joiner stop off (CIDS_MONITOR_NO_JOINER_STOP)");
		else
			r = joiner_watch_new(t->init_pid, t->one_stop, on_joiner, t, &t->jw, why,
					     sizeof(why));
		if (r < 0)
			log_warn("Container pid %d: %s; processes joining it (exec) are found by a "
				 "scan every 200 ms and run unjudged until then",
				 (int)t->init_pid, why[0] ? why : strerror(-r));
		else
			log_debug("Container pid %d: joiners are stopped at their exec (BPF)",
				  (int)t->init_pid);
	}
}

/* Does the process catch sig (a handler will run)? From SigCgt in /proc/<tid>/status. */
bool tracer_sig_caught(pid_t tid, int sig)
{
	char path[64], buf[2048], *p;
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	if (sig <= 0 || sig > 64)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "\nSigCgt:");
	if (!p)
		return false;
	return (strtoull(p + 8, NULL, 16) >> (sig - 1)) & 1;
}
