/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cids alerts: times, --since, the human line; cids status: validation of status files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cids/log.h"
#include "alerts.h"
#include "cids/json.h"
#include "status.h"

Test(alerts, parses_utc_times)
{
	double t;
	cr_assert_eq(alerts_parse_time("1970-01-01T00:00:00Z", &t), 0);
	cr_assert_float_eq(t, 0, 1e-9);
	cr_assert_eq(alerts_parse_time("2026-11-26T15:04:05.123456789Z", &t), 0);
	cr_assert_float_eq(t, 1795705445.123456789, 1e-5); /* date -ud @1795705445 */
	cr_assert_eq(alerts_parse_time("2026-11-26 15:04", &t), 0);
	cr_assert_float_eq(t, 1795705440, 1e-9);
	cr_assert_eq(alerts_parse_time("2024-02-29", &t), 0);
	cr_assert_float_eq(t, 1709164800, 1e-9);
	cr_assert_eq(alerts_parse_time("@1795700000.5", &t), 0);
	cr_assert_float_eq(t, 1795700000.5, 1e-9);
	static const char *const bad[] = {"",
					  "2026-13-01",
					  "2026-11-26T25:00",
					  "2026-11-26X10:00",
					  "2026-11-26T10:00:5",
					  "26-11-26",
					  "@",
					  "@-5",
					  "@1e300",
					  "2026-11-26T10:00Zjunk",
					  "1969-12-31",
					  "@12abc"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(alerts_parse_time(bad[i], &t), -EINVAL, "\"%s\" accepted", bad[i]);
}

Test(alerts, since_takes_durations_and_times)
{
	double t;
	cr_assert_eq(alerts_parse_since("90s", 1000, &t), 0);
	cr_assert_float_eq(t, 910, 1e-9);
	cr_assert_eq(alerts_parse_since("10m", 10000, &t), 0);
	cr_assert_float_eq(t, 9400, 1e-9);
	cr_assert_eq(alerts_parse_since("2h", 10000, &t), 0);
	cr_assert_float_eq(t, 2800, 1e-9);
	cr_assert_eq(alerts_parse_since("1d", 100000, &t), 0);
	cr_assert_float_eq(t, 13600, 1e-9);
	cr_assert_eq(alerts_parse_since("30", 100, &t), 0);
	cr_assert_float_eq(t, 70, 1e-9);
	cr_assert_eq(alerts_parse_since("1970-01-02", 5e9, &t), 0);
	cr_assert_float_eq(t, 86400, 1e-9);
	static const char *const bad[] = {"-5m", "+5m", "5w", "m", "yesterday", "1e20d", "nan"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(alerts_parse_since(bad[i], 1000, &t), -EINVAL, "\"%s\" accepted",
			     bad[i]);
}

static char *format(const char *line)
{
	json_object *o = NULL;
	char why[128], *out = NULL;
	size_t len = 0;
	cr_assert_eq(cids_json_parse(line, strlen(line), NULL, &o, why, sizeof(why)), 0, "%s", why);
	FILE *f = open_memstream(&out, &len);
	alerts_format(f, o);
	fclose(f);
	json_object_put(o);
	return out;
}

Test(alerts, human_line_is_one_clean_line)
{
	char *s =
		format("{\"time\":\"2026-11-26T15:04:05.1Z\",\"rule\":\"cids_anomalous_window\","
		       "\"output_fields\":{\"container.id\":\"0123456789abcdef\",\"cids.profile\":"
		       "\"web\",\"proc.pid\":7,\"thread.tid\":8,\"proc.name\":\"a\\nb\\u001b[2J\","
		       "\"evt.type\":\"unshare\",\"cids.window\":[\"read\",\"unshare\"],"
		       "\"cids.algorithm\":\"stide\",\"cids.k\":2,\"cids.score\":1,"
		       "\"cids.action\":\"kill\"}}");
	cr_assert_str_eq(s,
			 "2026-11-26 15:04:05  0123456789ab web              a?b?[2J[7/8] unshare  "
			 "[read unshare]  stide/2 score 1  kill\n");
	free(s);
	/* operational alert; missing fields do not crash */
	s = format(
		"{\"rule\":\"cids_monitor\",\"output_fields\":{\"cids.message\":\"tracer lost\"}}");
	cr_assert_str_eq(s, "?  -            -                cids_monitor: tracer lost\n");
	free(s);
	s = format("{\"output_fields\":7,\"cids.window\":{}}");
	cr_assert(strchr(s, '\n') == s + strlen(s) - 1);
	free(s);
}

Test(alerts, json_parse_is_strict)
{
	json_object *o = NULL;
	char why[128];
	/* NaN and Infinity: json-c takes them even in strict mode; JSON does not */
	static const char *const bad[] = {"",
					  "{",
					  "{} {}",
					  "{\"a\":1} x",
					  "[1,]",
					  "nul",
					  "{\"a\" 1}",
					  "{\"a\":NaN}",
					  "[-nan]",
					  "[Infinity]",
					  "{\"a\":-Infinity}",
					  "1e5 x"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		cr_assert_eq(cids_json_parse(bad[i], strlen(bad[i]), NULL, &o, why, sizeof(why)),
			     -EBADMSG, "\"%s\" accepted", bad[i]);
		cr_assert_neq(why[0], '\0');
	}
	cr_assert_eq(cids_json_parse("{\"a\":\"x\0y\"}", 11, NULL, &o, why, sizeof(why)), -EBADMSG);
	/* nesting is capped */
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	cr_assert_eq(cids_json_parse(deep, 200, NULL, &o, why, sizeof(why)), -EBADMSG);
	cr_assert_eq(cids_json_parse(" {\"a\": [1, 2]}\n", 15, NULL, &o, why, sizeof(why)), 0);
	json_object_put(o);
}

Test(status, validation_and_liveness)
{
	json_object *o = NULL;
	char why[128];
	const char *good = "{\"id\":\"x\",\"monitor_pid\":1,\"dbs\":[]}";
	cr_assert_eq(cids_json_parse(good, strlen(good), NULL, &o, why, sizeof(why)), 0);
	cr_assert_eq(status_validate(o, why, sizeof(why)), 0);
	json_object_put(o);
	static const char *const bad[] = {"[]",
					  "{\"monitor_pid\":1}",
					  "{\"id\":\"\",\"monitor_pid\":1}",
					  "{\"id\":\"x\",\"monitor_pid\":0}",
					  "{\"id\":\"x\",\"monitor_pid\":\"12\"}",
					  "{\"id\":\"x\",\"monitor_pid\":99999999999}",
					  "{\"id\":\"x\",\"monitor_pid\":5,\"dbs\":{}}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(cids_json_parse(bad[i], strlen(bad[i]), NULL, &o, why, sizeof(why)),
			     0);
		cr_assert_eq(status_validate(o, why, sizeof(why)), -EBADMSG, "%s", bad[i]);
		json_object_put(o);
	}
	/* this test binary is not a cids program; pid 1 is not either (init) */
	cr_assert_not(status_monitor_alive(getpid(), 0, why, sizeof(why)));
	cr_assert(strstr(why, "not a cids monitor"), "%s", why);
	cr_assert_not(status_monitor_alive(0, 0, why, sizeof(why)));
}
