/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor: one per container, started by cids-hook in its own session with stdio on the
 * monitor log. It opens the session (profile), seizes the container, hardens itself, tells the
 * hook "OK" (or "ERR <reason>") on the report pipe and traces until the container ends, then
 * saves the profile a last time.
 *
 * PTRACE_O_EXITKILL only with on_error deny: with allow, a monitor that dies (OOM, SIGKILL)
 * leaves the container running untraced, as the policy says; with deny the container dies too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cids/alert.h"
#include "cids/log.h"
#include "cids/util.h"
#include "tracer.h"

/* ptrace.one_stop in force for this container (hook/main.c checked its seccomp filter). */
static bool monitor_one_stop(const struct session_info *info)
{
	return info->backend && strcmp(info->backend, "ptrace1") == 0;
}

static void report(int fd, const char *fmt, const char *arg)
{
	char line[1200];
	int n = snprintf(line, sizeof(line), fmt, arg);

	if (fd < 0 || n <= 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* newlines in a reason would break the one-line protocol */
	for (int i = 0; i < n - 1; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	(void)!write(fd, line, (size_t)n);
}

/* CIDS_MONITOR_SELFTEST (set by the host in the hook's env, never by a tenant): show in the log
 * that the hardened monitor is refused what it never needs. */
static void monitor_selftest(const char *id)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	log_info("Self-test \"%s\": socket(AF_INET) %s", id, fd < 0 ? strerror(errno) : "allowed");
	if (fd >= 0)
		close(fd);
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		char *cap;

		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		cap = strstr(buf, "CapEff:");
		if (cap)
			log_info("Self-test \"%s\": %.24s, NoNewPrivs %s", id, cap,
				 strstr(buf, "NoNewPrivs:\t1") ? "1" : "0");
	}
	{
		char *argv[] = {"/bin/true", NULL};

		execv(argv[0], argv);
		log_info("Self-test \"%s\": execve %s", id, strerror(errno));
	}
}

/*
 * The watchdog: a small process, not the monitor's child (so the tracer's waitpid(-1) never
 * sees it), blocked on a pipe whose write end only the monitor holds. EOF without the monitor's
 * "done" byte means the monitor died (SIGKILL, OOM): it raises the alert the monitor cannot
 * raise (allow: the container runs on untraced; deny: EXITKILL killed it) and removes the
 * stale status file.
 */
_Noreturn static void watchdog(const struct cids_config *cfg, const struct session_info *info,
			       const char *status_path, int fd)
{
	char buf[8], why[256], msg[512];
	ssize_t n;

	(void)prctl(PR_SET_NAME, "cids-watchdog", 0, 0, 0);
	if (monitor_harden(why, sizeof(why)) < 0)
		log_warn("Watchdog of \"%s\": %s", info->id, why);
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		_exit(0);
	snprintf(msg, sizeof(msg), "monitor died: %s",
		 cfg->on_error == CIDS_ONERR_DENY
			 ? "the container was killed with it (on_error deny)"
		 : monitor_one_stop(info)
			 ? "every call its seccomp filter traces now fails with ENOSYS "
			   "(ptrace.one_stop: on_error allow cannot let it run untraced)"
			 : "the container goes on untraced (on_error allow)");
	{
		struct cids_alert a = {
			.rule = "cids_monitor",
			.priority = "Critical",
			.container_id = info->id,
			.profile_key = info->key,
			.action = cfg->on_error == CIDS_ONERR_DENY ? "killed"
				  : monitor_one_stop(info)	   ? "enosys"
								   : "untraced",
			.message = msg,
		};

		(void)alert_emit(cfg->alerts, cfg->syslog, &a);
	}
	log_error("Container \"%s\": %s", info->id, msg);
	if (status_path[0])
		(void)unlink(status_path);
	_exit(0);
}

static int start_watchdog(const struct cids_config *cfg, const struct session_info *info,
			  const char *status_path, int *ret_fd)
{
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = fork_detached(false);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (r == 0) {
		close(p[1]);
		/* hold nothing of the monitor's but the pipe: its joiner program (hook/joiner.c)
		 * must go with it, not stop execs for as long as the watchdog lives */
		if (p[0] != 3 && dup2(p[0], 3) == 3)
			p[0] = 3;
		if (p[0] == 3)
			(void)close_range(4, ~0U, 0);
		watchdog(cfg, info, status_path, p[0]);
	}
	close(p[0]);
	*ret_fd = p[1];
	return 0;
}

_Noreturn void monitor_main(const struct cids_config *cfg, const struct session_info *info,
			    int report_fd)
{
	struct cids_session *s = NULL;
	struct tracer *t = NULL;
	char why[1024] = "";
	volatile bool stop = false;
	int watch_fd = -EBADF;
	sigset_t mask;
	int r;

	log_set_ident("cids-monitor");
	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM/SIGINT/SIGHUP are held until the trace loop installs its handlers */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	double t0 = now_mono(), t1, t2, t3;

	r = session_new(cfg, info, &s, why, sizeof(why));
	if (r < 0) {
		log_error("Container \"%s\": %s", info->id, why[0] ? why : strerror(-r));
		/* DENY: the host's policy refuses the container (on_error does not apply) */
		report(report_fd, r == -EACCES ? "DENY %s\n" : "ERR %s\n",
		       why[0] ? why : strerror(-r));
		_exit(2);
	}
	session_set_monitor_pid(s, getpid());
	t1 = now_mono();
	r = tracer_new(cfg, info->init_pid, cfg->on_error == CIDS_ONERR_DENY,
		       monitor_one_stop(info), s, &t, why, sizeof(why));
	if (r < 0) {
		log_error("Container \"%s\": %s", info->id, why);
		report(report_fd, "ERR %s\n", why);
		session_skip_final_save(s); /* nothing learned: leave the profile files alone */
		session_free(s);
		_exit(2);
	}
	t2 = now_mono();
	/* "attached" first: the runtime is waiting; the tracees only stop at events until their
	 * execve, which queue up while the monitor hardens itself. */
	report(report_fd, "OK %s\n", "attached");
	close(report_fd);
	r = start_watchdog(cfg, info, session_status_path(s), &watch_fd);
	if (r < 0)
		log_warn_errno(r, "Container \"%s\": no watchdog", info->id);
	if (getenv("CIDS_MONITOR_NO_HARDEN") == NULL) {
		r = monitor_harden(why, sizeof(why));
		if (r < 0)
			log_warn("Container \"%s\": %s; continuing unhardened", info->id, why);
	}
	t3 = now_mono();
	if (getenv("CIDS_MONITOR_SELFTEST"))
		monitor_selftest(info->id);
	log_debug("Container \"%s\": profile %.1f ms, attach %.1f ms, hardening %.1f ms", info->id,
		  (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);
	log_info("Container \"%s\": attached to pid %d (%u threads)", info->id, (int)info->init_pid,
		 tracer_nthreads(t));
	session_start(s);
	r = tracer_run(t, &stop);
	if (r < 0)
		log_error_errno(r, "Container \"%s\": tracer failed", info->id);
	else
		log_info("Container \"%s\": %s", info->id,
			 stop ? "monitor stopped, container detached" : "container ended");
	tracer_free(t);
	session_free(s);
	if (watch_fd >= 0)
		(void)!write(watch_fd, "d", 1); /* a normal end: the watchdog leaves quietly */
	_exit(r < 0 ? 1 : 0);
}
