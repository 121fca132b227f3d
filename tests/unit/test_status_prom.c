/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids status --prometheus (cli/status_prom.c): the text format, escaping, per-rule counts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cids/json.h"
#include "status.h"

static char *expose(const char *monitors_json, const char *profiles_json)
{
	json_object *m = json_tokener_parse(monitors_json);
	json_object *p = profiles_json ? json_tokener_parse(profiles_json) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(m);
	cr_assert_eq(status_prometheus(f, m, p, "/nonexistent", 1000.0), 0);
	fclose(f);
	json_object_put(m);
	json_object_put(p);
	return buf;
}

static unsigned count(const char *text, const char *needle)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(status_prom, labels_escaped_and_families_once)
{
	char *t = expose("[{\"id\":\"a\\\"b\\\\c\\nd\\u001be\\u00e9\",\"key\":\"web\",\"mode\":"
			 "\"detect\",\"backend\":\"ptrace\",\"updated\":990,\"syscalls\":12,"
			 "\"alerts_by_rule\":{\"cids_anomalous_window\":3,"
			 "\"cids_kill_rate_limited\":0,\"cids_monitor\":1,\"cids_io_uring\":4},"
			 "\"kills_by_rule\":{\"cids_anomalous_window\":2},"
			 "\"dbs\":[{\"algorithm\":\"stide\",\"k\":4,\"size\":99,\"slope\":0.25,"
			 "\"steady\":false,\"eta_s\":0.5}]}]",
			 NULL);

	/* \ " newline escaped; ESC and the two UTF-8 bytes of e-acute become '?' */
	cr_assert_not_null(strstr(t,
				  "cids_container_syscalls_total{container_id=\"a\\\"b\\\\c\\nd?e?"
				  "?\",profile_key=\"web\"} 12\n"),
			   "%s", t);
	cr_assert_not_null(strstr(t, ",rule=\"cids_anomalous_window\"} 3\n"));
	cr_assert_not_null(strstr(t, ",rule=\"cids_monitor\"} 1\n"));
	cr_assert_not_null(strstr(t, ",rule=\"cids_io_uring\"} 4\n"), "every rule of the file");
	cr_assert_not_null(strstr(t, "cids_container_kills_total{"));
	cr_assert_not_null(strstr(t, ",algorithm=\"stide\",k=\"4\"} 99\n"));
	cr_assert_not_null(strstr(t, ",algorithm=\"stide\",k=\"4\"} 0.25\n"));
	cr_assert_not_null(strstr(t, "cids_monitor_last_update_age_seconds{"));
	cr_assert_not_null(strstr(t, "\"} 10\n"), "age = now - updated");
	cr_assert_not_null(strstr(t, ",mode=\"detect\"} 1\n"));
	cr_assert_not_null(strstr(t, ",mode=\"learn\"} 0\n"));
	cr_assert_eq(count(t, "# TYPE cids_container_alerts_total counter\n"), 1);
	cr_assert_eq(count(t, "# HELP cids_container_alerts_total "), 1);
	cr_assert_eq(count(t, "# TYPE cids_database_entries gauge\n"), 1);
	cr_assert_eq(count(t, "cids_monitors 1\n"), 1);
	/* no raw newline inside a sample: every line is a comment or "name{...} value" */
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert(line[0] == '#' || strncmp(line, "cids_", 5) == 0, "bad line \"%s\"",
			  line);
	free(t);
}

Test(status_prom, older_status_files_and_no_monitors)
{
	/* no per-rule objects: rate-limited alerts and kills from the totals, nothing invented */
	char *t = expose(
		"[{\"id\":\"c1\",\"key\":\"k\",\"kills\":5,\"kills_limited\":2,\"alerts\":9}]",
		NULL);
	cr_assert_not_null(strstr(t, ",rule=\"cids_kill_rate_limited\"} 2\n"), "%s", t);
	cr_assert_null(strstr(t, "alerts_total{container_id=\"c1\",profile_key=\"k\",rule=\"cids_"
				 "anomalous_window\"}"));
	cr_assert_not_null(strstr(t,
				  "kills_total{container_id=\"c1\",profile_key=\"k\",rule=\"cids_"
				  "anomalous_window\"} 5\n"));
	free(t);

	t = expose("[]", "[{\"key\":\"web\",\"sessions\":3,\"dbs\":[{\"algorithm\":\"bosc\",\"k\":"
			 "3,\"entries\":40,\"steady\":false,\"samples_left\":2}]}]");
	cr_assert_str_eq(
		strstr(t, "cids_monitors 0"),
		"cids_monitors 0\n# HELP cids_profiles Profiles in the store.\n"
		"# TYPE cids_profiles gauge\ncids_profiles 1\n"
		"# HELP cids_profile_sessions Containers or training runs that fed the stored "
		"profile.\n"
		"# TYPE cids_profile_sessions gauge\ncids_profile_sessions{profile_key=\"web\"} 3\n"
		"# HELP cids_profile_entries Distinct windows in the stored profile's database.\n"
		"# TYPE cids_profile_entries gauge\n"
		"cids_profile_entries{profile_key=\"web\",algorithm=\"bosc\",k=\"3\"} 40\n"
		"# HELP cids_profile_steady 1 when the stored database is steady.\n"
		"# TYPE cids_profile_steady gauge\n"
		"cids_profile_steady{profile_key=\"web\",algorithm=\"bosc\",k=\"3\"} 0\n"
		"# HELP cids_profile_steady_samples_left Growth samples below sigma still needed "
		"before the database can be steady.\n"
		"# TYPE cids_profile_steady_samples_left gauge\n"
		"cids_profile_steady_samples_left{profile_key=\"web\",algorithm=\"bosc\",k=\"3\"} "
		"2\n");
	free(t);
}
