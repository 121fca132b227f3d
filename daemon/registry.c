/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registration socket and container lifetime.
 *
 * A root client (SO_PEERCRED uid 0) sends one struct cidsd_reg; we validate every field, find the
 * container's pid namespace ourselves from /proc/<pid>/ns/pid (holding a pidfd first so a reused
 * pid cannot slip in), create the session, put the namespace into the kernel filter and answer
 * "ok". The container ends when its init's pidfd becomes readable.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cids/cidsd_proto.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "daemon.h"
#include "proto.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void conn_close(struct daemon *d, struct cidsd_fdref *ref)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, ref->fd, NULL);
	close(ref->fd);
	if (ref->slot < CIDSD_MAX_CONNS && d->conns[ref->slot] == ref)
		d->conns[ref->slot] = NULL;
	free(ref);
	d->nconns--;
}

int registry_listen(struct daemon *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = NULL;
	char *slash;
	mode_t old;
	int r;

	if (strlen(d->cfg.socket) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Socket path \"%s\" is too long",
				       d->cfg.socket);
	memcpy(sa.sun_path, d->cfg.socket, strlen(d->cfg.socket) + 1);

	dir = strdup(d->cfg.socket);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = mkdir_p(dir, 0700);
		if (r < 0)
			return log_error_errno(r, "Cannot create \"%s\"", dir);
	}

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(-errno, "socket");

	/* A socket file left by a dead daemon is replaced; a live daemon is not. */
	{
		_cleanup_close_ int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return log_error_errno(
				-EADDRINUSE, "Another cidsd is listening on \"%s\"; stop it first",
				d->cfg.socket);
	}
	if (unlink(d->cfg.socket) < 0 && errno != ENOENT)
		return log_error_errno(-errno, "Cannot remove stale socket \"%s\"", d->cfg.socket);

	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return log_error_errno(-errno, "Cannot bind \"%s\"", d->cfg.socket);
	if (chmod(d->cfg.socket, 0600) < 0)
		return log_error_errno(-errno, "chmod \"%s\"", d->cfg.socket);
	if (listen(fd, 128) < 0)
		return log_error_errno(-errno, "listen");
	d->listen_fd = TAKE_FD(fd);
	return 0;
}

void registry_close(struct daemon *d)
{
	for (uint32_t i = 0; i < CIDSD_MAX_CONNS; i++)
		if (d->conns[i])
			conn_close(d, d->conns[i]);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		d->listen_fd = -EBADF;
		unlink(d->cfg.socket);
	}
}

void registry_accept(struct daemon *d)
{
	for (;;) {
		struct cidsd_fdref *ref;
		struct epoll_event ev;
		int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn_errno(-errno, "accept");
			return;
		}
		if (d->nconns >= CIDSD_MAX_CONNS) {
			static const char busy[] =
				"error: cidsd busy, too many registrations in flight";

			(void)send(fd, busy, sizeof(busy), MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		ref = calloc(1, sizeof(*ref));
		if (!ref) {
			close(fd);
			continue;
		}
		ref->kind = FD_CONN;
		ref->fd = fd;
		ref->since = now_mono();
		for (uint32_t i = 0; i < CIDSD_MAX_CONNS; i++)
			if (!d->conns[i]) {
				d->conns[i] = ref;
				ref->slot = i;
				break;
			}
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP, .data.ptr = ref};
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(ref);
			continue;
		}
		d->nconns++;
	}
}

static int alloc_slot(struct daemon *d, uint32_t *ret)
{
	static uint32_t next;

	for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++) {
		uint32_t s = (next + i) % CIDSD_MAX_CONTAINERS;

		if (!d->conts[s]) {
			next = s + 1;
			*ret = s;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool field_ok(const char *f, size_t n)
{
	return memchr(f, '\0', n) != NULL;
}

static void state_path(const struct daemon *d, uint32_t inum, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u.reg", d->state_dir, inum);
}

/* The pid namespace of m's init, pinned by pidfd: its inode and nesting level, or -errno with
 * the reason in why (the host's, too deep, not the one recorded for a re-adoption, registered
 * already). */
static int find_pidns(struct daemon *d, const struct cidsd_reg *m, int pidfd, uint32_t adopt_inum,
		      uint32_t *ret_inum, unsigned *ret_level, char *why, size_t whylen)
{
	struct stat st, own;
	char path[64];
	unsigned level;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)m->init_pid);
	if (stat(path, &st) < 0 || stat("/proc/self/ns/pid", &own) < 0) {
		r = -errno;
		return why_err(why, whylen, r, "pid namespace of %d: %s", (int)m->init_pid,
			       strerror(-r));
	}
	r = kern_pidns_level(m->init_pid, &level);
	if (r < 0)
		return why_err(why, whylen, r, "pid namespace level of %d: %s", (int)m->init_pid,
			       strerror(-r));
	r = pidfd_signal(pidfd, 0);
	if (r < 0)
		return why_err(why, whylen, r, "container pid %d exited during registration",
			       (int)m->init_pid);
	if (st.st_ino == own.st_ino || level <= kern_host_level(d->kern))
		return why_err(why, whylen, -EOPNOTSUPP,
			       "the container shares the host pid namespace; the ebpf backend "
			       "needs a container with its own pid namespace");
	if (level >= CIDSD_MAX_LEVEL)
		return why_err(why, whylen, -EOPNOTSUPP,
			       "pid namespace nested %u deep; at most %u supported", level,
			       CIDSD_MAX_LEVEL - 1);
	if (adopt_inum && (uint32_t)st.st_ino != adopt_inum)
		return why_err(why, whylen, -ESTALE,
			       "pid %d now lives in another pid namespace (pid reused)",
			       (int)m->init_pid);
	for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++)
		if (d->conts[i] && d->conts[i]->inum == (uint32_t)st.st_ino)
			return why_err(why, whylen, -EEXIST,
				       "pid namespace already registered by container \"%.200s\"",
				       d->conts[i]->id);
	*ret_inum = (uint32_t)st.st_ino;
	*ret_level = level;
	return 0;
}

/* The kernel's side of a new container c: its slot's counters reset, the programs attached
 * (the first container), the namespace in the filter, the init's pidfd in the epoll. */
static int watch_container(struct daemon *d, struct cont *c, bool adopt, char *why, size_t whylen)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->ref};
	int r;

	r = kern_slot_reset(d->kern, c->slot);
	if (r < 0)
		return why_err(why, whylen, r, "resetting counters: %s", strerror(-r));
	if (!kern_attached(d->kern)) {
		r = kern_attach(d->kern);
		if (r < 0)
			return why_err(why, whylen, r, "attaching the BPF programs: %s",
				       strerror(-r));
		log_debug("Syscall tracepoints attached");
	}
	r = kern_container_add(d->kern, c->inum, c->slot, c->gen, c->level, adopt);
	if (r < 0)
		return why_err(why, whylen, r, "adding to the kernel filter: %s", strerror(-r));
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, c->ref.fd, &ev) < 0) {
		r = -errno;
		kern_container_del(d->kern, c->inum, c->slot);
		return why_err(why, whylen, r, "watching the container's init: %s", strerror(-r));
	}
	return 0;
}

/* m passed cidsd_reg_check(). Find the namespace, start the session: 0 or -errno with the reason
 * in why. A re-adoption (adopt_inum != 0) must find the same pid namespace as recorded, and the
 * workload is past its first execve already. */
static int do_register(struct daemon *d, const struct cidsd_reg *m, uint32_t adopt_inum, char *why,
		       size_t whylen)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct session_info *info = NULL;
	struct cids_session *s = NULL;
	struct cont *c = NULL;
	uint32_t inum = 0, slot;
	unsigned level = 0;
	int r;

	/* Pin the process, then read its namespace: a reused pid fails the liveness check. */
	pidfd = pidfd_open_pid(m->init_pid);
	if (pidfd < 0) {
		r = pidfd;
		return why_err(why, whylen, r, "container pid %d: %s", (int)m->init_pid,
			       strerror(-r));
	}
	r = find_pidns(d, m, pidfd, adopt_inum, &inum, &level, why, whylen);
	if (r < 0)
		return r;
	r = alloc_slot(d, &slot);
	if (r < 0)
		return why_err(why, whylen, r, "too many containers (%u)", CIDSD_MAX_CONTAINERS);

	info = calloc(1, sizeof(*info));
	c = calloc(1, sizeof(*c));
	if (!info || !c) {
		r = why_err(why, whylen, -ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(info->id, sizeof(info->id), "%s", m->id);
	snprintf(info->key, sizeof(info->key), "%s", m->key);
	snprintf(info->bundle_profile, sizeof(info->bundle_profile), "%s", m->bundle_profile);
	info->mode = (enum cids_mode)m->mode;
	info->backend = "ebpf";
	info->init_pid = m->init_pid;
	r = session_new(&d->scfg, info, &s, why, whylen);
	if (r < 0)
		goto fail;

	c->slot = slot;
	if (++d->gens[slot] == 0) /* 0 means "free" in the kernel's slot array */
		d->gens[slot] = 1;
	c->gen = d->gens[slot];
	c->inum = inum;
	c->level = level;
	c->init_pid = m->init_pid;
	c->session = s;
	c->started = adopt_inum != 0;
	snprintf(c->id, sizeof(c->id), "%s", m->id);
	c->ref = (struct cidsd_fdref){.kind = FD_PIDFD, .fd = pidfd, .slot = slot};

	r = watch_container(d, c, adopt_inum != 0, why, whylen);
	if (r < 0)
		goto fail;
	if (!adopt_inum) {
		char rpath[CIDS_PATH_MAX + 64];

		state_path(d, c->inum, rpath, sizeof(rpath));
		r = write_file_atomic(rpath, m, sizeof(*m), 0600);
		if (r < 0) /* only re-adoption after a restart is lost: not a reason to refuse */
			log_warn_errno(r, "Cannot record the registration in \"%s\"", rpath);
	}
	c->pidfd = TAKE_FD(pidfd);
	d->conts[slot] = c;
	d->ncont++;
	d->registered++;
	free(info);
	log_info("Container \"%s\" registered: init %d, pid namespace %u (level %u), slot %u, key "
		 "\"%s\", %s",
		 c->id, (int)c->init_pid, c->inum, c->level, slot, m->key,
		 cids_mode_name((enum cids_mode)m->mode));
	/* detecting from the start: judged in the kernel from the workload's first call */
	if (session_mode(s) != CIDS_MODE_LEARN)
		events_kernel_detect(d, c);
	session_start(s); /* its pending warnings, the start line, the first status file */
	return 0;

fail:
	if (d->ncont == 0 && kern_attached(d->kern))
		kern_detach(d->kern);
	session_free(s);
	free(c);
	free(info);
	return r;
}

void registry_conn(struct daemon *d, struct cidsd_fdref *ref, uint32_t events)
{
	_cleanup_free_ struct cidsd_reg *m = calloc(1, sizeof(*m) + 1);
	char why[CIDSD_REPLY_MAX - 16] = "", reply[CIDSD_REPLY_MAX];
	struct ucred cred = {};
	socklen_t len = sizeof(cred);
	ssize_t n = -1;
	int r;

	if (!m)
		goto done;
	/* One record; one byte more than a valid message detects oversized ones (MSG_TRUNC). It
	 * is read before any answer: closing a unix socket with unread data resets the peer. */
	n = recv(ref->fd, m, sizeof(*m) + 1, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(events & (EPOLLHUP | EPOLLRDHUP)))
		return; /* spurious wake-up: keep the connection */
	if (getsockopt(ref->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		log_warn("Registration refused: peer pid %d uid %u is not root", (int)cred.pid,
			 (unsigned)cred.uid);
		snprintf(reply, sizeof(reply), "error: permission denied (peer must be root)");
		(void)send(ref->fd, reply, strlen(reply) + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		goto done;
	}
	if (n != (ssize_t)sizeof(*m)) {
		if (n != 0)
			log_warn("Registration from pid %d: malformed message (%zd bytes)",
				 (int)cred.pid, n);
		snprintf(reply, sizeof(reply),
			 "error: malformed registration (%zd bytes, want %zu)", n, sizeof(*m));
		(void)send(ref->fd, reply, strlen(reply) + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		goto done;
	}
	r = cidsd_reg_check(m, (size_t)n, why, sizeof(why));
	if (r >= 0)
		r = do_register(d, m, 0, why, sizeof(why));
	if (r < 0) {
		log_warn("Registration of container \"%.200s\" (pid %d) refused: %s",
			 field_ok(m->id, sizeof(m->id)) ? m->id : "?", (int)m->init_pid, why);
		/* "refused": the host's policy (on_unlearned refuse), not a fault on_error
		 * may wave through */
		snprintf(reply, sizeof(reply), "%s: %s", r == -EACCES ? "refused" : "error", why);
	} else {
		snprintf(reply, sizeof(reply), "ok");
	}
	(void)send(ref->fd, reply, strlen(reply) + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
done:
	conn_close(d, ref);
}

void registry_sweep(struct daemon *d, double now)
{
	for (uint32_t i = 0; i < CIDSD_MAX_CONNS; i++)
		if (d->conns[i] && now - d->conns[i]->since > CIDSD_CONN_TIMEOUT_S) {
			log_warn("Registration connection idle for %.0f s: closed",
				 CIDSD_CONN_TIMEOUT_S);
			conn_close(d, d->conns[i]);
		}
}

void registry_end(struct daemon *d, struct cont *c, const char *why, bool keep_state)
{
	struct cidsd_slot_stats ss;
	int r;

	/* Events of this container still in the ring go to its session first. */
	d->round_now = now_mono();
	(void)kern_consume(d->kern);
	r = kern_container_del(d->kern, c->inum, c->slot);
	if (r < 0 && r != -ENOENT)
		log_warn_errno(r, "Removing container \"%s\" from the kernel filter", c->id);
	(void)kern_consume(d->kern);
	if (kern_slot_stats(d->kern, c->slot, &ss) == 0 &&
	    ss.lost_untracked > c->lost_untracked_seen)
		session_lost(c->session, 0, ss.lost_untracked - c->lost_untracked_seen);
	if (kern_slot_stats(d->kern, c->slot, &ss) == 0)
		c->lost = ss.lost;

	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
	close(c->pidfd);
	log_info("Container \"%s\" %s: %llu events (%llu before its first execve), %llu lost, %llu "
		 "kills",
		 c->id, why, (unsigned long long)c->events, (unsigned long long)c->setup_events,
		 (unsigned long long)c->lost, (unsigned long long)c->kills);
	session_free(c->session); /* final checkpoint, status file removed */
	if (!keep_state) {
		char path[CIDS_PATH_MAX + 64];

		state_path(d, c->inum, path, sizeof(path));
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn_errno(-errno, "Cannot remove \"%s\"", path);
	}
	d->conts[c->slot] = NULL;
	/* events still queued for this slot find no container; a reuse gets a new generation */
	d->ncont--;
	d->ended++;
	free(c);
	if (d->ncont == 0) {
		kern_detach(d->kern); /* host tasks pay nothing while nobody is watched */
		log_debug("Syscall tracepoints detached");
	}
}

void registry_adopt(struct daemon *d)
{
	_cleanup_(closedirp) DIR *dir = opendir(d->state_dir);
	struct dirent *de;
	unsigned n = 0;

	if (!dir)
		return;
	while ((de = readdir(dir)) && n < CIDSD_MAX_CONTAINERS) {
		_cleanup_free_ char *buf = NULL;
		char path[CIDS_PATH_MAX + 300], why[CIDSD_REPLY_MAX] = "", *end;
		unsigned long inum;
		size_t len = 0;
		int r;

		errno = 0;
		inum = strtoul(de->d_name, &end, 10);
		if (errno || inum == 0 || inum > UINT32_MAX || strcmp(end, ".reg") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->state_dir, de->d_name);
		n++;
		r = read_full_file(path, sizeof(struct cidsd_reg), &buf, &len);
		if (r < 0)
			snprintf(why, sizeof(why), "%s",
				 r == -E2BIG ? "larger than a registration" : strerror(-r));
		else
			r = cidsd_reg_check(buf, len, why, sizeof(why));
		if (r < 0) {
			log_warn("Registration record \"%s\" unusable (%s): removed", path, why);
			unlink(path);
			continue;
		}
		r = do_register(d, (const struct cidsd_reg *)buf, (uint32_t)inum, why, sizeof(why));
		if (r < 0) {
			log_info("Not re-adopting the container of \"%s\": %s", path, why);
			unlink(path);
			continue;
		}
		for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++)
			if (d->conts[i] && d->conts[i]->inum == (uint32_t)inum) {
				log_info("Container \"%s\" re-adopted after a cidsd restart",
					 d->conts[i]->id);
				session_alert_event(
					d->conts[i]->session, "cids_monitor",
					"re-adopted after a cidsd restart: calls made while "
					"cidsd was down were not seen");
			}
	}
}
