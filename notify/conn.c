/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor's socket: connections from its two root peers (cids-hook's registration, the
 * runtime's container state with one listener fd), accepted, read as data comes, and handed to
 * on_register / on_listener (notify/serve.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cids/cidsd_proto.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "monitor.h"
#include "notify.h"

void conn_close(struct notify_monitor *m, struct notify_conn *c)
{
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->listener >= 0)
		close(c->listener);
	for (unsigned i = 0; i < m->nconns; i++)
		if (m->conns[i] == c) {
			m->conns[i] = m->conns[--m->nconns];
			break;
		}
	free(c);
}

void on_accept(struct notify_monitor *m)
{
	struct ucred cred = {};
	socklen_t clen = sizeof(cred);
	struct notify_conn *c;
	struct epoll_event ev = {.events = EPOLLIN};
	int cfd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (cfd < 0)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0) {
		log_warn("Refused a connection from uid %d", (int)cred.uid);
		close(cfd);
		return;
	}
	if (m->nconns >= CONN_MAX) {
		log_warn("More than %u connections waiting: refused one", CONN_MAX);
		close(cfd);
		return;
	}
	c = malloc(sizeof(*c) + NOTIFY_STATE_MAX + 1);
	if (!c) {
		close(cfd);
		return;
	}
	*c = (struct notify_conn){
		.kind = KIND_CONN, .fd = cfd, .listener = -EBADF, .since = now_mono()};
	ev.data.ptr = c;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, cfd, &ev) < 0) {
		close(cfd);
		free(c);
		return;
	}
	m->conns[m->nconns++] = c;
}

/* Data on a connection: keep the first fd that comes, dispatch at EOF (the runtime closes after
 * sending) or once a whole registration is there (the hook waits for our answer). */
void on_conn_data(struct notify_monitor *m, struct notify_conn *c)
{
	char why[512];

	for (;;) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * 4)];
		} cm;
		struct iovec iov = {.iov_base = c->buf + c->len,
				    .iov_len = NOTIFY_STATE_MAX - c->len};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cm.b,
				    .msg_controllen = sizeof(cm.b)};
		ssize_t n;

		if (c->len >= NOTIFY_STATE_MAX)
			break;
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return; /* more later */
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); n >= 0 && h; h = CMSG_NXTHDR(&mh, h)) {
			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)(void *)CMSG_DATA(h);

			for (size_t i = 0; i < nfd; i++) {
				if (c->listener < 0)
					c->listener = fds[i];
				else
					close(fds[i]); /* one listener per connection */
			}
		}
		if (n <= 0)
			break;
		c->len += (size_t)n;
		if (c->listener < 0 && c->len == sizeof(struct cidsd_reg))
			break;
		/* crun keeps its end open after sending: a whole JSON document is the end */
		if (c->listener >= 0) {
			struct notify_peer_msg t = {.fd = -EBADF};

			if (notify_parse_state(c->buf, c->len, &t, why, sizeof(why)) == 0)
				break;
		}
	}
	c->buf[c->len] = '\0';
	if (c->listener < 0 && c->len == sizeof(struct cidsd_reg)) {
		struct cidsd_reg reg;

		memcpy(&reg, c->buf, sizeof(reg));
		on_register(m, c->fd, &reg);
	} else if (c->listener >= 0) {
		struct notify_peer_msg pm = {.fd = -EBADF};

		if (notify_parse_state(c->buf, c->len, &pm, why, sizeof(why)) < 0) {
			log_error("A listener came with an unusable state: %s", why);
		} else {
			pm.fd = TAKE_FD(c->listener);
			on_listener(m, &pm);
			if (pm.fd >= 0)
				close(pm.fd);
		}
	} else if (c->len > 0) {
		log_warn("A connection sent %zu bytes and no listener: ignored", c->len);
	}
	conn_close(m, c);
}
