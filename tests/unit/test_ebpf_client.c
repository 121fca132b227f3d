/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook/ebpf_client.c: registration with cidsd, against a fake daemon on a socket in a temporary
 * directory: no daemon, "ok", a refusal, a daemon that closes without answering, one that never
 * answers (bounded by hook_timeout_s), and the message the daemon receives.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The unit build links only the libraries; the client is one self-contained file. */

#include "cids/cidsd_proto.h"
#include "cids/macro.h"
#include "cids/util.h"
#include "entry.h"

struct fake {
	char dir[64];
	char path[96];
	int fd;
	const char *answer; /* NULL: close without answer; "" : never answer */
	struct cidsd_reg got;
	ssize_t got_len;
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct fake *f = arg;
	int c = accept(f->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	f->got_len = recv(c, &f->got, sizeof(f->got), 0);
	if (f->answer && f->answer[0])
		send(c, f->answer, strlen(f->answer) + 1, MSG_NOSIGNAL);
	if (f->answer && !f->answer[0])
		sleep(3); /* never answers within the client's timeout */
	close(c);
	return NULL;
}

static void fake_start(struct fake *f, const char *answer, int listening)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/cids-ebpf-client.XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cidsd.sock", f->dir);
	f->answer = answer;
	f->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	cr_assert_geq(f->fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	cr_assert_eq(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening) {
		cr_assert_eq(listen(f->fd, 4), 0);
		cr_assert_eq(pthread_create(&f->thread, NULL, serve, f), 0);
	}
}

static void fake_stop(struct fake *f, int listening)
{
	if (listening)
		pthread_join(f->thread, NULL);
	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
}

static void setup(struct cids_config *cfg, struct session_info *info, const char *sock)
{
	config_default(cfg);
	snprintf(cfg->socket, sizeof(cfg->socket), "%s", sock);
	cfg->hook_timeout_s = 1;
	memset(info, 0, sizeof(*info));
	snprintf(info->id, sizeof(info->id), "ctr-1");
	snprintf(info->key, sizeof(info->key), "web");
	snprintf(info->bundle_profile, sizeof(info->bundle_profile), "/b/cids.profile");
	info->mode = CIDS_MODE_DETECT;
	info->init_pid = 4242;
}

Test(ebpf_client, no_daemon_is_enoent)
{
	struct cids_config cfg;
	struct session_info info;
	char why[256];

	setup(&cfg, &info, "/tmp/cids-no-such-dir/cidsd.sock");
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "cannot reach cidsd"), "why: %s", why);
}

Test(ebpf_client, socket_without_listener_is_econnrefused)
{
	struct cids_config cfg;
	struct session_info info;
	struct fake f;
	char why[256];

	fake_start(&f, NULL, 0); /* bound, not listening: a dead daemon's socket */
	setup(&cfg, &info, f.path);
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -ECONNREFUSED);
	fake_stop(&f, 0);
}

Test(ebpf_client, ok_and_message_fields)
{
	struct cids_config cfg;
	struct session_info info;
	struct fake f;
	char why[256];

	fake_start(&f, "ok", 1);
	setup(&cfg, &info, f.path);
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), 0, "why: %s", why);
	fake_stop(&f, 1);
	cr_assert_eq(f.got_len, (ssize_t)sizeof(struct cidsd_reg));
	cr_assert_eq(f.got.magic, CIDSD_PROTO_MAGIC);
	cr_assert_eq(f.got.version, CIDSD_PROTO_VERSION);
	cr_assert_eq(f.got.init_pid, 4242);
	cr_assert_eq(f.got.mode, (uint32_t)CIDS_MODE_DETECT);
	cr_assert_str_eq(f.got.id, "ctr-1");
	cr_assert_str_eq(f.got.key, "web");
	cr_assert_str_eq(f.got.bundle_profile, "/b/cids.profile");
}

Test(ebpf_client, refusal_carries_the_reason)
{
	struct cids_config cfg;
	struct session_info info;
	struct fake f;
	char why[256];

	fake_start(&f, "error: the container shares the host pid namespace", 1);
	setup(&cfg, &info, f.path);
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -EPERM);
	cr_assert(strstr(why, "shares the host pid namespace"), "why: %s", why);
	fake_stop(&f, 1);
}

Test(ebpf_client, close_without_answer)
{
	struct cids_config cfg;
	struct session_info info;
	struct fake f;
	char why[256];
	int r;

	fake_start(&f, NULL, 1);
	setup(&cfg, &info, f.path);
	r = ebpf_register(&cfg, &info, why, sizeof(why));
	cr_assert(r == -ECONNRESET, "r = %d, why: %s", r, why);
	fake_stop(&f, 1);
}

Test(ebpf_client, silent_daemon_times_out)
{
	struct cids_config cfg;
	struct session_info info;
	struct fake f;
	char why[256];
	double t0;

	fake_start(&f, "", 1);
	setup(&cfg, &info, f.path);
	t0 = now_mono();
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -ETIMEDOUT);
	cr_assert_lt(now_mono() - t0, 2.5, "took %.1f s with a 1 s timeout", now_mono() - t0);
	fake_stop(&f, 1);
}

Test(ebpf_client, overlong_fields_refused_before_connecting)
{
	struct cids_config cfg;
	struct session_info info;
	char why[256];

	setup(&cfg, &info, "/tmp/cids-no-such-dir/cidsd.sock");
	memset(info.bundle_profile, 'a', sizeof(info.bundle_profile)); /* not terminated */
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -ENAMETOOLONG);
	info.bundle_profile[0] = '\0';
	info.init_pid = 0;
	cr_assert_eq(ebpf_register(&cfg, &info, why, sizeof(why)), -EINVAL);
}
