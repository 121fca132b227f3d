/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids status: the live monitors of this host, from the status files in <run_dir>/monitors/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cids/config.h"
#include "cids/log.h"
#include "cids/util.h"
#include "cli.h"
#include "cids/json.h"
#include "status.h"

#define STATUS_MAX_FILE	    (1u << 20) /* bytes per status file */
#define STATUS_MAX_MONITORS 65536      /* files looked at */
#define STATUS_STALE_UPDATE 30.0       /* seconds without an update: flagged */

static void status_usage(FILE *f)
{
	fprintf(f,
		"Usage: cids status [--json | --prometheus | --textfile PATH] [--profiles] "
		"[--verbose]\n"
		"                   [--run-dir DIR] [--store DIR] [--config PATH]\n"
		"\n"
		"One line per live monitor on this host: container id, profile key, backend, "
		"mode,\n"
		"syscalls seen, alerts, kills, lost events, and per database (algorithm/k) its "
		"size,\n"
		"the slope of its last growth sample (entries per second, or per call) and "
		"\"steady\" or\n"
		"the least learning time left before it can be (eta). Status files of monitors "
		"that are\n"
		"gone (their process died, or the pid now belongs to something else) are removed.\n"
		"\n"
		"  --json         a JSON array of the monitors' status objects (with --profiles:\n"
		"                 {\"monitors\": [...], \"profiles\": [...]})\n"
		"  --profiles     also every profile in the store: sessions, learning time and, "
		"per\n"
		"                 database, steady or how many growth samples below sigma it "
		"still\n"
		"                 needs (and the least learning time that takes)\n"
		"  --prometheus   the same in the Prometheus text format (monitors, cidsd, and "
		"the\n"
		"                 store's profiles when --profiles is given)\n"
		"  --textfile PATH  write that to PATH atomically (node_exporter's textfile\n"
		"                 collector reads *.prom files), print nothing\n"
		"  --store DIR    the store (default: \"store\" of the configuration)\n"
		"  -v, --verbose  say which stale status files were removed and why\n"
		"  --run-dir DIR  where monitors keep their state (default: \"run_dir\" of the\n"
		"                 configuration, /run/cids); status files are in DIR/monitors/\n"
		"  --config PATH  configuration file (default $CIDS_CONFIG or %s)\n"
		"\n"
		"Example:\n"
		"  cids status\n"
		"  cids status --json | jq '.[] | select(.mode == \"learn\") | .id'\n"
		"  cids status --profiles\n"
		"  cids status --profiles --textfile /var/lib/prometheus/node-exporter/cids.prom\n",
		CIDS_CONFIG_PATH);
}

/* Start time of pid in unix seconds, from /proc/<pid>/stat and the boot time; < 0 unknown. */
static double proc_start_time(pid_t pid)
{
	char path[64], *buf = NULL, *btbuf = NULL;
	size_t len = 0;
	double ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_full_file(path, 4096, &buf, &len) < 0)
		return -1;
	/* the comm field may hold spaces and parentheses: fields resume after the last ')' */
	char *p = strrchr(buf, ')');
	unsigned long long start = 0;
	if (p &&
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
		   "%*d %*d %llu",
		   &start) == 1 &&
	    read_full_file("/proc/stat", 1 << 20, &btbuf, &len) >= 0) {
		char *bt = strstr(btbuf, "\nbtime ");
		long tck = sysconf(_SC_CLK_TCK);
		if (bt && tck > 0)
			ret = (double)strtoull(bt + 7, NULL, 10) + (double)start / (double)tck;
	}
	free(buf);
	free(btbuf);
	return ret;
}

/* Whether monitor_pid still is the monitor that wrote the file: alive, a cids program (exe or
 * comm starting "cids"), and started no later than the session (pid reuse). */
bool status_monitor_alive(pid_t pid, double started, char *why, size_t whylen)
{
	char path[64], exe[4096], *comm = NULL;
	size_t len = 0;
	ssize_t n;

	if (pid <= 0) {
		why_set(why, whylen, "no monitor pid");
		return false;
	}
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		why_set(why, whylen, "monitor %d is gone", (int)pid);
		return false;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_full_file(path, 64, &comm, &len) < 0) {
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			why_set(why, whylen, "monitor %d is gone", (int)pid);
			return false;
		}
	}
	bool cids = strncmp(base, "cids", 4) == 0 || (comm && strncmp(comm, "cids", 4) == 0);
	if (!cids) {
		if (comm)
			comm[strcspn(comm, "\n")] = '\0';
		why_set(why, whylen, "pid %d is now \"%s\", not a cids monitor", (int)pid,
			comm ? comm : base);
		free(comm);
		return false;
	}
	free(comm);
	double st = proc_start_time(pid);
	if (st > 0 && started > 0 && st > started + 5) {
		why_set(why, whylen, "pid %d was reused after the monitor started", (int)pid);
		return false;
	}
	return true;
}

int status_validate(json_object *o, char *why, size_t whylen)
{
	if (!json_object_is_type(o, json_type_object))
		return why_err(why, whylen, -EBADMSG, "not a JSON object");
	if (!cids_json_is(o, "id", json_type_string) || !*cids_json_str(o, "id", ""))
		return why_err(why, whylen, -EBADMSG, "no \"id\"");
	if (!cids_json_is(o, "monitor_pid", json_type_int) ||
	    cids_json_int(o, "monitor_pid", 0) <= 0 ||
	    cids_json_int(o, "monitor_pid", 0) > INT32_MAX)
		return why_err(why, whylen, -EBADMSG, "no valid \"monitor_pid\"");
	json_object *dbs = NULL;
	if (json_object_object_get_ex(o, "dbs", &dbs) && dbs &&
	    !json_object_is_type(dbs, json_type_array))
		return why_err(why, whylen, -EBADMSG, "\"dbs\" is not an array");
	return 0;
}

/* Printable copy of container-controlled text: control and non-ASCII bytes become '?'. */
static void status_clean(const char *s, size_t max, char *out, size_t outlen)
{
	size_t i = 0;
	for (; i < max && i + 1 < outlen && s[i]; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	out[i] = '\0';
}

static void fmt_rate(double v, char *buf, size_t len)
{
	if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 1)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

static void fmt_duration(double s, char *buf, size_t len)
{
	if (s < 10)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1fh", s / 3600);
	else
		snprintf(buf, len, "%.1fd", s / 86400);
}

void status_print_line(FILE *f, json_object *o, double now)
{
	char id[13], key[41], backend[12], mode[12], b1[32], b2[32];

	status_clean(cids_json_str(o, "id", "?"), 12, id, sizeof(id));
	status_clean(cids_json_str(o, "key", "-"), 40, key, sizeof(key));
	status_clean(cids_json_str(o, "backend", "?"), 10, backend, sizeof(backend));
	status_clean(cids_json_str(o, "mode", "?"), 10, mode, sizeof(mode));
	fprintf(f, "%-12s %-20s %-7s %-7s %10lld %6lld %5lld %5lld ", id, key, backend, mode,
		(long long)cids_json_int(o, "syscalls", 0),
		(long long)cids_json_int(o, "alerts", 0), (long long)cids_json_int(o, "kills", 0),
		(long long)cids_json_int(o, "lost", 0));
	json_object *dbs = NULL;
	json_object_object_get_ex(o, "dbs", &dbs);
	size_t n = dbs ? json_object_array_length(dbs) : 0;
	for (size_t i = 0; i < n && i < CIDS_MAX_DBS; i++) {
		json_object *d = json_object_array_get_idx(dbs, i);
		char algo[12];
		status_clean(cids_json_str(d, "algorithm", "?"), 8, algo, sizeof(algo));
		fmt_rate(cids_json_num(d, "slope", 0), b1, sizeof(b1));
		if (cids_json_bool(d, "full", false))
			snprintf(b2, sizeof(b2), "full");
		else if (cids_json_bool(d, "steady", false))
			snprintf(b2, sizeof(b2), "steady");
		else {
			char dur[16];
			fmt_duration(cids_json_num(d, "eta_s", 0), dur, sizeof(dur));
			snprintf(b2, sizeof(b2), "eta %s", dur);
		}
		fprintf(f, "%s%s/%lld:%lld(%s/s,%s)", i ? " " : "", algo,
			(long long)cids_json_int(d, "k", 0), (long long)cids_json_int(d, "size", 0),
			b1, b2);
	}
	if (n > CIDS_MAX_DBS)
		fprintf(f, " ...");
	double upd = cids_json_num(o, "updated", 0);
	if (upd > 0 && now - upd > STATUS_STALE_UPDATE) {
		fmt_duration(now - upd, b1, sizeof(b1));
		fprintf(f, " [no update for %s]", b1);
	}
	fputc('\n', f);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int status_collect(const char *run_dir, bool verbose, json_object **ret)
{
	char dir[CIDS_PATH_MAX];
	_cleanup_(json_object_putp) json_object *arr = json_object_new_array();
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int r = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/monitors", run_dir) >= sizeof(dir))
		return -ENAMETOOLONG;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT) {
			*ret = TAKE_PTR(arr);
			return 0;
		}
		return -errno;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	struct dirent *de;
	while ((de = readdir(d)) && n < STATUS_MAX_MONITORS) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			char **nn = reallocarray(names, na, sizeof(*names));
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
			alloc = na;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (n) /* sorted: a stable order for people and scripts */
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char path[CIDS_PATH_MAX * 2], why[256] = "";
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		json_object *o = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		/* no symlinks: a status file is the monitor's own regular file */
		int fd = openat(dirfd(d), names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0) {
			if (errno != ENOENT) /* a monitor that just ended removed it */
				log_warn("Skipping \"%s\": %s", path, strerror(errno));
			continue;
		}
		struct stat sb;
		int rr = fstat(fd, &sb) < 0	? -errno
			 : !S_ISREG(sb.st_mode) ? -EINVAL
						: read_full_fd(fd, STATUS_MAX_FILE, &text, &len);
		close(fd);
		if (rr < 0) {
			log_warn("Skipping \"%s\": %s", path,
				 rr == -E2BIG	 ? "larger than 1 MiB"
				 : rr == -EINVAL ? "not a regular file"
						 : strerror(-rr));
			continue;
		}
		if (cids_json_parse(text, len, NULL, &o, why, sizeof(why)) < 0 ||
		    status_validate(o, why, sizeof(why)) < 0) {
			json_object_put(o);
			log_warn("Skipping malformed status file \"%s\": %s", path, why);
			continue;
		}
		pid_t pid = (pid_t)cids_json_int(o, "monitor_pid", 0);
		if (!status_monitor_alive(pid, cids_json_num(o, "started", 0), why, sizeof(why))) {
			json_object_put(o);
			if (unlinkat(dirfd(d), names[i], 0) < 0 && errno != ENOENT)
				log_warn("Cannot remove stale \"%s\" (%s): %s", path, why,
					 strerror(errno));
			else if (verbose)
				log_info("Removed stale \"%s\": %s.", path, why);
			continue;
		}
		json_object_array_add(arr, o);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(arr);
	return 0;
}

/* The monitors (and profiles) as JSON or as a table, on stdout. */
static void status_print(json_object *arr, json_object *profs, bool json, const char *run_dir,
			 const char *store)
{
	size_t n = json_object_array_length(arr);
	if (json && profs) {
		_cleanup_json_ json_object *o = json_object_new_object();
		json_object_object_add(o, "monitors", json_object_get(arr));
		json_object_object_add(o, "profiles", json_object_get(profs));
		printf("%s\n",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
	if (n == 0) {
		printf("No live monitors (%s/monitors).\n", run_dir);
		if (profs)
			status_profiles_print(stdout, store, profs);
		return;
	}
	printf("%-12s %-20s %-7s %-7s %10s %6s %5s %5s %s\n", "CONTAINER", "KEY", "BACKEND", "MODE",
	       "SYSCALLS", "ALERTS", "KILLS", "LOST", "DATABASES algo/k:size(slope,steady|eta)");
	double now = now_wall();
	for (size_t i = 0; i < n; i++)
		status_print_line(stdout, json_object_array_get_idx(arr, i), now);
	if (profs) {
		putchar('\n');
		status_profiles_print(stdout, store, profs);
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"run-dir", required_argument, NULL, 'r'},
					     {"config", required_argument, NULL, 'c'},
					     {"prometheus", no_argument, NULL, 'P'},
					     {"textfile", required_argument, NULL, 'T'},
					     {"profiles", no_argument, NULL, 'p'},
					     {"store", required_argument, NULL, 's'},
					     {"help", no_argument, NULL, 'h'},
					     {}};
	const char *run_dir = NULL, *config = NULL, *textfile = NULL, *store = NULL;
	bool json = false, verbose = false, prom = false, with_profiles = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'r':
			run_dir = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'P':
			prom = true;
			break;
		case 'T':
			textfile = optarg;
			break;
		case 'p':
			with_profiles = true;
			break;
		case 's':
			store = optarg;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			status_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		status_usage(stderr);
		return 2;
	}
	if (verbose)
		log_set_level(LOG_LVL_INFO);
	_cleanup_free_ struct cids_config *cfg = NULL;
	if (json + prom + !!textfile > 1) {
		log_error("--json, --prometheus and --textfile exclude each other.");
		return 2;
	}
	if (!run_dir || (with_profiles && !store)) {
		if (cli_config_load(config, &cfg) < 0)
			return 2;
		if (!run_dir)
			run_dir = cfg->run_dir;
		if (!store)
			store = cfg->store;
	}
	_cleanup_(json_object_putp) json_object *arr = NULL;
	int r = status_collect(run_dir, verbose, &arr);
	if (r < 0) {
		log_error_errno(r, "Cannot read monitors in \"%s/monitors\"", run_dir);
		return 2;
	}
	_cleanup_json_ json_object *profs = NULL;
	if (with_profiles) {
		r = status_profiles_collect(store, &profs);
		if (r < 0) {
			log_error_errno(r, "Cannot read profiles in \"%s\"", store);
			return 2;
		}
	}
	if (prom || textfile) {
		r = textfile ? status_textfile(textfile, arr, profs, run_dir, now_wall())
			     : status_prometheus(stdout, arr, profs, run_dir, now_wall());
		if (r < 0) {
			log_error_errno(r, "Cannot write \"%s\"", textfile ? textfile : "stdout");
			return 2;
		}
		return 0;
	}
	status_print(arr, profs, json, run_dir, store);
	return 0;
}
