/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify/signal.c: who the notify monitor and its watchdog kill. A real seccomp listener: a
 * child makes getppid() through SECCOMP_RET_USER_NOTIF from a thread that is not its leader
 * (or from its leader), the test receives the notification as the monitor does.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/macro.h"
#include "cids/pidfd.h"
#include "cids/util.h"
#include "monitor.h"
#include "notify.h"

struct caller {
	pid_t pid; /* the child (thread group) */
	int listener;
	struct seccomp_notif req;
};

static void on_urg(int sig)
{
	(void)sig;
}

static void *call_loop(void *arg)
{
	(void)arg;
	for (;;)
		(void)syscall(SYS_getppid);
	return NULL;
}

static void send_fd(int sock, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm = {};
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	(void)!sendmsg(sock, &mh, 0);
}

static int recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm = {};
	char x;
	struct iovec iov = {.iov_base = &x, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	int fd = -1;

	if (recvmsg(sock, &mh, 0) == 1 && CMSG_FIRSTHDR(&mh))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(fd));
	return fd;
}

/* A child whose getppid() waits for us, made from a second thread (threaded) or its leader;
 * SIGURG has a handler (restart: SA_RESTART). Returns with the notification received. */
static void caller_start(struct caller *c, bool threaded, bool restart)
{
	int sp[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	c->pid = fork();
	cr_assert_geq(c->pid, 0);
	if (c->pid == 0) {
		struct sigaction sa = {.sa_handler = on_urg, .sa_flags = restart ? SA_RESTART : 0};
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = ARRAY_SIZE(f), .filter = f};
		pthread_t t;
		int fd;

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0,
			    0); /* a failed assertion leaves none */
		(void)sigaction(SIGURG, &sa, NULL);
		(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0)
			_exit(2);
		send_fd(sp[1], fd);
		close(fd);
		if (threaded && pthread_create(&t, NULL, call_loop, NULL) == 0)
			for (;;)
				pause();
		call_loop(NULL);
		_exit(0);
	}
	close(sp[1]);
	c->listener = recv_fd(sp[0]);
	close(sp[0]);
	cr_assert_geq(c->listener, 0, "no listener from the child");
	memset(&c->req, 0, sizeof(c->req));
	cr_assert_eq(ioctl(c->listener, SECCOMP_IOCTL_NOTIF_RECV, &c->req), 0, "NOTIF_RECV: %s",
		     strerror(errno));
	if (threaded)
		cr_assert_neq((pid_t)c->req.pid, c->pid, "the call came from the leader");
	else
		cr_assert_eq((pid_t)c->req.pid, c->pid);
}

/* Interrupt the waiting call with SIGURG (handled): its notification stops being valid. */
static void caller_interrupt(struct caller *c)
{
	uint64_t id = c->req.id;

	cr_assert_eq(syscall(SYS_tgkill, c->pid, (pid_t)c->req.pid, SIGURG), 0);
	for (int i = 0; i < 5000; i++) {
		if (ioctl(c->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			return;
		usleep(1000);
	}
	cr_assert_fail("the signal did not end the wait");
}

/* Did the child die of SIGKILL? (Waits up to 5 s for it; reaps it either way.) */
static bool caller_killed(struct caller *c)
{
	int status = 0;

	for (int i = 0; i < 500; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		usleep(10000);
	}
	return false;
}

/* Still running after a moment: reaped (our child, by its own number) either way. */
static bool caller_alive(struct caller *c)
{
	int status = 0;
	bool alive;

	usleep(100000);
	alive = waitpid(c->pid, &status, WNOHANG) == 0;
	(void)kill(c->pid, SIGKILL);
	(void)waitpid(c->pid, &status, 0);
	close(c->listener);
	return alive;
}

static void monitor_for(struct notify_monitor *m, struct caller *c)
{
	memset(m, 0, sizeof(*m));
	m->req = &c->req;
	strcpy(m->info.id, "unit");
}

/* Review finding: a KILL verdict was carried out only if the call still waited at kill time,
 * after the alert's I/O; a signal with a handler (the tenant's own) ended the wait meanwhile and
 * the caller lived on. The pidfd judge() takes right after receiving kills it all the same. */
Test(notify_signal, an_interrupted_caller_is_still_killed)
{
	struct caller c;
	struct notify_monitor m;
	struct notify_listener l = {.kind = KIND_LISTENER};
	int fd;

	caller_start(&c, true, true);
	monitor_for(&m, &c);
	l.fd = c.listener;
	/* what judge() does: the session's kill hook on a kill verdict, before the alert */
	m.caller_fd = -EBADF;
	notify_on_kill_verdict(&m, (pid_t)c.req.pid, c.pid);
	cr_assert_eq(m.caller_fd, -EBADF, "a pidfd taken with no call being judged");
	m.judging = &l;
	notify_on_kill_verdict(&m, (pid_t)c.req.pid, c.pid);
	fd = m.caller_fd;
	cr_assert_geq(fd, 0, "notify_caller_pidfd: %s", strerror(-fd));
	caller_interrupt(&c); /* meanwhile (the alert's I/O), a signal ends the wait */
	notify_kill_caller(&m, &l, (pid_t)c.req.pid, c.pid, fd);
	close(fd);
	cr_assert(caller_killed(&c), "the interrupted caller dodged its kill");
	close(c.listener);
}

/* No pidfd taken at receive (the session could not kill then): only while the call waits. */
Test(notify_signal, a_late_kill_needs_the_call_waiting)
{
	struct caller c;
	struct notify_monitor m;
	struct notify_listener l = {.kind = KIND_LISTENER};

	caller_start(&c, true, true);
	monitor_for(&m, &c);
	l.fd = c.listener;
	notify_kill_caller(&m, &l, (pid_t)c.req.pid, c.pid, -EBADF);
	cr_assert(caller_killed(&c), "a waiting caller (a thread, not the leader) was not killed");
	close(c.listener);

	caller_start(&c, true, true);
	monitor_for(&m, &c);
	l.fd = c.listener;
	caller_interrupt(&c);
	notify_kill_caller(&m, &l, (pid_t)c.req.pid, c.pid, -EBADF);
	cr_assert(caller_alive(&c), "killed with no proof the number was still the caller's");
}

/* A call that no longer waits when its pidfd is asked for: no pidfd (its number is not proven
 * to be the caller's any more). */
Test(notify_signal, no_pidfd_once_the_call_stopped_waiting)
{
	struct caller c;

	caller_start(&c, false, false);
	caller_interrupt(&c);
	cr_assert_eq(notify_caller_pidfd(c.listener, c.req.id, (pid_t)c.req.pid, 0), -ESTALE);
	cr_assert_eq(notify_caller_pidfd(-EBADF, c.req.id, (pid_t)c.req.pid, 0), -EBADF);
	cr_assert(caller_alive(&c));
}

/* Review finding: the watchdog (on_error deny) opened a pidfd on the caller's thread id, which
 * fails for a thread that is not the leader (ENOENT on 6.15+), and killed nothing. */
Test(notify_signal, the_watchdog_kills_a_pending_worker_thread)
{
	struct caller c;

	caller_start(&c, true, false);
	cr_assert_eq(notify_kill_pending(c.listener, &c.req), 0);
	cr_assert(caller_killed(&c), "the pending caller (not the leader) survived");
	close(c.listener);

	/* answered meanwhile (or interrupted): not pending, nothing killed */
	caller_start(&c, false, false);
	caller_interrupt(&c);
	cr_assert_eq(notify_kill_pending(c.listener, &c.req), -ESTALE);
	cr_assert(caller_alive(&c));
}

/* Review finding: under LXC (no listener of our own: answers go back on LXC's connection) the
 * caller was killed with no NOTIF_ID_VALID check. The listener LXC sends with each message
 * serves for the check: a caller whose call no longer waits is not killed late. */
Test(notify_signal, lxc_checks_with_the_listener_lxc_sent)
{
	struct caller c;
	struct notify_monitor m;
	struct notify_listener l = {.kind = KIND_LISTENER, .fd = -EBADF};

	caller_start(&c, false, false);
	monitor_for(&m, &c);
	l.lxc_fd = c.listener;
	caller_interrupt(&c);
	notify_kill_caller(&m, &l, (pid_t)c.req.pid, c.pid, -EBADF);
	cr_assert(caller_alive(&c), "killed with no proof the number was still the caller's");

	caller_start(&c, false, false);
	monitor_for(&m, &c);
	l.lxc_fd = c.listener;
	notify_kill_caller(&m, &l, (pid_t)c.req.pid, c.pid, -EBADF);
	cr_assert(caller_killed(&c), "a waiting LXC caller was not killed");
	cr_assert_eq(notify_listener_id_fd(&l), c.listener);
	close(c.listener);
}

/* The watchdog of a monitor that dies (its end of the pair closed without "done"); returns the
 * alert file's text. init: a process to hand as the container's init (WD_PIDFD), 0: none. */
static char *watchdog_after_death(bool deny, bool lxc, pid_t init)
{
	static char dir[] = "/tmp/cids-unit-wd.XXXXXX";
	struct cids_config cfg;
	struct session_info info = {.mode = CIDS_MODE_ENFORCE, .init_pid = init};
	struct seccomp_notif *req = NULL;
	char *text = NULL;
	int fd = -1, lfd = -1, status;

	cr_assert_not_null(mkdtemp(dir));
	config_default(&cfg);
	cfg.on_error = deny ? CIDS_ONERR_DENY : CIDS_ONERR_ALLOW;
	cfg.syslog = false;
	snprintf(cfg.alerts, sizeof(cfg.alerts), "%s/alerts.jsonl", dir);
	snprintf(cfg.run_dir, sizeof(cfg.run_dir), "%s", dir);
	snprintf(info.id, sizeof(info.id), "unit");
	snprintf(info.key, sizeof(info.key), "unit");
	if (lxc)
		lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cr_assert_eq(watchdog_start(&cfg, NULL, NULL, sizeof(*req), lfd, &fd, &req), 0);
	if (init > 0) {
		int pidfd = pidfd_open_pid(init);

		cr_assert_geq(pidfd, 0);
		cr_assert_eq(watchdog_send_fd(fd, WD_PIDFD, pidfd), 0);
		close(pidfd);
	}
	cr_assert_eq(watchdog_send_info(fd, &info), 0);
	close(fd); /* the monitor dies */
	/* the watchdog ends (and the init, if it was killed): our only children */
	while (wait(&status) > 0 || errno == EINTR)
		;
	(void)read_full_file(cfg.alerts, 1 << 20, &text, NULL);
	(void)unlink(cfg.alerts);
	(void)rmdir(dir);
	if (lfd >= 0)
		close(lfd);
	strcpy(dir, "/tmp/cids-unit-wd.XXXXXX");
	return text ? text : strdup("");
}

/* Review finding: with no pidfd of the init, the deny watchdog killed no init yet its alert said
 * "the container was killed"; the LXC watchdog exited with no alert at all. */
Test(notify_signal, the_watchdog_alert_says_what_happened)
{
	char *a = watchdog_after_death(true, false, 0);

	cr_assert(strstr(a, "\"cids.action\":\"enosys\"") && strstr(a, "NOT killed"),
		  "no init pidfd, yet: %s", a);
	free(a);
}

Test(notify_signal, the_lxc_watchdog_alerts_without_the_init)
{
	char *a = watchdog_after_death(true, true, 0);

	cr_assert(strstr(a, "\"cids.action\":\"enosys\"") && strstr(a, "NOT killed"),
		  "LXC, no init pidfd: %s", a);
	free(a);
}

Test(notify_signal, the_watchdog_kills_the_init_it_holds)
{
	pid_t init = fork();
	char *a;

	cr_assert_geq(init, 0);
	if (init == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		for (;;)
			pause();
	}
	a = watchdog_after_death(true, false, init);
	cr_assert(strstr(a, "\"cids.action\":\"killed\"") && strstr(a, "was killed"), "%s", a);
	cr_assert_eq(kill(init, 0), -1, "the init lives on (or is unreaped: %d)", errno);
	free(a);
}
