/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Trace readers (traces/): every format's good and bad input. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The cli is not a library: compile the readers into the test. */

#include "cids/macro.h"
#include "cids/trace.h"

#define MAXEV 256

struct run {
	int rc; /* last trace_reader_next result: 0 EOF or -errno */
	size_t n;
	struct trace_event ev[MAXEV];
	char err[1024];
	struct trace_stats st;
};

static struct run read_all(enum trace_format fmt, enum cids_seq seq, bool skip_bad,
			   uint64_t max_calls, const char *buf, size_t len)
{
	struct trace_opts o = {
		.format = fmt, .seq = seq, .skip_bad = skip_bad, .max_calls = max_calls};
	struct trace_reader *r = NULL;
	struct run out = {};
	struct trace_event ev;

	cr_assert_eq(trace_reader_open_mem(buf, len, "t", &o, &r), 0);
	while ((out.rc = trace_reader_next(r, &ev)) > 0)
		if (out.n < MAXEV)
			out.ev[out.n++] = ev;
	snprintf(out.err, sizeof(out.err), "%s", trace_reader_error(r));
	out.st = *trace_reader_stats(r);
	trace_reader_free(r);
	return out;
}

#define RUN(fmt, s) read_all(fmt, CIDS_SEQ_THREAD, false, 0, s, strlen(s))

/* --- ADFA-LD --- */

Test(trace, adfa_numbers_trailing_space_no_newline)
{
	struct run r = RUN(TRACE_ADFA, "5 5 91 5 17 140 ");

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 6);
	cr_assert_eq(r.ev[2].sym, 91);
	cr_assert_eq(r.ev[5].sym, 140);
	for (size_t i = 0; i < r.n; i++) {
		cr_assert_eq(r.ev[i].stream, 0);
		cr_assert_eq(r.ev[i].kind, TRACE_EV_CALL);
		cr_assert(isnan(r.ev[i].time));
	}
}

Test(trace, adfa_large_number_is_other)
{
	struct run r = RUN(TRACE_ADFA, "3 511 999999\n");

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[0].sym, 3);
	cr_assert_eq(r.ev[1].sym, CIDS_SYM_OTHER);
	cr_assert_eq(r.ev[2].sym, CIDS_SYM_OTHER);
}

Test(trace, adfa_bad_token_names_file_and_line)
{
	struct run r = RUN(TRACE_ADFA, "1 2\n3 4x 5");

	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert_eq(r.n, 3);
	cr_assert_str_eq(r.err, "t:2: \"4x\" is not a system-call number");
}

Test(trace, adfa_bad_token_at_end_of_line_is_on_that_line)
{
	struct run r = RUN(TRACE_ADFA, "1 -2\n3");

	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert(strncmp(r.err, "t:1:", 4) == 0, "%s", r.err);
}

Test(trace, adfa_skip_bad_continues)
{
	const char *s = "1 zz 2 1234567 3";
	struct run r = read_all(TRACE_ADFA, CIDS_SEQ_THREAD, true, 0, s, strlen(s));

	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.st.bad_lines, 2);
	cr_assert_eq(r.ev[2].sym, 3);
}

Test(trace, adfa_overlong_token)
{
	char buf[200];
	memset(buf, '7', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	struct run r = RUN(TRACE_ADFA, buf);
	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert_eq(r.n, 0);
}

Test(trace, adfa_empty_file)
{
	struct run r = RUN(TRACE_ADFA, "");
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.n, 0);
}

Test(trace, max_calls_cap)
{
	const char *s = "1 2 3 4 5";
	struct run r = read_all(TRACE_ADFA, CIDS_SEQ_THREAD, false, 3, s, strlen(s));

	cr_assert_eq(r.rc, -E2BIG);
	cr_assert_eq(r.n, 3);
	cr_assert(strstr(r.err, "cap"), "%s", r.err);
}

/* --- UNM --- */

Test(trace, unm_interleaved_pids)
{
	struct run r = RUN(TRACE_UNM, "551 4  \n551 2 \r\n\n552 66\n551 5");

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(r.ev[0].stream, 551);
	cr_assert_eq(r.ev[1].sym, 2);
	cr_assert_eq(r.ev[2].stream, 552);
	cr_assert_eq(r.ev[2].sym, 66);
	cr_assert_eq(r.ev[2].line, 4);
	cr_assert_eq(r.ev[3].stream, 551);
}

Test(trace, unm_container_sequence_is_one_stream)
{
	const char *s = "1 4\n2 5\n";
	struct run r = read_all(TRACE_UNM, CIDS_SEQ_CONTAINER, false, 0, s, strlen(s));
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[0].stream, 0);
	cr_assert_eq(r.ev[1].stream, 0);
}

Test(trace, unm_bad_lines)
{
	static const char *const bad[] = {"1 2 3\n", "1\n",    "a b\n",
					  "1 -2\n",  "1 2x\n", "99999999999999999999 1\n"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "7 1\n%s", bad[i]);
		struct run r = RUN(TRACE_UNM, buf);
		cr_assert_eq(r.rc, -EBADMSG, "case %zu", i);
		cr_assert_str_eq(r.err, "t:2: expected \"PID NUMBER\"", "case %zu: %s", i, r.err);
	}
}

Test(trace, unm_nul_byte)
{
	const char s[] = "1 2\n3\0 4\n5 6\n";
	struct run r = read_all(TRACE_UNM, CIDS_SEQ_THREAD, false, 0, s, sizeof(s) - 1);
	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert(strstr(r.err, "t:2: binary data"), "%s", r.err);

	r = read_all(TRACE_UNM, CIDS_SEQ_THREAD, true, 0, s, sizeof(s) - 1);
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.st.bad_lines, 1);
}

Test(trace, line_too_long)
{
	size_t n = TRACE_MAX_LINE + 100;
	char *s = malloc(n + 16);
	memset(s, '1', n);
	memcpy(s + n, "\n2 3\n", 6);
	struct run r = read_all(TRACE_UNM, CIDS_SEQ_THREAD, false, 0, s, strlen(s));
	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert(strstr(r.err, "t:1: line longer than"), "%s", r.err);
	r = read_all(TRACE_UNM, CIDS_SEQ_THREAD, true, 0, s, strlen(s));
	cr_assert_eq(r.rc, 0);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.ev[0].line, 2);
	free(s);
}

/* --- strace --- */

static const char strace_f[] = "100 1700000000.100000 openat(AT_FDCWD, \"x\", O_RDONLY) = 3\n"
			       "100 1700000000.200000 read(3,  <unfinished ...>\n"
			       "101 1700000000.250000 write(1, \"a\", 1) = 1\n"
			       "100 1700000000.300000 <... read resumed>\"abc\", 10) = 3\n"
			       "101 1700000000.310000 --- SIGCHLD {si_signo=SIGCHLD} ---\n"
			       "101 1700000000.400000 exit_group(0) = ?\n"
			       "101 1700000000.410000 +++ exited with 0 +++\n"
			       "100 1700000000.500000 close(3) = 0\n";

Test(trace, strace_resumed_counts_once)
{
	struct run r = RUN(TRACE_STRACE, strace_f);

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 6); /* openat read write exit_group END close */
	cr_assert_eq(r.ev[0].sym, 257);
	cr_assert_eq(r.ev[0].stream, 100);
	cr_assert_float_eq(r.ev[0].time, 1700000000.1, 1e-6);
	cr_assert_eq(r.ev[1].sym, 0); /* read, counted at its first half */
	cr_assert_eq(r.ev[2].stream, 101);
	cr_assert_eq(r.ev[2].sym, 1);
	cr_assert_eq(r.ev[3].sym, 231);
	cr_assert_eq(r.ev[4].kind, TRACE_EV_END);
	cr_assert_eq(r.ev[4].stream, 101);
	cr_assert_eq(r.ev[5].sym, 3);
	cr_assert_eq(r.st.calls, 5);
}

Test(trace, strace_without_pid_and_pid_brackets)
{
	struct run r = RUN(TRACE_STRACE, "1700000000.5 getpid() = 7\n"
					 "[pid  42] 1700000001.000001 getppid() = 1\n"
					 "12:00:01.5 brk(NULL) = 0x1\n");

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[0].stream, 0);
	cr_assert_eq(r.ev[0].sym, 39);
	cr_assert_eq(r.ev[1].stream, 42);
	cr_assert_eq(r.ev[1].sym, 110);
	cr_assert_float_eq(r.ev[2].time, 43201.5, 1e-9);
}

Test(trace, strace_no_timestamp_is_nan)
{
	struct run r = RUN(TRACE_STRACE, "5 getpid() = 5\n");
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.ev[0].stream, 5);
	cr_assert(isnan(r.ev[0].time));
}

Test(trace, strace_unknown_names)
{
	struct run r = RUN(TRACE_STRACE, "1 1.0 frobnicate(1) = 0\n1 2.0 syscall_0x1c3(1) = -1\n"
					 "1 3.0 syscall_999(1) = -1\n");
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.ev[0].sym, CIDS_SYM_OTHER);
	cr_assert_eq(r.ev[1].sym, 0x1c3);
	cr_assert_eq(r.ev[2].sym, CIDS_SYM_OTHER);
	cr_assert_eq(r.st.unknown, 1);
	cr_assert_str_eq(r.st.first_unknown, "frobnicate");
}

Test(trace, strace_threads_join_their_process)
{
	const char *s =
		"10 1.0 clone3({flags=CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, exit_signal=0} "
		"<unfinished ...>\n"
		"10 1.1 <... clone3 resumed> => {parent_tid=[11]}, 88) = 11\n"
		"11 1.2 read(0, \"\", 1) = 0\n"
		"10 1.3 clone(child_stack=0x1, flags=CLONE_VM|CLONE_THREAD|CLONE_SETTLS) = 12\n"
		"12 1.4 write(1, \"\", 0) = 0\n"
		"10 1.5 clone(child_stack=NULL, flags=SIGCHLD) = 13\n"
		"13 1.6 getpid() = 13\n"
		"11 1.7 +++ exited with 0 +++\n"
		"10 1.8 +++ exited with 0 +++\n";
	struct run r = read_all(TRACE_STRACE, CIDS_SEQ_PROCESS, false, 0, s, strlen(s));

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 7, "a thread's exit does not end the process");
	cr_assert_eq(r.ev[1].stream, 10, "thread 11 belongs to process 10");
	cr_assert_eq(r.ev[3].stream, 10, "thread 12 belongs to process 10");
	cr_assert_eq(r.ev[5].stream, 13, "a forked child is its own process");
	cr_assert_eq(r.ev[6].kind, TRACE_EV_END);
	cr_assert_eq(r.ev[6].stream, 10);

	r = read_all(TRACE_STRACE, CIDS_SEQ_THREAD, false, 0, s, strlen(s));
	cr_assert_eq(r.n, 8);
	cr_assert_eq(r.ev[1].stream, 11);
	cr_assert_eq(r.ev[6].kind, TRACE_EV_END);
	cr_assert_eq(r.ev[6].stream, 11);
}

Test(trace, strace_bad_lines)
{
	static const char *const bad[] = {"1 1.0 not a call\n", "[pid x] 1.0 read() = 0\n",
					  "1 1.x read() = 0\n", "1 1.0 <... read\n", "(\n"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "1 0.5 getpid() = 1\n%s", bad[i]);
		struct run r = RUN(TRACE_STRACE, buf);
		cr_assert_eq(r.rc, -EBADMSG, "case %zu", i);
		cr_assert(strncmp(r.err, "t:2: ", 5) == 0, "case %zu: %s", i, r.err);
	}
}

Test(trace, strace_skips_its_own_messages)
{
	struct run r = RUN(TRACE_STRACE, "strace: Process 5 attached\n5 1.0 getpid() = 5\n");
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 1);
}

/* --- LID-DS 2021 --- */

static const char lid[] = "1700000000000100000 0 4100 httpd 4100 select < res=0 \n"
			  "1700000000000200000 0 4100 httpd 4100 wait4 > \n"
			  "1700000000000300000 0 4100 httpd 4100 wait4 < \n"
			  "1700000000100000000 33 4103 httpd 4104 read > fd=3\n"
			  "1700000000100000500 33 4103 httpd 4103 open > name=/x\n"
			  "1700000000100001000 33 4103 httpd 4104 read < res=0\n"
			  "1700000000100002000 33 4103 httpd 4103 open < res=4\n"
			  "1700000000100003000 33 4103 httpd 4103 frobnicate > \n"
			  "1700000000100004000 33 4103 httpd 4104 procexit > \n";

Test(trace, lid_entries_count_once)
{
	struct run r = RUN(TRACE_LID, lid);

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 6);
	cr_assert_eq(r.ev[0].sym, 23, "an exit without its entry counts"); /* select */
	cr_assert_eq(r.ev[0].stream, 4100);
	cr_assert_float_eq(r.ev[0].time, 1700000000.0001, 1e-6);
	cr_assert_eq(r.ev[1].sym, 61); /* wait4 */
	cr_assert_eq(r.ev[2].sym, 0);
	cr_assert_eq(r.ev[2].stream, 4104);
	cr_assert_eq(r.ev[3].sym, 2);
	cr_assert_eq(r.ev[3].stream, 4103);
	cr_assert_eq(r.ev[4].sym, CIDS_SYM_OTHER);
	cr_assert_eq(r.st.unknown, 1);
	cr_assert_eq(r.ev[5].kind, TRACE_EV_END);
	cr_assert_eq(r.ev[5].stream, 4104);
	cr_assert_eq(r.st.calls, 5);
}

Test(trace, lid_process_and_container_streams)
{
	struct run r = read_all(TRACE_LID, CIDS_SEQ_PROCESS, false, 0, lid, strlen(lid));
	cr_assert_eq(r.n, 5, "a thread's procexit does not end its process");
	cr_assert_eq(r.ev[2].stream, 4103);
	r = read_all(TRACE_LID, CIDS_SEQ_CONTAINER, false, 0, lid, strlen(lid));
	cr_assert_eq(r.n, 5);
	for (size_t i = 0; i < r.n; i++)
		cr_assert_eq(r.ev[i].stream, 0);
}

Test(trace, lid_bad_lines)
{
	static const char *const bad[] = {
		"x 0 1 a 1 read >\n",  "1 0 1 a 1 read ?\n", "1 0 1 a 1 read\n",
		"1 0 1 a b read >\n",  "1 0 1  1 read >\n",  "1 0 1 a 1 re(d >\n",
		"1 0 1 a 1 read >x\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "1 0 1 a 1 read >\n%s", bad[i]);
		struct run r = RUN(TRACE_LID, buf);
		cr_assert_eq(r.rc, -EBADMSG, "case %zu", i);
		cr_assert(strncmp(r.err, "t:2: expected", 13) == 0, "case %zu: %s", i, r.err);
	}
}

/* --- hostile input --- */

Test(trace, garbage_never_crashes)
{
	unsigned seed = 12345;
	char *buf = malloc(1 << 16);

	for (int iter = 0; iter < 200; iter++) {
		size_t n = (size_t)(rand_r(&seed) % (1 << 16));
		for (size_t i = 0; i < n; i++) {
			int c = rand_r(&seed) % 8;
			/* mostly characters the parsers care about, some raw bytes */
			buf[i] = c == 0	  ? '\n'
				 : c == 1 ? ' '
				 : c == 2 ? (char)('0' + rand_r(&seed) % 10)
				 : c == 3 ? "()<>.:[]+-"[rand_r(&seed) % 10]
					  : (char)rand_r(&seed);
		}
		for (int f = 0; f < 4; f++) {
			struct run r = read_all((enum trace_format)f, (enum cids_seq)(iter % 3),
						iter & 1, 0, buf, n);
			cr_assert(r.rc == 0 || r.rc == -EBADMSG || r.rc == -E2BIG, "rc %d", r.rc);
		}
	}
	free(buf);
}

/* --- files --- */

static void touch(const char *dir, const char *name)
{
	char p[512];
	int fd;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert(fd >= 0, "%s", p);
	close(fd);
}

Test(trace, files_sorted_recursive_filtered)
{
	char dir[] = "/tmp/cids-test-trace-XXXXXX", sub[600], why[256];
	struct trace_files f = {};
	char *paths[1] = {dir};

	cr_assert(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/b", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	touch(dir, "c.txt");
	touch(dir, "a.txt");
	touch(dir, ".hidden");
	touch(dir, "x.tar.gz");
	touch(dir, "y.zip");
	touch(dir, "README.md");
	touch(sub, "z.sc");
	touch(sub, "a.int");
	snprintf(sub, sizeof(sub), "%s/loop", dir);
	cr_assert_eq(symlink(dir, sub), 0);

	cr_assert_eq(trace_files_collect(paths, 1, TRACE_UNM, 0, &f, why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(f.n, 5);
	cr_assert(strstr(f.paths[0], "/a.txt"));
	cr_assert(strstr(f.paths[1], "/b/a.int"));
	cr_assert(strstr(f.paths[2], "/b/z.sc"));
	cr_assert(strstr(f.paths[3], "/c.txt"));
	cr_assert(strstr(f.paths[4], "/x.tar.gz"), "archives are read");
	trace_files_done(&f);

	cr_assert_eq(trace_files_collect(paths, 1, TRACE_LID, 0, &f, why, sizeof(why)), 0);
	cr_assert_eq(f.n, 1);
	cr_assert(strstr(f.paths[0], "/b/z.sc"));
	trace_files_done(&f);

	cr_assert_eq(trace_files_collect(paths, 1, TRACE_UNM, 3, &f, why, sizeof(why)), -E2BIG);
	cr_assert(strstr(why, "cap"), "%s", why);

	snprintf(sub, sizeof(sub), "%s/missing", dir);
	paths[0] = sub;
	cr_assert_eq(trace_files_collect(paths, 1, TRACE_UNM, 0, &f, why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "missing"), "%s", why);

	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(trace, reader_refuses_non_regular_files)
{
	struct trace_opts o = {.format = TRACE_ADFA};
	struct trace_reader *r = NULL;
	cr_assert_eq(trace_reader_open("/tmp", &o, &r), -EINVAL);
	cr_assert_null(r);
	cr_assert_lt(trace_reader_open("/nonexistent/x", &o, &r), 0);
}

Test(trace, format_names)
{
	cr_assert_eq(trace_format_from_name("adfa"), TRACE_ADFA);
	cr_assert_eq(trace_format_from_name("lid"), TRACE_LID);
	cr_assert_eq(trace_format_from_name("sysdig"), -EINVAL);
	cr_assert_eq(trace_format_arch(TRACE_ADFA), CIDS_ARCH_I386);
	cr_assert_eq(trace_format_arch(TRACE_UNM), CIDS_ARCH_NONE);
	cr_assert_eq(trace_format_clock(TRACE_STRACE), CIDS_CLOCK_SECONDS);
	cr_assert_eq(trace_format_clock(TRACE_ADFA), CIDS_CLOCK_CALLS);
}

/* --- gzip and tar --- */

static struct run read_path(enum trace_format fmt, const char *path)
{
	struct trace_opts o = {.format = fmt};
	struct trace_reader *r = NULL;
	struct run out = {};
	struct trace_event ev;

	cr_assert_eq(trace_reader_open(path, &o, &r), 0, "%s", path);
	while ((out.rc = trace_reader_next(r, &ev)) > 0)
		if (out.n < MAXEV)
			out.ev[out.n++] = ev;
	snprintf(out.err, sizeof(out.err), "%s", trace_reader_error(r));
	out.st = *trace_reader_stats(r);
	trace_reader_free(r);
	return out;
}

static void sh(const char *fmt, const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(trace, archives_members_are_trace_boundaries)
{
	char dir[] = "/tmp/cids-test-tar-XXXXXX", p[600];
	struct run r;

	cr_assert(mkdtemp(dir));
	sh("cd %s && mkdir m && printf '7 1\\n7 2\\n' > m/a.int && printf '7 3\\n8 4\\n' > m/b.int "
	   "&& "
	   "gzip m/b.int && printf '9 5\\n' > m/c.int && tar cf t.tar m && tar czf t.tgz m && "
	   "cp m/b.int.gz one.gz",
	   dir);
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, i ? "t.tgz" : "t.tar");
		r = read_path(TRACE_UNM, p);
		cr_assert_eq(r.rc, 0, "%s", r.err);
		cr_assert_eq(r.n, 7, "5 calls and 2 member boundaries, got %zu", r.n);
		size_t resets = 0;
		uint64_t calls = 0;
		for (size_t j = 0; j < r.n; j++) {
			resets += r.ev[j].kind == TRACE_EV_RESET;
			if (r.ev[j].kind == TRACE_EV_CALL)
				calls += r.ev[j].sym;
		}
		cr_assert_eq(resets, 2);
		cr_assert_eq(calls, 1 + 2 + 3 + 4 + 5);
		cr_assert_eq(r.ev[0].kind, TRACE_EV_CALL, "no boundary before the first member");
	}
	snprintf(p, sizeof(p), "%s/one.gz", dir);
	r = read_path(TRACE_UNM, p);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].stream, 8);

	/* a bad line inside a member names the member and its own line */
	sh("cd %s && printf '1 1\\n' > m/a.int && printf '1 1\\n1 x\\n' > m/c.int && "
	   "tar cf bad.tar m",
	   dir);
	snprintf(p, sizeof(p), "%s/bad.tar", dir);
	r = read_path(TRACE_UNM, p);
	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert(strstr(r.err, "bad.tar:m/c.int:2: expected"), "%s", r.err);

	/* corrupt and truncated containers */
	sh("cd %s && printf 'not gzip at all' > bad.gz && head -c 700 t.tar > trunc.tar && "
	   "head -c 600 m/a.int > /dev/null && printf 'garbage garbage' > junk.tar && "
	   "head -c 30 one.gz > trunc.gz",
	   dir);
	static const char *const bad[][2] = {{"bad.gz", "corrupt gzip"},
					     {"trunc.tar", "truncated tar"},
					     {"junk.tar", "truncated tar"},
					     {"trunc.gz", "truncated gzip"}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, bad[i][0]);
		r = read_path(TRACE_UNM, p);
		cr_assert_eq(r.rc, -EBADMSG, "%s: rc %d", bad[i][0], r.rc);
		cr_assert(strstr(r.err, bad[i][1]), "%s: %s", bad[i][0], r.err);
	}
	sh("cd %s && head -c 1024 /dev/zero > zero.tar && dd if=/dev/urandom bs=512 count=1 "
	   "2>/dev/null > rnd.tar",
	   dir);
	snprintf(p, sizeof(p), "%s/zero.tar", dir);
	r = read_path(TRACE_UNM, p);
	cr_assert_eq(r.rc, 0, "an empty archive has no calls");
	cr_assert_eq(r.n, 0);
	snprintf(p, sizeof(p), "%s/rnd.tar", dir);
	r = read_path(TRACE_UNM, p);
	cr_assert_eq(r.rc, -EBADMSG);
	cr_assert(strstr(r.err, "not a tar archive"), "%s", r.err);

	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	cr_assert_eq(system(p), 0);
}

Test(trace, strace_reused_thread_id_is_a_new_process)
{
	const char *s = "10 1.0 clone(child_stack=0x1, flags=CLONE_VM|CLONE_THREAD) = 11\n"
			"11 1.1 +++ exited with 0 +++\n"
			"11 1.2 getpid() = 11\n";
	struct run r = read_all(TRACE_STRACE, CIDS_SEQ_PROCESS, false, 0, s, strlen(s));

	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[1].stream, 11, "pid 11 reused by a process of its own");
}

Test(trace, strace_long_line_read_up_to_the_cap)
{
	size_t n = TRACE_MAX_LINE + 5000;
	char *s = malloc(n + 64);
	int k = snprintf(s, 64, "7 1.5 write(1, \"");
	memset(s + k, 'a', n - (size_t)k);
	strcpy(s + n, "\", 70000) = 70000\n7 1.6 close(1) = 0\n");
	struct run r = RUN(TRACE_STRACE, s);
	cr_assert_eq(r.rc, 0, "%s", r.err);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[0].sym, 1);
	cr_assert_eq(r.ev[1].sym, 3);
	cr_assert_eq(r.ev[1].line, 2);
	cr_assert_eq(r.st.truncated, 1);
	free(s);
}
