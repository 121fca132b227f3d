/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cidsd: one host daemon that watches every container registered by cids-hook (backend ebpf).
 *
 *   cidsd [--config PATH] [--foreground] [--dump] [--no-kernel-detect] [--ring-mb N]
 *         [--wake-batch N] [-v]
 *   cidsd --check [--config PATH]     validate the configuration and the kernel's BPF support
 *
 * Enforcement: where the kernel runs the BPF LSM, the LSM programs deny (EPERM) the operation
 * of a call that makes an anomalous window before it runs (a block, for the calls that pass an
 * LSM hook: open, mkdir, connect, exec, fork, mount, kill, ptrace, setuid ...). Everything else
 * (calls without a hook, calls seccomp denied, calls judged in cidsd) can only be punished: the
 * call has already run when it is seen, so action "block" gets "kill" there (the nearest thing
 * to "the intrusion does not proceed"; silently degrading enforce to alert-only would be the
 * worse surprise for a security tool), and the alerts say "kill". Without the BPF LSM (or with
 * --no-lsm) every enforcement is that kill, as the log and --check say.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "daemon.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cidsd [--config PATH] [--foreground] [--dump] [--no-kernel-detect] "
		"[--no-lsm] [--ring-mb N] [--ring-share PCT] [--kd-max-windows N]\n"
		"             [--wake-batch N] [-v]\n"
		"       cidsd --check [--config PATH]\n"
		"\n"
		"eBPF backend of cids: traces the containers cids-hook registers (backend "
		"\"ebpf\").\n"
		"  --config PATH    configuration (default $CIDS_CONFIG or " CIDS_CONFIG_PATH ")\n"
		"  --foreground     stay in the foreground, log to stderr\n"
		"  --check          validate the configuration, load and attach the BPF programs, "
		"exit\n"
		"  --dump           print every event on stdout (debugging)\n"
		"  --no-kernel-detect  judge every call in cidsd, not in the kernel (slower; for\n"
		"                   comparison and debugging)\n"
		"  --no-lsm         no BPF LSM programs: enforce kills after the call instead of\n"
		"                   denying it before (as on kernels without the BPF LSM)\n"
		"  --ring-mb N      ring buffer size in MiB, a power of two (default 16)\n"
		"  --ring-share PCT percent of the ring one container may fill (default 50)\n"
		"  --kd-max-windows N  a container's share of the kernel's window table (default\n"
		"                   131072 of 524288); a larger profile is judged in cidsd\n"
		"  --wake-batch N   wake user space every N events per CPU (default 1024)\n"
		"  -v, --verbose    debug diagnostics\n");
}

static int on_event_trampoline(void *ctx, const struct cidsd_event *e)
{
	return events_on_event(ctx, e);
}

static int epoll_add(int epfd, int fd, struct cidsd_fdref *ref)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ref};

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static int daemonize(const char *logpath)
{
	_cleanup_close_ int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int logfd = -EBADF;
	pid_t pid;

	if (nul < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (logpath[0]) {
		_cleanup_free_ char *dir = strdup(logpath);
		char *slash = dir ? strrchr(dir, '/') : NULL;

		if (slash && slash != dir) {
			*slash = '\0';
			(void)mkdir_p(dir, 0750);
		}
		logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	}
	if (dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0 ||
	    dup2(logfd >= 0 ? logfd : nul, STDERR_FILENO) < 0)
		return -errno;
	log_set_syslog(1);
	return 0;
}

static void shutdown_all(struct daemon *d)
{
	for (uint32_t i = 0; i < CIDSD_MAX_CONTAINERS; i++) {
		struct cont *c = d->conts[i];

		if (!c)
			continue;
		session_alert_event(c->session, "cids_monitor",
				    "cidsd is stopping: the container is not monitored until cidsd "
				    "starts again and re-adopts it");
		registry_end(d, c, "not monitored until cidsd restarts", true);
	}
}

static int run(struct daemon *d)
{
	struct epoll_event evs[64];

	while (!d->quit) {
		double now;
		int n = epoll_wait(d->epfd, evs, (int)ARRAY_SIZE(evs), CIDSD_POLL_MS);

		if (n < 0 && errno != EINTR)
			return log_error_errno(-errno, "epoll_wait");
		/* The ring is drained on every round: wake-ups are batched in the kernel, the
		 * timeout bounds the latency of a quiet container's last events. */
		d->round_now = now_mono();
		(void)kern_consume(d->kern);
		for (int i = 0; i < n; i++) {
			struct cidsd_fdref *ref = evs[i].data.ptr;

			switch (ref->kind) {
			case FD_LISTEN:
				registry_accept(d);
				break;
			case FD_CONN:
				registry_conn(d, ref, evs[i].events);
				break;
			case FD_RING:
				break; /* consumed above */
			case FD_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
					log_info("Signal %u received, stopping", si.ssi_signo);
					d->quit = true;
				}
				break;
			}
			case FD_PIDFD: {
				struct cont *c = d->conts[ref->slot];

				if (c)
					registry_end(d, c, "ended", false);
				break;
			}
			}
		}
		now = now_mono();
		if (now - d->last_tick >= CIDSD_TICK_S) {
			d->last_tick = now;
			events_tick(d, now);
			registry_sweep(d, now);
		}
		if (now - d->last_status >= CIDSD_STATUS_S) {
			d->last_status = now;
			events_write_status(d);
		}
		if (d->dump)
			fflush(stdout);
	}
	return 0;
}

/* What the command line asks for beyond the daemon's own settings. */
struct startup {
	const char *config_path;
	bool foreground, check;
	const char *lsm_why; /* why the LSM programs are not used, NULL while they may be */
	char lsm_buf[256];
};

/* Returns -1 to go on, or the exit status (help, version, a bad option). */
static int parse_args(int argc, char **argv, struct daemon *d, struct kern_opts *ko,
		      struct startup *st)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"foreground", no_argument, NULL, 'f'},
		{"check", no_argument, NULL, 'C'},
		{"dump", no_argument, NULL, 'd'},
		{"no-kernel-detect", no_argument, NULL, 'K'},
		{"no-lsm", no_argument, NULL, 'L'},
		{"ring-share", required_argument, NULL, 'S'},
		{"kd-max-windows", required_argument, NULL, 'W'},
		{"ring-mb", required_argument, NULL, 'r'},
		{"wake-batch", required_argument, NULL, 'w'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (opt) {
		case 'c':
			st->config_path = optarg;
			break;
		case 'f':
			st->foreground = true;
			break;
		case 'C':
			st->check = true;
			break;
		case 'd':
			d->dump = true;
			break;
		case 'K':
			d->no_kernel_detect = true;
			break;
		case 'L':
			ko->no_lsm = true;
			st->lsm_why = "--no-lsm";
			break;
		case 'W':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > CIDSD_KD_SHARE_WINDOWS * 2ul) {
				log_error("Invalid --kd-max-windows \"%s\" (1..%u)", optarg,
					  CIDSD_KD_SHARE_WINDOWS * 2);
				return 2;
			}
			d->kd_max_windows = (uint32_t)v;
			break;
		case 'S':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > 100) {
				log_error("Invalid --ring-share \"%s\" (percent, 1..100)", optarg);
				return 2;
			}
			ko->ring_share_pct = (unsigned)v;
			break;
		case 'r':
		case 'w':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > (opt == 'r' ? 1024ul : 1000000ul)) {
				log_error("Invalid --%s \"%s\"",
					  opt == 'r' ? "ring-mb" : "wake-batch", optarg);
				return 2;
			}
			if (opt == 'r')
				ko->ring_bytes = (size_t)v << 20;
			else
				ko->wake_batch = (unsigned)v;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("cidsd %s\n", CIDS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Load the BPF programs: with the LSM programs where the kernel runs the BPF LSM, else (or if
 * they do not load) without them, st->lsm_why saying why. Logged here. */
static int open_kernel(struct daemon *d, struct kern_opts *ko, struct startup *st)
{
	char why[1024] = "";
	int r, mounted = 0;

	r = kern_ensure_tracefs(&mounted);
	if (r < 0)
		log_warn_errno(r, "Cannot mount tracefs at /sys/kernel/tracing");
	else if (mounted)
		log_info("Mounted tracefs at /sys/kernel/tracing");

	if (!ko->no_lsm) {
		r = kern_lsm_available(st->lsm_buf, sizeof(st->lsm_buf));
		if (r <= 0) {
			ko->no_lsm = true;
			st->lsm_why = st->lsm_buf;
		}
	}
	ko->on_event = on_event_trampoline;
	ko->ctx = d;
	ko->attach_now = st->check;
	r = kern_open(ko, &d->kern, why, sizeof(why));
	if (r < 0 && !ko->no_lsm) {
		log_warn("BPF with the LSM programs: %s; trying without them", why);
		snprintf(st->lsm_buf, sizeof(st->lsm_buf), "the LSM programs did not load");
		st->lsm_why = st->lsm_buf;
		ko->no_lsm = true;
		r = kern_open(ko, &d->kern, why, sizeof(why));
	}
	if (r < 0)
		log_error("BPF: %s", why);
	return r;
}

/* --check: what loaded, and what enforcement will do with it. */
static void print_check(const struct daemon *d, const struct startup *st)
{
	printf("cidsd: configuration OK, BPF programs load and attach (sys_exit, "
	       "signal_deliver, "
	       "sched_process_fork, sched_process_exit)\n");
	if (kern_lsm(d->kern))
		printf("cidsd: prevention: BPF LSM programs load and attach: in enforce, "
		       "anomalous calls that pass an LSM hook are denied before they "
		       "run\n");
	else
		printf("cidsd: prevention: none (%s): in enforce, anomalous processes are "
		       "killed after the call\n",
		       st->lsm_why);
	if (d->cfg.action == CIDS_ACT_BLOCK)
		printf("cidsd: enforce.action \"block\": %s; a call that failed with EPERM (the "
		       "seccomp guard's) is reported blocked, not killed\n",
		       kern_lsm(d->kern) ? "calls without an LSM hook that ran are killed instead"
					 : "a call that ran cannot be blocked: its process is "
					   "killed instead");
}

/* The same for the log of a running daemon; d->lsm_why for cidsd.json. */
static void log_prevention(struct daemon *d, const struct startup *st)
{
	if (!kern_lsm(d->kern)) {
		snprintf(d->lsm_why, sizeof(d->lsm_why), "%s",
			 st->lsm_why ? st->lsm_why : "unknown");
		for (char *p = d->lsm_why; *p; p++)
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = '\''; /* it goes into cidsd.json as it is */
	}
	if (kern_lsm(d->kern))
		log_info(
			"Prevention in the kernel: BPF LSM programs deny anomalous calls that pass "
			"an LSM hook before they run");
	else
		log_warn(
			"No prevention in the kernel (%s): enforce kills anomalous processes after "
			"the call",
			st->lsm_why);
	if (d->cfg.action == CIDS_ACT_BLOCK)
		log_warn("enforce.action \"block\" with the ebpf backend: %s (a call that failed "
			 "with EPERM, the seccomp guard's, is taken as blocked)",
			 kern_lsm(d->kern)
				 ? "calls that pass no LSM hook and ran are killed instead"
				 : "anomalous processes whose call ran are killed instead");
}

/* run_dir, cidsd.json's path and the state directory of the registrations. Logged here. */
static int make_dirs(struct daemon *d)
{
	int r;

	r = snprintf(d->status_path, sizeof(d->status_path), "%s/cidsd.json", d->cfg.run_dir);
	if (r < 0 || (size_t)r >= sizeof(d->status_path)) {
		log_error("run_dir too long");
		return -ENAMETOOLONG;
	}
	r = mkdir_p(d->cfg.run_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Cannot create run_dir \"%s\"", d->cfg.run_dir);
	r = snprintf(d->state_dir, sizeof(d->state_dir), "%s/cidsd", d->cfg.run_dir);
	if (r < 0 || (size_t)r >= sizeof(d->state_dir)) {
		log_error("run_dir too long");
		return -ENAMETOOLONG;
	}
	r = mkdir_p(d->state_dir, 0700);
	if (r < 0)
		return log_error_errno(r, "Cannot create \"%s\"", d->state_dir);
	return 0;
}

/* SIGTERM/SIGINT/SIGHUP by signalfd, and one epoll for it, the socket and the ring. */
static int setup_loop(struct daemon *d)
{
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sig_fd < 0 || d->epfd < 0)
		return log_error_errno(-errno, "signalfd/epoll");
	d->listen_ref = (struct cidsd_fdref){.kind = FD_LISTEN, .fd = d->listen_fd};
	d->ring_ref = (struct cidsd_fdref){.kind = FD_RING, .fd = kern_ring_fd(d->kern)};
	d->sig_ref = (struct cidsd_fdref){.kind = FD_SIGNAL, .fd = d->sig_fd};
	if ((r = epoll_add(d->epfd, d->listen_fd, &d->listen_ref)) < 0 ||
	    (r = epoll_add(d->epfd, d->ring_ref.fd, &d->ring_ref)) < 0 ||
	    (r = epoll_add(d->epfd, d->sig_fd, &d->sig_ref)) < 0)
		return log_error_errno(r, "epoll_ctl");
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ struct daemon *d = calloc(1, sizeof(*d));
	struct kern_opts ko = {};
	struct startup st = {};
	char why[1024] = "";
	int r;

	log_set_ident("cidsd");
	if (!d)
		return 1;
	d->epfd = d->listen_fd = d->sig_fd = -EBADF;
	d->kd_max_windows = CIDSD_KD_SHARE_WINDOWS;
	r = parse_args(argc, argv, d, &ko, &st);
	if (r >= 0)
		return r;

	r = config_load(st.config_path, &d->cfg, why, sizeof(why));
	if (r < 0) {
		log_error("Configuration: %s", why[0] ? why : strerror(-r));
		return 1;
	}
	d->scfg = d->cfg;
	if (d->cfg.action == CIDS_ACT_BLOCK)
		d->scfg.action = CIDS_ACT_KILL;
	if (geteuid() != 0) {
		log_error("cidsd needs root (BPF programs, other processes' namespaces)");
		return 1;
	}

	if (open_kernel(d, &ko, &st) < 0)
		return 1;
	if (st.check) {
		print_check(d, &st);
		kern_free(d->kern);
		return 0;
	}
	log_prevention(d, &st);

	r = make_dirs(d);
	if (r < 0)
		goto cleanup;
	r = registry_listen(d);
	if (r < 0)
		goto cleanup;

	if (!st.foreground) {
		r = daemonize(d->cfg.log);
		if (r < 0) {
			log_error_errno(r, "Cannot daemonize");
			goto cleanup;
		}
	}

	r = setup_loop(d);
	if (r < 0)
		goto cleanup;

	/* Programs loaded, socket listening, daemonized: drop what is no longer needed. Adoption
	 * and every registration run hardened. CIDSD_NO_HARDEN=1 skips it (debugging). */
	if (!getenv("CIDSD_NO_HARDEN")) {
		r = cidsd_harden(why, sizeof(why));
		if (r < 0)
			log_warn("%s; continuing unhardened", why);
		else
			log_debug("Hardened: capabilities dropped, seccomp allow-list installed");
	}
	registry_adopt(d);
	log_info("Listening on \"%s\" (pid %d)", d->cfg.socket, (int)getpid());
	events_write_status(d);
	r = run(d);
	shutdown_all(d);

cleanup:
	registry_close(d);
	kern_free(d->kern);
	if (d->status_path[0])
		unlink(d->status_path);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	return r < 0 ? 1 : 0;
}
