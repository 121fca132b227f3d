/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cids-notify: the seccomp user-notify monitor of one container. cids-runtime starts it (in its
 * own session, stdio on the monitor log) before the real runtime's create, with the socket path
 * it wrote into config.json as linux.seccomp.listenerPath:
 *
 *   cids-notify [--config PATH] --socket PATH [--denied NR:ERRNO,...] [--lxc] --report-fd N
 *
 * --lxc: the socket is LXC's lxc.seccomp.notify.proxy (SOCK_SEQPACKET), started by cids-hook
 * at lxc.hook.start-host (serve.c, notify_monitor_set_lxc).
 *
 * A monitor restarted by the watchdog of a dead one (limits.monitor_restarts) gets
 * `--adopt-fd N --restarts LEFT` in place of --report-fd: it reads the container's hand-over from
 * N (notify/adopt.c), answers "OK" there and serves only once the old watchdog acknowledged it
 * (else it exits: the old watchdog keeps the container).
 *
 * --denied lists the calls the container's own seccomp profile denies that cids-runtime made
 * notified: each is judged and then answered with its errno, never let through.
 * It listens on PATH (mode 0600), writes "OK\n" (or "ERR reason\n") on fd N and serves the
 * container (notify/serve.c) until its init ends, then saves the profile and removes the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "notify.h"

static volatile bool stop;

static void on_signal(int sig)
{
	stop = true;
}

static void report(int fd, const char *what, const char *why)
{
	char line[1200];
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s%s%s\n", what, why ? " " : "", why ? why : "");
	if (n > 0)
		(void)!write(fd, line, (size_t)MIN((size_t)n, sizeof(line) - 1));
	close(fd);
}

/* The socket file we bound (its identity): removed at the end only while it is still ours, so a
 * monitor that ends late never removes the socket of the container's next run. */
static struct stat sock_st;

/* Remove our socket file if it is still the one we bound. */
static void sock_unlink_own(const char *path)
{
	struct stat st;

	if (sock_st.st_ino && lstat(path, &st) == 0 && st.st_dev == sock_st.st_dev &&
	    st.st_ino == sock_st.st_ino)
		(void)unlink(path);
	sock_st.st_ino = 0;
}

struct notify_opts {
	const char *config_path, *sock, *denied_arg;
	int report_fd, adopt_fd;
	bool lxc;
	long restarts; /* -1: limits.monitor_restarts */
};

static int parse_opts(int argc, char **argv, struct notify_opts *o)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"report-fd", required_argument, NULL, 'r'},
		{"denied", required_argument, NULL, 'D'},
		{"adopt-fd", required_argument, NULL, 'A'},
		{"restarts", required_argument, NULL, 'R'},
		{"debug", no_argument, NULL, 'd'},
		{"lxc", no_argument, NULL, 'L'},
		{},
	};
	int c;

	*o = (struct notify_opts){.report_fd = -1, .adopt_fd = -1, .restarts = -1};
	while ((c = getopt_long(argc, argv, "c:s:r:dD:A:R:", opts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 's':
			o->sock = optarg;
			break;
		case 'r':
			o->report_fd = atoi(optarg);
			break;
		case 'd':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'L':
			o->lxc = true;
			break;
		case 'D':
			o->denied_arg = optarg;
			break;
		case 'A':
			o->adopt_fd = o->report_fd = atoi(optarg);
			break;
		case 'R':
			o->restarts = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "Usage: cids-notify [--config PATH] --socket PATH "
					"[--denied NR:ERRNO,...] [--lxc] --report-fd N\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* What the watchdog of a dead monitor hands over (--adopt-fd). */
struct adoption {
	struct wd_info info;
	int init_pidfd, arm_fd;
	int fds[NOTIFY_MAX_LISTENERS];
	unsigned n;
	struct seccomp_notif req;
	bool inflight;
};

/* Read the hand-over from fd into *ret: NULL, or why it is refused. */
static const char *adoption_read(int fd, struct adoption **ret)
{
	struct adoption *ad = calloc(1, sizeof(*ad));

	*ret = ad;
	if (!ad || notify_adopt_read(fd, &ad->info, &ad->init_pidfd, &ad->arm_fd, ad->fds,
				     ARRAY_SIZE(ad->fds), &ad->n, &ad->req, sizeof(ad->req),
				     &ad->inflight) < 0)
		return "unusable hand-over from the watchdog";
	/* a watchdog of an older cids-notify would never acknowledge our "OK" */
	if (ad->arm_fd < 0)
		return "hand-over without WD_ARM (an older watchdog)";
	return NULL;
}

int main(int argc, char **argv)
{
	struct notify_opts o;
	_cleanup_free_ struct cids_config *cfg = calloc(1, sizeof(*cfg));
	_cleanup_free_ struct adoption *ad = NULL;
	struct notify_monitor *m = NULL;
	_cleanup_close_ int lfd = -EBADF;
	struct seccomp_notif *shared_req = NULL;
	struct notify_denied denied = {};
	struct watchdog_restart restart = {.argv = argv, .arm_fd = -1};
	int watch_fd = -1, r;
	char why[1024] = "";
	struct sigaction sa = {.sa_handler = on_signal};

	log_set_ident("cids-notify");
	if (!cfg || parse_opts(argc, argv, &o) < 0)
		return 2;
	if (!o.sock) {
		report(o.report_fd, "ERR", "no --socket");
		return 2;
	}
	if (o.denied_arg && notify_denied_parse(o.denied_arg, &denied) < 0) {
		report(o.report_fd, "ERR", "malformed --denied (NR:ERRNO,...)");
		return 2;
	}
	r = config_load(o.config_path, cfg, why, sizeof(why));
	if (r < 0) {
		report(o.report_fd, "ERR", why);
		return 1;
	}
	restart.left =
		o.restarts >= 0 && o.restarts <= 100 ? (unsigned)o.restarts : cfg->monitor_restarts;
	if (o.adopt_fd >= 0) {
		const char *err = adoption_read(o.adopt_fd, &ad);

		if (err) {
			report(o.report_fd, "ERR", err);
			return 1;
		}
		/* our watchdog acts on our death only once the old one let the hand-over stand */
		restart.arm_fd = ad->arm_fd;
	}
	r = notify_sock_listen(o.sock, o.lxc ? SOCK_SEQPACKET : SOCK_STREAM, &lfd, &sock_st);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot listen on \"%s\": %s", o.sock,
			 r == -EADDRINUSE ? "another cids-notify monitor serves it"
			 : r == -EEXIST ? "something that is not cids's socket is there; remove it"
			 : r == -EPERM	? "its directory is not root's alone (mode 0700)"
					: strerror(-r));
		log_error("%s", why);
		report(o.report_fd, "ERR", why);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* the watchdog is reaped by the kernel */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	r = notify_monitor_new(cfg, &denied, lfd, o.sock, &m);
	if (r < 0) {
		log_error_errno(r, "Cannot start the monitor");
		report(o.report_fd, "ERR", "cannot start the monitor (seccomp user notification)");
		sock_unlink_own(o.sock);
		return 1;
	}
	if (o.lxc)
		notify_monitor_set_lxc(m);
	/* LXC: the watchdog keeps our listening socket, where LXC's monitor reconnects once we
	 * are gone (no restart: the listeners stay with LXC's monitor) */
	r = watchdog_start(cfg, &denied, &restart, notify_monitor_req_size(m), o.lxc ? lfd : -1,
			   &watch_fd, &shared_req);
	if (r < 0)
		log_warn_errno(r, "No watchdog: if this monitor dies, notified calls "
				  "fail with ENOSYS");
	else
		notify_monitor_set_watchdog(m, watch_fd, shared_req);
	if (restart.arm_fd >= 0)
		close(TAKE_FD(restart.arm_fd));
	if (ad) {
		r = notify_monitor_adopt(m, &ad->info, ad->init_pidfd, ad->fds, ad->n,
					 ad->inflight ? &ad->req : NULL, why, sizeof(why));
		if (r < 0) {
			log_error("Container \"%s\": cannot take it over: %s", ad->info.id,
				  why[0] ? why : strerror(-r));
			report(o.report_fd, "ERR", why[0] ? why : "cannot take the container over");
			sock_unlink_own(o.sock);
			notify_monitor_free(m);
			return 1;
		}
	}
	if (!getenv("CIDS_MONITOR_NO_HARDEN")) {
		r = notify_harden(why, sizeof(why));
		if (r < 0)
			log_warn("%s; continuing unhardened", why);
	}
	if (ad) {
		r = notify_adopt_confirm(o.adopt_fd);
		if (r < 0) {
			log_error_errno(r,
					"Container \"%s\": the old watchdog did not acknowledge "
					"the hand-over; it keeps the container",
					ad->info.id);
			sock_unlink_own(o.sock);
			notify_monitor_free(m);
			return 1;
		}
	} else {
		report(o.report_fd, "OK", NULL);
	}
	r = notify_monitor_run(m, &stop);
	if (r < 0)
		log_error_errno(r, "Monitor loop failed");
	/* the socket goes first: the container's next run may be starting meanwhile */
	sock_unlink_own(o.sock);
	notify_monitor_free(m); /* final checkpoint, watchdog told "done" */
	return r < 0 ? 1 : 0;
}
