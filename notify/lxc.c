/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-notify --lxc: LXC's seccomp proxy protocol (lxc.seccomp.notify.proxy, LXC 5.0
 * src/lxc/seccomp.c seccomp_notify_handler) as a second front end to the judging code of
 * notify/serve.c. LXC's monitor keeps the listener and sends each notification on one
 * SOCK_SEQPACKET connection per container; the answer goes back on it. Pointer arguments are
 * never read: /proc/<pid>/mem, which LXC sends along, is closed unread.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/macro.h"
#include "monitor.h"

void notify_monitor_set_lxc(struct notify_monitor *m)
{
	m->lxc = true;
}

/* Same open file? (kcmp KCMP_FILE: seccomp listeners all share one anonymous inode, so
 * st_ino cannot tell them apart.) */
static bool same_file(int a, int b)
{
	pid_t me = getpid();

	return a >= 0 && b >= 0 && syscall(SYS_kcmp, me, me, KCMP_FILE, a, b) == 0;
}

/* Forget the filters whose processes are all gone (their listener hangs up). */
static void lxc_filters_prune(struct notify_monitor *m)
{
	for (unsigned i = m->nlxcf; i-- > 0;) {
		struct pollfd p = {.fd = m->lxcf[i].fd};

		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
			close(m->lxcf[i].fd);
			m->lxcf[i] = m->lxcf[--m->nlxcf];
		}
	}
}

/* The state of the filter an LXC proxy message came from (fd: LXC's listener): the one
 * cids-hook handed us (LXC's init), else one met through the proxy before (lxc-attach, a copy
 * kept to compare), else a new one. */
static bool *lxc_exec_seen(struct notify_monitor *m, int fd)
{
	static bool judged;
	struct lxc_filter *f;

	for (unsigned i = 0; i < m->nlst; i++)
		if (same_file(m->lst[i]->fd, fd))
			return &m->lst[i]->exec_seen;
	for (unsigned i = 0; i < m->nlxcf; i++)
		if (same_file(m->lxcf[i].fd, fd))
			return &m->lxcf[i].exec_seen;
	if (m->nlxcf >= LXC_FILTERS)
		lxc_filters_prune(m);
	judged = true; /* no room or no copy: judged from its first call, never let through */
	if (m->nlxcf >= LXC_FILTERS)
		return &judged;
	f = &m->lxcf[m->nlxcf];
	*f = (struct lxc_filter){.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)};
	if (f->fd < 0)
		return &judged;
	m->nlxcf++;
	return &f->exec_seen;
}

/* One message from LXC's proxy connection (buf, len, with its fds): judge and answer. -errno
 * when the message is not LXC's protocol (the connection is then closed: LXC answers ENOSYS). */
static int on_lxc_proxy(struct notify_monitor *m, struct notify_conn *c, const char *buf,
			size_t len, const int *fds, size_t nfd)
{
	struct lxc_proxy_msg h;
	struct notify_listener l = {.kind = KIND_LISTENER, .fd = -EBADF, .lxc_fd = -EBADF};
	bool *seen;
	size_t nsz, rsz;
	struct iovec iov[3];
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 3};

	if (len < sizeof(h) || nfd != 3)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	nsz = h.sizes.seccomp_notif;
	rsz = h.sizes.seccomp_notif_resp;
	if (h.reserved != 0 || nsz < sizeof(struct seccomp_notif) || nsz > m->req_size ||
	    rsz < sizeof(struct seccomp_notif_resp) || rsz > m->resp_size ||
	    h.cookie_len > LXC_COOKIE_MAX || len != sizeof(h) + nsz + rsz + h.cookie_len)
		return -EBADMSG;
	memset(m->req, 0, m->req_size);
	memcpy(m->req, buf + sizeof(h), nsz);
	seen = lxc_exec_seen(m, fds[2]);
	/* answers go back on the connection (l.fd < 0); LXC's listener proves the caller waits */
	l.lxc_fd = fds[2];
	l.exec_seen = *seen;
	judge(m, &l); /* fills m->resp */
	*seen = l.exec_seen;
	iov[0] = (struct iovec){.iov_base = &h, .iov_len = sizeof(h)};
	iov[1] = (struct iovec){.iov_base = (void *)(buf + sizeof(h)), .iov_len = nsz};
	iov[2] = (struct iovec){.iov_base = m->resp, .iov_len = rsz};
	if (sendmsg(c->fd, &mh, MSG_NOSIGNAL) != (ssize_t)(sizeof(h) + nsz + rsz))
		return -errno ? -errno : -EIO;
	return 0;
}

/* LXC: one message on a connection (SOCK_SEQPACKET keeps them whole): cids-hook's
 * registration, the listener it took from the container's init (its state JSON and one fd), or
 * one of LXC's proxy messages (three fds). */
void notify_lxc_conn_data(struct notify_monitor *m, struct notify_conn *c)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = {.iov_base = c->buf, .iov_len = NOTIFY_STATE_MAX};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	int fds[4];
	size_t nfd = 0;
	char why[512];
	ssize_t n;
	int r = 0;

	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); n >= 0 && h; h = CMSG_NXTHDR(&mh, h)) {
		size_t k;
		int *in;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		in = (int *)(void *)CMSG_DATA(h);
		for (size_t i = 0; i < k; i++) {
			if (nfd < ARRAY_SIZE(fds))
				fds[nfd++] = in[i];
			else
				close(in[i]);
		}
	}
	if (n <= 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		r = -EBADMSG;
	} else if (nfd == 3 || c->proxy) {
		c->proxy = true;
		if (!m->registered)
			r = -EAGAIN; /* cannot happen: LXC connects after start-host */
		else
			r = on_lxc_proxy(m, c, c->buf, (size_t)n, fds, nfd);
		if (r < 0 && r != -EAGAIN)
			log_error("Container \"%s\": an unusable message on LXC's proxy "
				  "connection: %s",
				  m->info.id, strerror(-r));
	} else if (nfd == 0 && (size_t)n == sizeof(struct cidsd_reg)) {
		struct cidsd_reg reg;

		memcpy(&reg, c->buf, sizeof(reg));
		on_register(m, c->fd, &reg);
		r = -ECONNRESET; /* done with it */
	} else if (nfd == 1) {
		struct notify_peer_msg pm = {.fd = -EBADF};

		if (notify_parse_state(c->buf, (size_t)n, &pm, why, sizeof(why)) < 0) {
			log_error("A listener came with an unusable state: %s", why);
		} else {
			pm.fd = fds[0];
			fds[0] = -EBADF;
			on_listener(m, &pm);
			if (pm.fd >= 0)
				close(pm.fd);
		}
		r = -ECONNRESET;
	} else {
		log_warn("A connection sent %zd bytes and %zu fds: ignored", n, nfd);
		r = -EBADMSG;
	}
	for (size_t i = 0; i < nfd; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r < 0)
		conn_close(m, c);
}
