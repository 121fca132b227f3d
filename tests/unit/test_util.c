/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/util.h"

static char tmpdir[] = "/tmp/cids-test-util.XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(util, .init = setup, .fini = teardown);

Test(util, key_valid_accepts_plain_keys)
{
	cr_assert(key_is_valid("nginx"));
	cr_assert(key_is_valid("w-0123456789abcdef"));
	cr_assert(key_is_valid("a.b_c-D9"));
	char k[129];
	memset(k, 'a', 128);
	k[128] = 0;
	cr_assert(key_is_valid(k));
}

Test(util, key_valid_rejects_hostile_keys)
{
	const char *bad[] = {"",    ".",    "..",    ".hidden", "../etc", "a/b", "/abs", "a..b",
			     "a b", "a\nb", "x\xff", "a\\b",	"*",	  "a:b", "-",	 "-rf"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(key_is_valid(bad[i]), "accepted \"%s\"", bad[i]);
	char k[130];
	memset(k, 'a', 129);
	k[129] = 0;
	cr_assert_not(key_is_valid(k));
	cr_assert_not(key_is_valid(NULL));
}

Test(util, key_sanitize_keeps_valid_and_hashes_changed)
{
	char out[256];
	cr_assert_eq(key_sanitize("redis", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "redis");

	const char *hostile[] = {"../../etc/passwd", "/",	  ".",	  "..", "a/b", ".x", "a..b",
				 "\x01\x02",	     "x\xff\xfe", "a b c"};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		cr_assert_eq(key_sanitize(hostile[i], out, sizeof(out)), 1, "%zu", i);
		cr_assert(key_is_valid(out), "sanitized \"%s\" is invalid", out);
		cr_assert_null(strchr(out, '/'));
		cr_assert_null(strstr(out, ".."));
		cr_assert_neq(out[0], '.');
	}
}

Test(util, key_sanitize_no_accidental_collisions)
{
	char a[256], b[256], c[256];
	/* "a/b" and "a_b" and "a b" must give three different keys. */
	cr_assert_eq(key_sanitize("a_b", a, sizeof(a)), 0);
	cr_assert_eq(key_sanitize("a/b", b, sizeof(b)), 1);
	cr_assert_eq(key_sanitize("a b", c, sizeof(c)), 1);
	cr_assert_str_neq(a, b);
	cr_assert_str_neq(b, c);
	cr_assert_str_neq(a, c);
}

Test(util, key_sanitize_overlong)
{
	char in[2000], in2[2000], out[256], out2[256];
	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = 0;
	memcpy(in2, in, sizeof(in));
	in2[1500] = 'y'; /* differs only after the kept prefix */
	cr_assert_eq(key_sanitize(in, out, sizeof(out)), 1);
	cr_assert_eq(key_sanitize(in2, out2, sizeof(out2)), 1);
	cr_assert(key_is_valid(out));
	cr_assert_leq(strlen(out), 128);
	cr_assert_str_neq(out, out2);
}

Test(util, key_sanitize_errors)
{
	char out[256], small[16];
	cr_assert_eq(key_sanitize("", out, sizeof(out)), -EINVAL);
	cr_assert_eq(key_sanitize(NULL, out, sizeof(out)), -EINVAL);
	cr_assert_eq(key_sanitize("abc", small, sizeof(small)), -ENOBUFS);
}

Test(util, key_derive_stable_and_valid)
{
	char a[64], b[64], c[64];
	key_derive("arg:2:sh\n", a, sizeof(a));
	key_derive("arg:2:sh\n", b, sizeof(b));
	key_derive("arg:3:top\n", c, sizeof(c));
	cr_assert_str_eq(a, b);
	cr_assert_str_neq(a, c);
	cr_assert_eq(strlen(a), 18);
	cr_assert(strncmp(a, "w-", 2) == 0);
	cr_assert(key_is_valid(a));
}

Test(util, hash64_differs)
{
	cr_assert_neq(hash64("a", 1), hash64("b", 1));
	cr_assert_neq(hash64("", 0), hash64("\0", 1));
}

Test(util, json_escape_controls_and_utf8)
{
	char out[256];
	json_escape("a\"b\\c\nd\x01", out, sizeof(out));
	cr_assert_str_eq(out, "a\\\"b\\\\c\\nd\\u0001");
	json_escape("caf\xc3\xa9", out, sizeof(out));
	cr_assert_str_eq(out, "caf\xc3\xa9");
	json_escape("bad\xff\xc3", out, sizeof(out));
	cr_assert_str_eq(out, "bad\\u00ff\\u00c3");
	json_escape("\xed\xa0\x80", out, sizeof(out)); /* UTF-16 surrogate: not UTF-8 */
	cr_assert_str_eq(out, "\\u00ed\\u00a0\\u0080");
	json_escape(NULL, out, sizeof(out));
	cr_assert_str_eq(out, "");
}

Test(util, json_escape_truncates)
{
	char out[10];
	json_escape("abcdefghijklmnop", out, sizeof(out));
	cr_assert_str_eq(out, "abcdef...");
	json_escape("\x01\x01\x01", out, sizeof(out));
	/* never half an escape */
	cr_assert_str_eq(out, "\\u0001...");
	json_escape("abcdefghi", out, sizeof(out));
	cr_assert_str_eq(out, "abcdefghi");
}

Test(util, read_full_file_caps)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 5000; i++)
		fputc('x', f);
	fclose(f);

	char *buf = NULL;
	size_t len = 0;
	cr_assert_eq(read_full_file(path, 100, &buf, &len), -E2BIG);
	cr_assert_null(buf);
	cr_assert_eq(read_full_file(path, 5000, &buf, &len), 0);
	cr_assert_eq(len, 5000);
	cr_assert_eq(buf[5000], 0);
	free(buf);
	cr_assert_eq(read_full_file(tmpdir, 100, &buf, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	cr_assert_eq(read_full_file(path, 100, &buf, &len), -ENOENT);
}

Test(util, read_full_fd_pipe_cap)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	char big[3000];
	memset(big, 'z', sizeof(big));
	cr_assert_eq(write(p[1], big, sizeof(big)), (ssize_t)sizeof(big));
	close(p[1]);
	char *buf = NULL;
	size_t len;
	cr_assert_eq(read_full_fd(p[0], 2999, &buf, &len), -E2BIG);
	close(p[0]);

	cr_assert_eq(pipe(p), 0);
	close(p[1]);
	cr_assert_eq(read_full_fd(p[0], 10, &buf, &len), 0);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(buf, "");
	free(buf);
	close(p[0]);
}

Test(util, write_file_atomic_replaces_with_mode)
{
	char path[256];
	struct stat st;
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/a.json", tmpdir);
	cr_assert_eq(write_file_atomic(path, "one", 3, 0600), 0);
	cr_assert_eq(write_file_atomic(path, "second", 6, 0640), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(read_full_file(path, 100, &buf, &len), 0);
	cr_assert_str_eq(buf, "second");
	free(buf);

	/* no temporary files left behind */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", tmpdir);
	cr_assert_eq(system(cmd), 0);

	snprintf(path, sizeof(path), "%s/nodir/a.json", tmpdir);
	cr_assert_eq(write_file_atomic(path, "x", 1, 0600), -ENOENT);
}

Test(util, mkdir_p_creates_and_detects_files)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/a/b/c/", tmpdir);
	cr_assert_eq(mkdir_p(path, 0700), 0);
	cr_assert_eq(mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	cr_assert_eq(write_file_atomic(path, "x", 1, 0600), 0);
	snprintf(path, sizeof(path), "%s/file/sub", tmpdir);
	cr_assert_eq(mkdir_p(path, 0700), -ENOTDIR);
	cr_assert_eq(mkdir_p("", 0700), -EINVAL);
}

Test(util, clocks_move)
{
	double a = now_mono(), w = now_wall();
	cr_assert_gt(w, 1.6e9);
	cr_assert_geq(now_mono(), a);
}

Test(util, log_json_lines)
{
	char path[256];
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/log.json", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	log_set_fd(fd, LOG_FMT_JSON);
	cr_assert_eq(log_error_errno(ENOENT, "Bad \"%s\"\nline", "x"), -ENOENT);
	cr_assert_eq(log_warn("careful"), 0);
	log_set_level(LOG_LVL_WARN);
	log_info("not shown");
	log_set_level(LOG_LVL_INFO);
	log_set_fd(-1, LOG_FMT_TEXT);
	close(fd);
	cr_assert_eq(read_full_file(path, 10000, &buf, &len), 0);
	char *nl = strchr(buf, '\n');
	cr_assert_not_null(nl);
	const char *want = "{\"level\":\"error\",\"msg\":\"Bad \\\"x\\\"\\nline: No such file or "
			   "directory\",\"time\":\"";
	cr_assert(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
	cr_assert_not_null(strstr(nl + 1, "{\"level\":\"warning\",\"msg\":\"careful\""));
	cr_assert_null(strstr(buf, "not shown"));
	/* exactly two lines */
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 2);
	free(buf);
}

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

Test(util, sha256_vectors)
{
	uint8_t d[32];
	char h[65];
	cids_sha256("", 0, d);
	hex(d, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cids_sha256("abc", 3, d);
	hex(d, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
	cids_sha256(m, strlen(m), d);
	hex(d, h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char big[1000];
	memset(big, 'a', sizeof(big));
	cids_sha256(big, 1000, d);
	hex(d, h);
	cr_assert_str_eq(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
	key_derive("abc", h, sizeof(h));
	cr_assert_str_eq(h, "w-ba7816bf8f01cfea");
}

/* fork_detached: the grandchild runs, is not our child (nothing for us to reap), and with
 * new_session is out of our session; the caller gets 1. */
Test(util, fork_detached_leaves_no_child)
{
	for (int new_session = 0; new_session <= 1; new_session++) {
		int p[2], r;
		pid_t seen[2];

		cr_assert_eq(pipe(p), 0);
		r = fork_detached(new_session);
		if (r == 0) {
			pid_t mine[2] = {getppid(), getsid(0)};

			(void)!write(p[1], mine, sizeof(mine));
			_exit(0);
		}
		cr_assert_eq(r, 1);
		close(p[1]);
		cr_assert_eq(read(p[0], seen, sizeof(seen)), (ssize_t)sizeof(seen));
		close(p[0]);
		cr_assert_neq(seen[0], getpid(), "the grandchild's parent is the caller");
		cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "the caller has a child to reap");
		cr_assert_eq(errno, ECHILD);
		if (new_session)
			cr_assert_neq(seen[1], getsid(0), "the grandchild stayed in our session");
		else
			cr_assert_eq(seen[1], getsid(0));
	}
}
