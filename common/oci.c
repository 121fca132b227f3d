/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI state (the hook's stdin) and the bundle's config.json. Both come from outside: sizes are
 * capped, types checked, every error names the field.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/log.h"
#include "cids/oci.h"
#include "cids/util.h"
#include "cids/json.h"

#define ANN_MODE    "io.cids.mode"
#define ANN_PROFILE "io.cids.profile"

/* Copy a JSON string into dst (cap dstlen - 1 bytes); -E2BIG if longer, -EINVAL if NUL inside. */
static int copy_json_str(struct json_object *v, char *dst, size_t dstlen)
{
	const char *s = json_object_get_string(v);
	size_t l = (size_t)json_object_get_string_len(v);

	if (strlen(s) != l)
		return -EINVAL;
	if (l >= dstlen)
		return -E2BIG;
	memcpy(dst, s, l + 1);
	return 0;
}

static int get_str_field(struct json_object *o, const char *what, const char *key, bool required,
			 char *dst, size_t dstlen, char *why, size_t whylen)
{
	struct json_object *v;
	int r;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return why_err(why, whylen, -EINVAL, "%s: \"%s\" is missing", what, key);
		dst[0] = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return why_err(why, whylen, -EINVAL, "%s: \"%s\" must be a string", what, key);
	r = copy_json_str(v, dst, dstlen);
	if (r == -E2BIG)
		return why_err(why, whylen, r, "%s: \"%s\" is longer than %zu bytes", what, key,
			       dstlen - 1);
	if (r < 0)
		return why_err(why, whylen, r, "%s: \"%s\" contains a NUL byte", what, key);
	return 0;
}

/*
 * A tenant's choice of mode or profile key must not stop its container from starting: an
 * overlong key is hashed into a valid one (key_sanitize), an overlong mode becomes one the
 * hook reports as unknown. Either way the host's on_error policy is not bypassed.
 */
static void copy_tenant_choice(const char *s, size_t l, bool is_key, char *dst, size_t dstlen)
{
	if (l < dstlen) {
		memcpy(dst, s, l + 1);
		return;
	}
	if (!is_key || key_sanitize(s, dst, dstlen) < 0)
		snprintf(dst, dstlen, "%s", "(overlong)");
}

/* io.cids.* annotations; other annotations are not looked at. */
static int get_cids_annotations(struct json_object *root, const char *what, char *mode,
				size_t modelen, char *profile, size_t proflen, char *why,
				size_t whylen)
{
	struct json_object *ann;
	const struct {
		const char *name;
		char *dst;
		size_t len;
		bool is_key;
	} fields[] = {
		{ANN_MODE, mode, modelen, false},
		{ANN_PROFILE, profile, proflen, true},
	};

	mode[0] = profile[0] = 0;
	if (!json_object_object_get_ex(root, "annotations", &ann) ||
	    json_object_is_type(ann, json_type_null))
		return 0;
	if (!json_object_is_type(ann, json_type_object))
		return why_err(why, whylen, -EINVAL, "%s: \"annotations\" must be an object", what);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		struct json_object *v;
		const char *str;
		size_t l;

		if (!json_object_object_get_ex(ann, fields[i].name, &v) ||
		    json_object_is_type(v, json_type_null))
			continue;
		if (!json_object_is_type(v, json_type_string))
			return why_err(why, whylen, -EINVAL, "%s: \"%s\" must be a string", what,
				       fields[i].name);
		str = json_object_get_string(v);
		l = (size_t)json_object_get_string_len(v);
		if (strlen(str) != l)
			return why_err(why, whylen, -EINVAL, "%s: \"%s\" contains a NUL byte", what,
				       fields[i].name);
		copy_tenant_choice(str, l, fields[i].is_key, fields[i].dst, fields[i].len);
	}
	return 0;
}

int oci_state_parse(const char *text, size_t len, struct oci_state *s, char *why, size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	struct oci_state tmp;
	struct json_object *v;
	char ver[64];
	int r;

	if (why && whylen)
		why[0] = 0;
	r = cids_json_parse_object(text, len, OCI_STATE_MAX, "OCI state", &root, why, whylen);
	if (r < 0)
		return r;

	memset(&tmp, 0, sizeof(tmp));
	r = get_str_field(root, "OCI state", "ociVersion", true, ver, sizeof(ver), why, whylen);
	if (r < 0)
		return r;
	r = get_str_field(root, "OCI state", "id", true, tmp.id, sizeof(tmp.id), why, whylen);
	if (r < 0)
		return r;
	if (!tmp.id[0])
		return why_err(why, whylen, -EINVAL, "OCI state: \"id\" must not be empty");
	r = get_str_field(root, "OCI state", "status", true, tmp.status, sizeof(tmp.status), why,
			  whylen);
	if (r < 0)
		return r;

	if (json_object_object_get_ex(root, "pid", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t pid;

		if (!json_object_is_type(v, json_type_int))
			return why_err(why, whylen, -EINVAL,
				       "OCI state: \"pid\" must be a positive integer");
		pid = json_object_get_int64(v);
		if (pid <= 0 || pid > INT_MAX)
			return why_err(why, whylen, -EINVAL,
				       "OCI state: \"pid\" must be a positive integer");
		tmp.pid = (pid_t)pid;
	} else if (strcmp(tmp.status, "stopped") != 0) {
		/* Only a stopped container has no process. */
		return why_err(why, whylen, -EINVAL,
			       "OCI state: \"pid\" is missing (status \"%.31s\" needs one)",
			       tmp.status);
	}

	r = get_str_field(root, "OCI state", "bundle", true, tmp.bundle, sizeof(tmp.bundle), why,
			  whylen);
	if (r < 0)
		return r;
	if (tmp.bundle[0] != '/')
		return why_err(why, whylen, -EINVAL,
			       "OCI state: \"bundle\" must be an absolute path");

	r = get_cids_annotations(root, "OCI state", tmp.ann_mode, sizeof(tmp.ann_mode),
				 tmp.ann_profile, sizeof(tmp.ann_profile), why, whylen);
	if (r < 0)
		return r;
	*s = tmp;
	return 0;
}

/* --- bundle config.json --- */

/* Growing text buffer for the key material. */
struct mbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void mb_freep(struct mbuf *b)
{
	free(b->p);
}

static void mb_add(struct mbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = MAX(b->cap * 2, b->len + n + 1);
		char *np;

		if (ncap < 256)
			ncap = 256;
		np = realloc(b->p, ncap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void mb_puts(struct mbuf *b, const char *s)
{
	mb_add(b, s, strlen(s));
}

/* Append a length-prefixed field so no two different inputs give the same material. */
static void mb_field(struct mbuf *b, const char *tag, const char *s, size_t n)
{
	char hdr[64];

	snprintf(hdr, sizeof(hdr), "%s:%zu:", tag, n);
	mb_puts(b, hdr);
	mb_add(b, s, n);
	mb_add(b, "\n", 1);
}

/*
 * Environment entries that differ between two runs of one workload and so stay out of the key:
 * Docker sets HOSTNAME to the container id, -t adds TERM, and CIDS_* only steers cids itself.
 */
static bool env_per_container(const char *e, size_t n)
{
	static const char *const names[] = {"HOSTNAME=", "TERM=", "CIDS_"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t l = strlen(names[i]);
		if (n >= l && memcmp(e, names[i], l) == 0)
			return true;
	}
	return false;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define OCI_MAX_ARGS 4096
#define OCI_MAX_ENV  4096

static const char *const image_annotations[] = {
	"org.opencontainers.image.ref.name",
	"io.kubernetes.cri.image-name",
	"io.kubernetes.cri-o.ImageName",
	"org.opencontainers.image.base.name",
	"io.cids.image",
};

/*
 * Kubernetes pods: the annotations the CRI runtime adds to every container of a pod (set by
 * containerd's or CRI-O's CRI server from what kubelet asks, not by the pod's own annotations,
 * which the runtimes copy only when a runtime handler allows them). Pod names are left out on
 * purpose: a Deployment's replicas get generated names, and keying on them would give every
 * replica, and every rescheduled pod, its own profile.
 */
static const char *const k8s_namespace_annotations[] = {
	"io.kubernetes.cri.sandbox-namespace", /* containerd */
	"io.kubernetes.pod.namespace",	       /* CRI-O */
};
static const char *const k8s_container_annotations[] = {
	"io.kubernetes.cri.container-name",
	"io.kubernetes.container.name",
};
static const char *const k8s_type_annotations[] = {
	"io.kubernetes.cri.container-type", /* "sandbox" or "container" */
	"io.kubernetes.cri-o.ContainerType",
};

#define K8S_NAME_KEEP 40 /* characters of the namespace and container name kept in a key */

static const char *ann_first(struct json_object *ann, const char *const *names, size_t n)
{
	struct json_object *v;

	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(ann, names[i], &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v) &&
		    json_object_get_string_len(v) > 0)
			return json_object_get_string(v);
	return NULL;
}

/* Append up to K8S_NAME_KEEP characters of s to a key, anything outside [A-Za-z0-9_-] as '_'. */
static void k8s_key_part(char *key, size_t keylen, const char *s)
{
	size_t o = strlen(key);

	for (size_t i = 0; i < K8S_NAME_KEEP && s[i] && o + 1 < keylen; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		key[o++] = ok ? c : '_';
	}
	key[o] = '\0';
}

/* The key prefix of a pod's container ("k8s.<namespace>.<container>", or "k8s-sandbox" for
 * the pod's sandbox) and the fields it adds to the key material; false when not a pod. */
static bool k8s_workload(struct json_object *ann, struct oci_workload *tmp, struct mbuf *mb)
{
	const char *ns, *name, *type;

	if (!ann || !json_object_is_type(ann, json_type_object))
		return false;
	ns = ann_first(ann, k8s_namespace_annotations, ARRAY_SIZE(k8s_namespace_annotations));
	if (!ns)
		return false;
	type = ann_first(ann, k8s_type_annotations, ARRAY_SIZE(k8s_type_annotations));
	name = ann_first(ann, k8s_container_annotations, ARRAY_SIZE(k8s_container_annotations));
	if (type && strcmp(type, "sandbox") == 0) {
		/* every pod's sandbox (pause) container does the same: one profile for all */
		snprintf(tmp->key_prefix, sizeof(tmp->key_prefix), "k8s-sandbox");
		mb_field(mb, "k8s-sandbox", "", 0);
		return true;
	}
	if (!name)
		return false;
	snprintf(tmp->key_prefix, sizeof(tmp->key_prefix), "k8s.");
	k8s_key_part(tmp->key_prefix, sizeof(tmp->key_prefix), ns);
	snprintf(tmp->key_prefix + strlen(tmp->key_prefix),
		 sizeof(tmp->key_prefix) - strlen(tmp->key_prefix), ".");
	k8s_key_part(tmp->key_prefix, sizeof(tmp->key_prefix), name);
	/* the full names, so that two long names cut to the same prefix still differ */
	mb_field(mb, "k8s-namespace", ns, strlen(ns));
	mb_field(mb, "k8s-container", name, strlen(name));
	return true;
}

/* process.args into the key material. */
static int workload_args(struct json_object *proc, struct mbuf *mb, char *why, size_t whylen)
{
	struct json_object *v;
	size_t n;

	if (!proc || !json_object_object_get_ex(proc, "args", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return why_err(why, whylen, -EINVAL,
			       "config.json: \"process.args\" must be an array of strings");
	n = json_object_array_length(v);
	if (n > OCI_MAX_ARGS)
		return why_err(why, whylen, -E2BIG,
			       "config.json: \"process.args\" has more than %d entries",
			       OCI_MAX_ARGS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string))
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"process.args\" must be an array of "
				       "strings");
		mb_field(mb, "arg", json_object_get_string(a),
			 (size_t)json_object_get_string_len(a));
	}
	return 0;
}

/* process.env: a tenant's CIDS_MODE and CIDS_PROFILE into tmp; into the key material, sorted,
 * what does not change per container (none of it for a pod). */
static int workload_env(struct json_object *proc, bool k8s, struct oci_workload *tmp,
			struct mbuf *mb, char *why, size_t whylen)
{
	_cleanup_free_ const char **envs = NULL;
	struct json_object *v;
	size_t n, nenv = 0;

	if (!proc || !json_object_object_get_ex(proc, "env", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return why_err(why, whylen, -EINVAL,
			       "config.json: \"process.env\" must be an array of strings");
	n = json_object_array_length(v);
	if (n > OCI_MAX_ENV)
		return why_err(why, whylen, -E2BIG,
			       "config.json: \"process.env\" has more than %d entries",
			       OCI_MAX_ENV);
	envs = calloc(n + 1, sizeof(*envs));
	if (!envs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s;
		size_t l;

		if (!json_object_is_type(e, json_type_string))
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"process.env\" must be an array of strings");
		s = json_object_get_string(e);
		l = (size_t)json_object_get_string_len(e);
		if (strlen(s) != l)
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"process.env\" entry contains a NUL byte");
		/* Later entries win, as in execve's getenv; take the last one. */
		if (l >= 10 && memcmp(s, "CIDS_MODE=", 10) == 0)
			copy_tenant_choice(s + 10, l - 10, false, tmp->env_mode,
					   sizeof(tmp->env_mode));
		if (l >= 13 && memcmp(s, "CIDS_PROFILE=", 13) == 0)
			copy_tenant_choice(s + 13, l - 13, true, tmp->env_profile,
					   sizeof(tmp->env_profile));
		/* A pod's environment holds kubelet's service links (FOO_SERVICE_HOST...),
		 * which change whenever a service of the namespace comes or goes. */
		if (!k8s && !env_per_container(s, l))
			envs[nenv++] = s;
	}
	/* Order does not change what runs; sort so it does not change the key either. */
	qsort(envs, nenv, sizeof(*envs), cmp_strp);
	for (size_t i = 0; i < nenv; i++)
		mb_field(mb, "env", envs[i], strlen(envs[i]));
	return 0;
}

/* image_hint: image identity found outside config.json (Docker), or NULL. Fills the zeroed
 * scratch structure tmp (the caller copies it out on success). */
static int workload_from_json(struct json_object *root, const char *image_hint,
			      struct oci_workload *tmp, char *why, size_t whylen)
{
	struct json_object *proc = NULL, *v, *ann;
	_cleanup_(mb_freep) struct mbuf mb = {0};
	bool k8s;
	int r;

	if (json_object_object_get_ex(root, "process", &proc) &&
	    !json_object_is_type(proc, json_type_null)) {
		if (!json_object_is_type(proc, json_type_object))
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"process\" must be an object");
	} else {
		proc = NULL;
	}

	/* Image identity first, when the engine tells us. */
	if (json_object_object_get_ex(root, "annotations", &ann) &&
	    json_object_is_type(ann, json_type_object)) {
		for (size_t i = 0; i < ARRAY_SIZE(image_annotations) && !tmp->image[0]; i++) {
			if (json_object_object_get_ex(ann, image_annotations[i], &v) &&
			    json_object_is_type(v, json_type_string)) {
				r = copy_json_str(v, tmp->image, sizeof(tmp->image));
				if (r < 0)
					return why_err(
						why, whylen, -EINVAL,
						"config.json: annotation \"%s\" is too long or "
						"contains NUL",
						image_annotations[i]);
			}
		}
	}
	if (!tmp->image[0] && image_hint)
		snprintf(tmp->image, sizeof(tmp->image), "%s", image_hint);
	r = get_cids_annotations(root, "config.json", tmp->ann_mode, sizeof(tmp->ann_mode),
				 tmp->ann_profile, sizeof(tmp->ann_profile), why, whylen);
	if (r < 0)
		return r;
	k8s = k8s_workload(json_object_object_get_ex(root, "annotations", &ann) ? ann : NULL, tmp,
			   &mb);
	if (tmp->image[0])
		mb_field(&mb, "image", tmp->image, strlen(tmp->image));

	r = workload_args(proc, &mb, why, whylen);
	if (r < 0)
		return r;
	if (proc && json_object_object_get_ex(proc, "cwd", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string))
			return why_err(why, whylen, -EINVAL,
				       "config.json: \"process.cwd\" must be a string");
		mb_field(&mb, "cwd", json_object_get_string(v),
			 (size_t)json_object_get_string_len(v));
	}
	r = workload_env(proc, k8s, tmp, &mb, why, whylen);
	if (r < 0)
		return r;
	if (proc && json_object_object_get_ex(proc, "user", &v) &&
	    json_object_is_type(v, json_type_object)) {
		struct json_object *u;
		char buf[64];
		int64_t uid = 0, gid = 0;

		if (json_object_object_get_ex(v, "uid", &u) &&
		    json_object_is_type(u, json_type_int))
			uid = json_object_get_int64(u);
		if (json_object_object_get_ex(v, "gid", &u) &&
		    json_object_is_type(u, json_type_int))
			gid = json_object_get_int64(u);
		snprintf(buf, sizeof(buf), "%lld:%lld", (long long)uid, (long long)gid);
		mb_field(&mb, "user", buf, strlen(buf));
	}
	if (mb.err)
		return mb.err;
	if (!mb.p) {
		tmp->key_material[0] = 0;
	} else if (mb.len < sizeof(tmp->key_material)) {
		memcpy(tmp->key_material, mb.p, mb.len + 1);
	} else {
		/* Keep a readable head and a hash of the whole material. */
		size_t keep = sizeof(tmp->key_material) - 32;

		memcpy(tmp->key_material, mb.p, keep);
		snprintf(tmp->key_material + keep, sizeof(tmp->key_material) - keep, "\n#%016llx",
			 (unsigned long long)hash64(mb.p, mb.len));
	}
	return 0;
}

static int workload_from_json_out(struct json_object *root, const char *image_hint,
				  struct oci_workload *w, char *why, size_t whylen)
{
	struct oci_workload *tmp = calloc(1, sizeof(*tmp));
	int r;

	if (!tmp)
		return -ENOMEM;
	r = workload_from_json(root, image_hint, tmp, why, whylen);
	tmp->all_traced = oci_seccomp_all_traced(root);
	if (r >= 0)
		*w = *tmp;
	free(tmp);
	return r;
}

int oci_workload_parse(const char *text, size_t len, struct oci_workload *w, char *why,
		       size_t whylen)
{
	_cleanup_json_ struct json_object *root = NULL;
	int r;

	if (why && whylen)
		why[0] = 0;
	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	return workload_from_json_out(root, NULL, w, why, whylen);
}

/* Read a small regular file relative to dfd without following a symlink at the last step. */
static int read_at(int dfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uintmax_t)st.st_size > max)
		return -E2BIG;
	return read_full_fd(fd, max, ret, ret_len);
}

/*
 * Docker (20.10) puts no image into config.json. Its /etc/hostname bind mount comes from
 * <data-root>/containers/<id>/hostname, beside the container's config.v2.json, whose "Image"
 * is the content-addressed image id ("sha256:<64 hex>"). Use that as the image identity, so two
 * images running the same command do not share a profile. Best effort: any doubt, no hint.
 */
static void docker_image_hint(struct json_object *root, char *out, size_t outlen)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_free_ char *text = NULL, *dir = NULL;
	_cleanup_json_ struct json_object *cfg = NULL;
	struct json_object *mounts, *img;
	const char *src = NULL, *id;
	size_t n, len = 0;
	char *slash;

	out[0] = 0;
	if (!json_object_object_get_ex(root, "mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return;
	n = json_object_array_length(mounts);
	for (size_t i = 0; i < n && i < 4096; i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i), *d, *s;

		if (json_object_object_get_ex(m, "destination", &d) &&
		    json_object_is_type(d, json_type_string) &&
		    strcmp(json_object_get_string(d), "/etc/hostname") == 0 &&
		    json_object_object_get_ex(m, "source", &s) &&
		    json_object_is_type(s, json_type_string)) {
			src = json_object_get_string(s);
			break;
		}
	}
	if (!src || src[0] != '/' || strlen(src) >= CIDS_PATH_MAX)
		return;
	dir = strdup(src);
	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (!slash || strcmp(slash, "/hostname") != 0)
		return;
	*slash = 0;
	/* .../containers/<64 hex> */
	slash = strrchr(dir, '/');
	if (!slash || strlen(slash + 1) != 64 || strspn(slash + 1, "0123456789abcdef") != 64 ||
	    slash - dir < 11 || strncmp(slash - 11, "/containers", 11) != 0)
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	if (read_at(dfd, "config.v2.json", OCI_CONFIG_MAX, &text, &len) < 0)
		return;
	if (cids_json_parse(text, len, "config.v2.json", &cfg, NULL, 0) < 0)
		return;
	if (!json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(cfg, "Image", &img) ||
	    !json_object_is_type(img, json_type_string))
		return;
	id = json_object_get_string(img);
	if (strlen(id) != 71 || strncmp(id, "sha256:", 7) != 0 ||
	    strspn(id + 7, "0123456789abcdef") != 64)
		return;
	snprintf(out, outlen, "docker-image:%s", id);
}

int oci_bundle_workload(const char *bundle, struct oci_workload *w, char *why, size_t whylen)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	char hint[128];
	struct stat st;
	size_t len;
	int r;

	if (why && whylen)
		why[0] = 0;
	if (!bundle || bundle[0] != '/')
		return why_err(why, whylen, -EINVAL, "bundle path must be absolute");
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return why_err(why, whylen, -errno, "bundle \"%.200s\": %s", bundle,
			       strerror(errno));
	fd = openat(dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return why_err(why, whylen, -errno, "bundle \"%.200s\": config.json: %s", bundle,
			       strerror(errno));
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return why_err(why, whylen, -EINVAL,
			       "bundle \"%.200s\": config.json is not a regular file", bundle);
	if ((uintmax_t)st.st_size > OCI_CONFIG_MAX)
		return why_err(why, whylen, -E2BIG,
			       "bundle \"%.200s\": config.json is larger than %u bytes", bundle,
			       OCI_CONFIG_MAX);
	r = read_full_fd(fd, OCI_CONFIG_MAX, &text, &len);
	if (r < 0)
		return why_err(why, whylen, r, "bundle \"%.200s\": config.json: %s", bundle,
			       strerror(-r));
	r = cids_json_parse_object(text, len, OCI_CONFIG_MAX, "config.json", &root, why, whylen);
	if (r < 0)
		return r;
	docker_image_hint(root, hint, sizeof(hint));
	return workload_from_json_out(root, hint[0] ? hint : NULL, w, why, whylen);
}

void oci_workload_key(const struct oci_workload *w, char *out, size_t outlen)
{
	char hex[24];

	key_derive(w->key_material, out, outlen);
	if (!w->key_prefix[0] || outlen < 24)
		return;
	/* a pod's container: "<prefix>.<16 hex>" (the prefix is at most 85 characters) */
	snprintf(hex, sizeof(hex), "%.16s", out + 2);
	snprintf(out, outlen, "%.*s.%s", (int)(outlen - 18), w->key_prefix, hex);
}
