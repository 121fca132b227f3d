/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids alerts: read (and follow) the alerts file, one human line per alert or the raw JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "cids/config.h"
#include "cids/log.h"
#include "cids/util.h"
#include "cli.h"
#include "cids/json.h"

#define ALERT_LINE_CAP (64u << 10) /* longer lines are skipped with a warning */
#define ROTATE_GRACE_S 1.0	   /* a rotated file is still read this long */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cids alerts [--follow] [--since DURATION|TIME] [--json] [--file PATH]\n"
		"                   [--config PATH]\n"
		"\n"
		"Reads the alerts file (Falco-shaped JSON lines) and prints one line per alert: "
		"time,\n"
		"container, profile key, process, syscall, the offending window, algorithm/k and "
		"score,\n"
		"and the action taken. Operational alerts (rule cids_monitor ...) show their "
		"message.\n"
		"Malformed lines are reported on stderr and skipped.\n"
		"\n"
		"  -f, --follow        keep reading as alerts are appended; survives truncation "
		"and\n"
		"                      rotation (the file replaced by a new one)\n"
		"  -s, --since WHEN    only alerts at or after WHEN: a duration back from now "
		"(90s, 10m,\n"
		"                      2h, 1d), a time (2026-11-26T15:04:05Z, \"2026-11-26 "
		"15:04\",\n"
		"                      UTC) or @UNIXSECONDS\n"
		"      --json          print the alert lines as they are (JSON, one per line)\n"
		"      --file PATH     alerts file (default: \"alerts\" of the configuration,\n"
		"                      /var/log/cids/alerts.jsonl)\n"
		"      --config PATH   configuration file (default $CIDS_CONFIG or %s)\n"
		"\n"
		"Example:\n"
		"  cids alerts --since 1h\n"
		"  cids alerts --follow --json | jq 'select(.output_fields.\"cids.action\" == "
		"\"kill\")'\n",
		CIDS_CONFIG_PATH);
}

/* days since 1970-01-01 of a proleptic Gregorian date (no timezone, no locale) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int alerts_parse_time(const char *s, double *ret)
{
	int y, mo, d, h = 0, mi = 0, n = 0;
	double sec = 0;
	char sep = 0;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '@') {
		char *end;
		errno = 0;
		double v = strtod(s + 1, &end);
		if (errno || *end || end == s + 1 || !(v >= 0 && v < 1e11))
			return -EINVAL;
		*ret = v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	s += n;
	if (*s) {
		int m = 0;
		sep = *s++;
		if (sep != 'T' && sep != ' ')
			return -EINVAL;
		if (sscanf(s, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
			return -EINVAL;
		s += m;
		if (*s == ':') {
			char *end;
			if (!(s[1] >= '0' && s[1] <= '9'))
				return -EINVAL;
			sec = strtod(s + 1, &end);
			if (end - (s + 1) < 2)
				return -EINVAL;
			s = end;
		}
		if (*s == 'Z')
			s++;
		if (*s)
			return -EINVAL;
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    !(sec >= 0 && sec < 61))
		return -EINVAL;
	*ret = (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
	       sec;
	return 0;
}

int alerts_parse_since(const char *s, double now, double *ret)
{
	char *end;
	double v;

	if (alerts_parse_time(s, ret) == 0)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	double mult = 1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mult = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60;
	else if (!strcmp(end, "h"))
		mult = 3600;
	else if (!strcmp(end, "d"))
		mult = 86400;
	else
		return -EINVAL;
	if (v * mult > 1e10)
		return -EINVAL;
	*ret = now - v * mult;
	return 0;
}

/* Printable copy of container-controlled text. */
static void clean(const char *s, size_t max, char *out, size_t outlen)
{
	size_t i = 0;
	for (; s && i < max && i + 1 < outlen && s[i]; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
}

void alerts_format(FILE *f, json_object *o)
{
	json_object *of = NULL, *win = NULL;
	char t[40] = "", cid[13], key[65], comm[33], sc[33], algo[12], act[24], rule[48], msg[512];

	json_object_object_get_ex(o, "output_fields", &of);
	clean(cids_json_str(o, "time", "?"), 19, t, sizeof(t));
	if (strlen(t) == 19 && t[10] == 'T')
		t[10] = ' ';
	clean(cids_json_str(of, "container.id", "-"), 12, cid, sizeof(cid));
	clean(cids_json_str(of, "cids.profile", "-"), 64, key, sizeof(key));
	clean(cids_json_str(o, "rule", "?"), 47, rule, sizeof(rule));
	if (!cids_json_is(of, "evt.type", json_type_string)) {
		/* operational alert */
		const char *m = cids_json_str(of, "cids.message", NULL);
		clean(m ? m : cids_json_str(o, "output", ""), 500, msg, sizeof(msg));
		clean(cids_json_str(of, "cids.action", ""), 20, act, sizeof(act));
		fprintf(f, "%s  %-12s %-16s %s: %s%s%s\n", t, cid, key, rule, msg,
			act[0] ? " -> " : "", act);
		return;
	}
	clean(cids_json_str(of, "proc.name", "?"), 32, comm, sizeof(comm));
	clean(cids_json_str(of, "evt.type", "?"), 32, sc, sizeof(sc));
	clean(cids_json_str(of, "cids.algorithm", "?"), 10, algo, sizeof(algo));
	clean(cids_json_str(of, "cids.action", "alert"), 20, act, sizeof(act));
	fprintf(f, "%s  %-12s %-16s %s[%lld/%lld] %s  [", t, cid, key, comm,
		(long long)cids_json_int(of, "proc.pid", 0),
		(long long)cids_json_int(of, "thread.tid", 0), sc);
	if (json_object_object_get_ex(of, "cids.window", &win) &&
	    json_object_is_type(win, json_type_array)) {
		size_t n = json_object_array_length(win);
		for (size_t i = 0; i < n && i < 32; i++) {
			json_object *w = json_object_array_get_idx(win, i);
			char name[33];
			clean(json_object_is_type(w, json_type_string) ? json_object_get_string(w)
								       : "?",
			      32, name, sizeof(name));
			fprintf(f, "%s%s", i ? " " : "", name);
		}
	}
	fprintf(f, "]  %s/%lld score %lld  %s\n", algo, (long long)cids_json_int(of, "cids.k", 0),
		(long long)cids_json_int(of, "cids.score", 0), act);
}

struct alerts_ctx {
	const char *path;
	bool json;
	bool has_since;
	double since;
	uint64_t lineno, bad;
};

/* One line (without its newline). Returns 1 printed, 0 filtered or skipped. */
int alerts_line(struct alerts_ctx *c, const char *line, size_t len, FILE *out)
{
	json_object *o = NULL;
	char why[160];

	c->lineno++;
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return 0;
	if (cids_json_parse(line, len, NULL, &o, why, sizeof(why)) < 0 ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		c->bad++;
		log_warn("%s:%llu: skipping malformed alert line: %s", c->path,
			 (unsigned long long)c->lineno, o ? "not an object" : why);
		return 0;
	}
	if (c->has_since) {
		double t;
		if (alerts_parse_time(cids_json_str(o, "time", ""), &t) < 0) {
			c->bad++;
			log_warn("%s:%llu: skipping alert without a valid \"time\"", c->path,
				 (unsigned long long)c->lineno);
			json_object_put(o);
			return 0;
		}
		if (t < c->since) {
			json_object_put(o);
			return 0;
		}
	}
	if (c->json) {
		fwrite(line, 1, len, out);
		fputc('\n', out);
	} else
		alerts_format(out, o);
	json_object_put(o);
	return 1;
}

struct reader {
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;
	char *buf;
	size_t len;
	bool skipping; /* inside an over-long line */
};

static int reader_open(struct reader *r, const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	r->fd = fd;
	r->dev = sb.st_dev;
	r->ino = sb.st_ino;
	r->off = 0;
	r->len = 0;
	r->skipping = false;
	return 0;
}

/* Read what is there; complete lines go to alerts_line. At EOF a partial line is kept for
 * later (follow) or flushed (final). */
static int reader_drain(struct reader *r, struct alerts_ctx *c, FILE *out, bool final)
{
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->len, ALERT_LINE_CAP - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0)
			break;
		r->off += n;
		r->len += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < r->len; i++) {
			if (r->buf[i] != '\n')
				continue;
			if (r->skipping)
				r->skipping = false;
			else
				alerts_line(c, r->buf + start, i - start, out);
			start = i + 1;
		}
		memmove(r->buf, r->buf + start, r->len - start);
		r->len -= start;
		if (r->len == ALERT_LINE_CAP) {
			if (!r->skipping) {
				c->lineno++;
				c->bad++;
				log_warn("%s:%llu: skipping alert line longer than %u bytes",
					 c->path, (unsigned long long)c->lineno, ALERT_LINE_CAP);
			}
			r->skipping = true;
			r->len = 0;
		}
	}
	if (final && r->len && !r->skipping)
		alerts_line(c, r->buf, r->len, out);
	if (final)
		r->len = 0;
	fflush(out);
	return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = 1;
}

static int follow(struct reader *r, struct alerts_ctx *c, FILE *out)
{
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_free_ char *dir = strdup(c->path);
	struct sigaction sa = {.sa_handler = on_signal};
	double rotated_at = 0;

	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	/* watch the directory: creation, rename and writes of the file all show there; without
	 * inotify a one-second poll does the same */
	if (in >= 0 && inotify_add_watch(in, dir,
					 IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
						 IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
		close(in);
		in = -EBADF;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, in >= 0 ? 1 : 0, rotated_at > 0 ? 200 : 1000) < 0 && errno != EINTR)
			return -errno;
		if (in >= 0 && (p.revents & POLLIN)) {
			char ev[4096];
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
		if (r->fd >= 0) {
			struct stat sb;
			int e = reader_drain(r, c, out, false);
			if (e < 0)
				return e;
			if (fstat(r->fd, &sb) == 0 && sb.st_size < r->off) {
				/* truncated: start again at its beginning */
				log_info("%s was truncated; reading from its start.", c->path);
				lseek(r->fd, 0, SEEK_SET);
				r->off = 0;
				r->len = 0;
				r->skipping = false;
				continue;
			}
			if (stat(c->path, &sb) == 0 && (sb.st_ino == r->ino && sb.st_dev == r->dev))
				continue;
			/* rotated or removed: a writer may still finish a line into the old file,
			 * so keep reading it for a grace period, then take the new one */
			if (rotated_at == 0) {
				rotated_at = now_mono();
				continue;
			}
			if (now_mono() - rotated_at < ROTATE_GRACE_S)
				continue;
			rotated_at = 0;
			e = reader_drain(r, c, out, true);
			if (e < 0)
				return e;
			close(r->fd);
			r->fd = -EBADF;
			log_info("%s was replaced; following the new file.", c->path);
		}
		if (r->fd < 0 && reader_open(r, c->path) == 0) {
			c->lineno = 0;
			int e = reader_drain(r, c, out, false);
			if (e < 0)
				return e;
		}
	}
	return 0;
}

int cmd_alerts(int argc, char **argv)
{
	static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
					     {"since", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {"file", required_argument, NULL, 'F'},
					     {"config", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	struct alerts_ctx c = {0};
	const char *file = NULL, *config = NULL, *since = NULL;
	bool fol = false;
	int o;

	optind = 0;
	while ((o = getopt_long(argc, argv, "fs:h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			fol = true;
			break;
		case 's':
			since = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'F':
			file = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (since) {
		if (alerts_parse_since(since, now_wall(), &c.since) < 0) {
			log_error("--since: expected a duration (90s, 10m, 2h, 1d), a time "
				  "(2026-11-26T15:04:05Z) or @UNIXSECONDS, got \"%s\".",
				  since);
			return 2;
		}
		c.has_since = true;
	}
	_cleanup_free_ struct cids_config *cfg = NULL;
	if (!file) {
		if (cli_config_load(config, &cfg) < 0)
			return 2;
		file = cfg->alerts;
	}
	c.path = file;
	if (fol)
		log_set_level(MAX(log_get_level(), LOG_LVL_INFO));

	_cleanup_free_ char *buf = malloc(ALERT_LINE_CAP);
	struct reader r = {.fd = -EBADF, .buf = buf};
	if (!buf)
		return 2;
	int e = reader_open(&r, file);
	if (e < 0 && !(fol && e == -ENOENT)) {
		if (e == -ENOENT) {
			log_info("No alerts file \"%s\" (no alert so far).", file);
			return 0;
		}
		log_error_errno(e, "Cannot open \"%s\"", file);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (r.fd >= 0) {
		e = reader_drain(&r, &c, stdout, !fol);
		if (e < 0) {
			log_error_errno(e, "Cannot read \"%s\"", file);
			close(r.fd);
			return 2;
		}
	}
	if (fol)
		e = follow(&r, &c, stdout);
	if (r.fd >= 0)
		close(r.fd);
	if (e < 0) {
		log_error_errno(e, "Cannot follow \"%s\"", file);
		return 2;
	}
	return 0;
}
