/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text form of profiles (profiles/profile_text.c), the content digest and install --from
 * (cli/profile_text.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cids/profile.h"
#include "cids/util.h"
#include "profile_text.h"

/* A learned engine with every database kind, growth points, a steady database and one not. */
static struct cids_engine *learned(unsigned extra)
{
	struct cids_engine_config c;
	struct cids_engine *e = NULL;

	engine_config_default(&c);
	c.interval = 0.5;
	c.consecutive = 3;
	cr_assert_eq(engine_new(&c, &e), 0);
	for (unsigned i = 0; i < 400; i++) {
		unsigned sym = (unsigned[]){0, 1, 2, 3, 257, 9}[i % 6];
		if (i == 390)
			sym = extra;
		cr_assert_geq(engine_learn(e, i % 3, sym, 0.01 * i + 0.001 * (i % 7)), 0);
	}
	/* a number without a name on this arch, and the catch-all symbol */
	cr_assert_geq(engine_learn(e, 7, 500, 4.5), 0);
	cr_assert_geq(engine_learn(e, 7, CIDS_SYM_OTHER, 4.6), 0);
	return e;
}

static void encode(const struct cids_engine *e, const struct cids_provenance *p, void **buf,
		   size_t *len)
{
	cr_assert_eq(profile_encode(e, p, buf, len), 0);
}

Test(profile_text, round_trip_is_byte_identical)
{
	struct cids_engine *e = learned(39);
	struct cids_provenance p = {
		.key = "web", .created = 1700000000, .updated = 1700000100, .sessions = 4};
	snprintf(p.source, sizeof(p.source), "runc ctr \"a\\b\"\n\ttab\x01");
	void *bin = NULL, *bin2 = NULL;
	size_t len = 0, len2 = 0, tlen = 0;
	char *text = NULL, why[256] = "";

	cr_assert_eq(profile_text_encode(e, &p, 0, &text, &tlen), 0);
	cr_assert_not_null(strstr(text, "\nwindow read close read "), "%.2000s", text);
	cr_assert_not_null(strstr(text, "sys_500"));
	cr_assert_not_null(strstr(text, "sys_511"));
	cr_assert_not_null(strstr(text, "\ngrowth 0.5 "));
	cr_assert_not_null(strstr(text, "source runc ctr \"a\\\\b\"\\x0a\\x09tab\\x01\n"));

	struct cids_engine *d = NULL;
	struct cids_provenance dp;
	cr_assert_eq(profile_text_decode(text, tlen, &d, &dp, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(dp.source, p.source);
	encode(e, &p, &bin, &len);
	encode(d, &dp, &bin2, &len2);
	cr_assert_eq(len, len2);
	cr_assert_eq(memcmp(bin, bin2, len), 0, "the round trip changed the file");

	/* and the binary itself is canonical: decode + encode gives the same bytes */
	struct cids_engine *r = NULL;
	cr_assert_eq(profile_decode(bin, len, &r, NULL, why, sizeof(why)), 0, "%s", why);
	free(bin2);
	encode(r, &p, &bin2, &len2);
	cr_assert_eq(memcmp(bin, bin2, len), 0);

	/* windows are sorted: every "window" line of a database is >= the one before */
	const char *prev = NULL;
	for (char *l = strstr(text, "\nwindow "); l; l = strstr(l + 1, "\nwindow ")) {
		if (prev && strncmp(prev, "\nwindow ", 8) == 0 && l - prev > 0 &&
		    memchr(prev + 1, '\n', (size_t)(l - prev - 1)) == NULL) {
			size_t n1 = strcspn(prev + 8, "\n"), n2 = strcspn(l + 8, "\n");
			char a[256], b[256];
			snprintf(a, sizeof(a), "%.*s", (int)n1, prev + 8);
			snprintf(b, sizeof(b), "%.*s", (int)n2, l + 8);
			cr_assert_lt(strcmp(a, b), 0, "\"%s\" before \"%s\"", a, b);
		}
		prev = l;
	}
	free(bin);
	free(bin2);
	free(text);
	engine_free(e);
	engine_free(d);
	engine_free(r);
}

Test(profile_text, digest_ignores_provenance_and_sees_windows)
{
	struct cids_engine *a = learned(39), *b = learned(39), *c = learned(60);
	char ha[65], hb[65], hc[65];

	cr_assert_eq(profile_digest(a, ha, sizeof(ha)), 0);
	cr_assert_eq(profile_digest(b, hb, sizeof(hb)), 0);
	cr_assert_eq(profile_digest(c, hc, sizeof(hc)), 0);
	cr_assert_eq(strlen(ha), 64);
	cr_assert_str_eq(ha, hb, "same learning, other tables' seeds: same digest");
	cr_assert_str_neq(ha, hc, "another window: another digest");
	engine_free(a);
	engine_free(b);
	engine_free(c);
}

static int dec(const char *text)
{
	struct cids_engine *e = NULL;
	char why[256] = "";
	int r = profile_text_decode(text, strlen(text), &e, NULL, why, sizeof(why));
	engine_free(e);
	return r;
}

Test(profile_text, bad_text_is_refused)
{
	struct cids_engine *e = learned(39);
	char *text = NULL;
	size_t len = 0;

	cr_assert_eq(profile_text_encode(e, NULL, 0, &text, &len), 0);
	cr_assert_eq(dec(text), 0);

	char *cut = strndup(text, len - 4); /* no "end" */
	cr_assert_eq(dec(cut), -EBADMSG);
	free(cut);
	cr_assert_eq(dec("cids-profile-text 2\nend\n"), -EBADMSG);

	/* a window twice, an unknown syscall, a window of the wrong length, a zero count */
	char *w = strstr(text, "\nwindow ");
	size_t wl = strcspn(w + 1, "\n") + 1;
	char *dup = NULL;
	cr_assert_geq(asprintf(&dup, "%.*s%.*s%s", (int)(w - text), text, (int)wl, w, w), 0);
	cr_assert_eq(dec(dup), -EBADMSG);
	free(dup);
	static const char *const bad_windows[] = {
		"window nosuchcall write close 1", "window read write 1",
		"window read write close 0", "window read write close x"};
	for (size_t i = 0; i < sizeof(bad_windows) / sizeof(bad_windows[0]); i++) {
		char *t = NULL;
		cr_assert_geq(asprintf(&t, "%.*s\n%s%s", (int)(w - text), text, bad_windows[i], w),
			      0);
		cr_assert_eq(dec(t), -EBADMSG, "%s", bad_windows[i]);
		free(t);
	}
	/* counts that do not fit the steady record: caught by the binary checks */
	char *st = strstr(text, "\nsteady 1 ");
	cr_assert_not_null(st);
	char *t = NULL;
	cr_assert_geq(asprintf(&t, "%.*s\nsteady 1 nan 5%s", (int)(st - text), text,
			       st + strcspn(st + 1, "\n") + 1),
		      0);
	cr_assert_eq(dec(t), -EBADMSG);
	free(t);
	free(text);
	engine_free(e);
}

Test(profile_text, install_from_restarts_steady_state)
{
	char dir[] = "/tmp/cids-test-from.XXXXXX", path[256], dest[512], why[256] = "";
	struct cids_engine *e = learned(39), *n = NULL;
	struct cids_provenance p = {.key = "web-v1", .sessions = 9}, np;
	unsigned steady = 0;

	cr_assert(mkdtemp(dir));
	for (unsigned i = 0; i < engine_config(e)->ndbs; i++)
		steady += engine_db_steady(e, i)->steady;
	cr_assert_gt(steady, 0, "the fixture needs a steady database");
	snprintf(path, sizeof(path), "%s/web-v1.profile", dir);
	cr_assert_eq(profile_save(e, &p, path), 0);

	cr_assert_eq(profile_install_from("web-v1", "web-v2", dir, false, dest, sizeof(dest), why,
					  sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(profile_load(dest, &n, &np, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(np.key, "web-v2");
	cr_assert_eq(np.sessions, 0);
	cr_assert_str_eq(np.source, "from web-v1");
	for (unsigned i = 0; i < engine_config(n)->ndbs; i++) {
		cr_assert_not(engine_db_steady(n, i)->steady);
		cr_assert_eq(engine_db_steady(n, i)->run, 0);
		cr_assert_eq(engine_db_size(n, i), engine_db_size(e, i), "windows kept");
	}
	/* only growth counts from now on: quiet samples make it steady again */
	double t = engine_elapsed(n);
	engine_tick(n, t + 3 * engine_config(n)->interval + 0.01);
	for (unsigned i = 0; i < engine_config(n)->ndbs; i++)
		cr_assert(engine_db_steady(n, i)->steady, "db %u", i);
	/* an existing key is not replaced without force */
	cr_assert_eq(profile_install_from("web-v1", "web-v2", dir, false, dest, sizeof(dest), why,
					  sizeof(why)),
		     -EEXIST);
	engine_free(n);
	engine_free(e);
	unlink(dest);
	snprintf(path, sizeof(path), "%s/web-v2.profile.bak", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/web-v1.profile", dir);
	unlink(path);
	cr_assert_eq(rmdir(dir), 0, "nothing left behind in the store");
}
