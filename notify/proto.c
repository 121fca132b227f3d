/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's "container process state" that comes with a seccomp listener fd. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cids/util.h"
#include "cids/json.h"
#include "notify.h"

static int get_pid(struct json_object *o, const char *key, pid_t *ret)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	n = json_object_get_int64(v);
	if (n <= 0 || n > 0x3fffffff)
		return -EINVAL;
	*ret = (pid_t)n;
	return 0;
}

static int get_str(struct json_object *o, const char *key, char *out, size_t outlen)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	if (strlen(s) >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int notify_parse_state(const char *text, size_t len, struct notify_peer_msg *m, char *why,
		       size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct json_object *fds, *state, *f0;
	int r;

	r = cids_json_parse_object(text, len, NOTIFY_STATE_MAX, "container process state", &root,
				   why, whylen);
	if (r < 0)
		return r;
	if (!json_object_object_get_ex(root, "fds", &fds) ||
	    !json_object_is_type(fds, json_type_array) || json_object_array_length(fds) < 1)
		return why_err(why, whylen, -EINVAL, "\"fds\" must be a non-empty array");
	f0 = json_object_array_get_idx(fds, 0);
	if (!json_object_is_type(f0, json_type_string) ||
	    strcmp(json_object_get_string(f0), "seccompFd") != 0)
		return why_err(why, whylen, -EINVAL, "\"fds[0]\" is not \"seccompFd\"");
	if (get_pid(root, "pid", &m->pid) < 0)
		m->pid = 0; /* crun 1.8 sends 0 for an exec'd process */
	if (!json_object_object_get_ex(root, "state", &state) ||
	    !json_object_is_type(state, json_type_object))
		return why_err(why, whylen, -EINVAL, "\"state\" must be an object");
	if (get_str(state, "id", m->id, sizeof(m->id)) < 0 || !m->id[0])
		return why_err(why, whylen, -EINVAL, "\"state.id\" must be a string of 1..1023");
	if (get_str(state, "status", m->status, sizeof(m->status)) < 0)
		m->status[0] = '\0';
	if (get_pid(state, "pid", &m->init_pid) < 0)
		/* crun may leave it out at create (then the process is the init) */
		m->init_pid = strcmp(m->status, "running") == 0 ? 0 : m->pid;
	/* crun 1.8's exec sends neither: the listener itself is what counts */
	return 0;
}
