/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LXC's seccomp proxy served without a monitor (cids/notify_proto.h notify_lxc_pass): what stays
 * of an LXC container's supervision when its cids-notify died. LXC's monitor keeps the listener
 * and, when its proxy connection breaks, connects to lxc.seccomp.notify.proxy again for the next
 * call (LXC 5.0 src/lxc/seccomp.c seccomp_notify_handler, seccomp_notify_reconnect), answering
 * ENOSYS itself only when nobody accepts. Whoever still holds the listening socket can therefore
 * answer in the dead monitor's place: on numbers only, as the monitor does.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cids/macro.h"
#include "cids/notify_proto.h"

#define PASS_CONNS 32

/* The answer to req: numbers only. */
static void pass_answer(const struct seccomp_notif *req, struct seccomp_notif_resp *resp,
			const struct notify_denied *denied, bool deny)
{
	int e = notify_call_denied(denied, req->data.arch, req->data.nr);

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	if (deny)
		/* its process dies with the init's pid namespace (the caller killed it first):
		 * no pid is signalled by number here */
		resp->error = -EPERM;
	else if (e)
		resp->error = -e;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}

static void pass_wake(int sig)
{
	(void)sig;
}

/* A notification on the init's own listener (before LXC's monitor serves it). LXC's monitor
 * polls the same listener and may take the notification first; RECV ignores O_NONBLOCK and would
 * then wait for the next one, while LXC waits (30 s, then answers ENOSYS itself) for our answer
 * on its connection, and every later answer would be read for the wrong call. So the RECV is
 * bounded: a 20 ms timer whose SIGALRM (no SA_RESTART) ends it with EINTR. */
static void pass_direct(int listener, size_t reqsz, const struct notify_denied *denied, bool deny)
{
	_cleanup_free_ struct seccomp_notif *req = calloc(1, reqsz);
	struct itimerval t = {.it_value = {.tv_usec = 20000}}, off = {};
	struct seccomp_notif_resp resp;
	int r;

	if (!req)
		return;
	(void)setitimer(ITIMER_REAL, &t, NULL);
	r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req);
	(void)setitimer(ITIMER_REAL, &off, NULL);
	if (r < 0)
		return; /* EINTR or ENOENT: LXC's monitor took it, or the caller is gone */
	pass_answer(req, &resp, denied, deny);
	(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/* One message on c: answer it; -errno when the connection is to be closed. */
static int pass_one(int c, char *buf, size_t bufsz, const struct seccomp_notif_sizes *sz,
		    const struct notify_denied *denied, bool deny)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = {.iov_base = buf, .iov_len = bufsz};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct lxc_proxy_msg h;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp = {};
	size_t nsz, rsz;
	ssize_t n;

	do
		n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *ch = CMSG_FIRSTHDR(&mh); n >= 0 && ch; ch = CMSG_NXTHDR(&mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof(fd));
			close(fd); /* /proc/<pid>, its mem, LXC's listener: never used */
		}
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	nsz = h.sizes.seccomp_notif;
	rsz = h.sizes.seccomp_notif_resp;
	if (h.reserved != 0 || nsz < sizeof(req) || rsz < sizeof(resp) ||
	    nsz != sz->seccomp_notif || rsz != sz->seccomp_notif_resp ||
	    h.cookie_len > LXC_COOKIE_MAX || (size_t)n != sizeof(h) + nsz + rsz + h.cookie_len)
		return -EBADMSG;
	memcpy(&req, buf + sizeof(h), sizeof(req));
	pass_answer(&req, &resp, denied, deny);
	memset(buf + sizeof(h) + nsz, 0, rsz);
	memcpy(buf + sizeof(h) + nsz, &resp, sizeof(resp));
	n = send(c, buf, sizeof(h) + nsz + rsz, MSG_NOSIGNAL);
	return n == (ssize_t)(sizeof(h) + nsz + rsz) ? 0 : -EIO;
}

int notify_lxc_pass(int lfd, int pidfd, int listener, const struct notify_denied *denied, bool deny)
{
	struct seccomp_notif_sizes sz = {};
	struct pollfd p[3 + PASS_CONNS];
	_cleanup_free_ char *buf = NULL;
	size_t bufsz;
	unsigned n = 0;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	bufsz = sizeof(struct lxc_proxy_msg) + sz.seccomp_notif + sz.seccomp_notif_resp +
		LXC_COOKIE_MAX;
	buf = malloc(bufsz);
	if (!buf)
		return -ENOMEM;
	if (listener >= 0) {
		struct sigaction sa = {.sa_handler = pass_wake}; /* no SA_RESTART */
		sigset_t alrm;

		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		if (sigaction(SIGALRM, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &alrm, NULL) < 0)
			return -errno;
	}
	p[0] = (struct pollfd){.fd = pidfd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = lfd, .events = POLLIN};
	p[2] = (struct pollfd){.fd = listener, .events = POLLIN};
	for (;;) {
		if (poll(p, 3 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents)
			return 0; /* the container ended */
		if (p[2].fd >= 0 && (p[2].revents & POLLIN))
			pass_direct(p[2].fd, MAX(sz.seccomp_notif, sizeof(struct seccomp_notif)),
				    denied, deny);
		else if (p[2].fd >= 0 && p[2].revents)
			p[2].fd = -1; /* hung up */
		for (unsigned i = n; i-- > 0;) {
			struct pollfd *c = &p[3 + i];

			if (!c->revents)
				continue;
			if ((c->revents & POLLIN) &&
			    pass_one(c->fd, buf, bufsz, &sz, denied, deny) == 0) {
				/* LXC's monitor serves the listener from now on: one receiver */
				p[2].fd = -1;
				continue;
			}
			close(c->fd);
			*c = p[3 + --n];
		}
		if (p[1].revents & POLLIN) {
			struct ucred cred = {};
			socklen_t clen = sizeof(cred);
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (c < 0)
				continue;
			if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
			    cred.uid != 0 || n >= PASS_CONNS) {
				close(c);
				continue;
			}
			p[3 + n++] = (struct pollfd){.fd = c, .events = POLLIN};
		}
	}
}
