/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cids/oci.h"
#include "cids/util.h"

static char why[512];

static int st(const char *s, struct oci_state *o)
{
	why[0] = 0;
	return oci_state_parse(s, strlen(s), o, why, sizeof(why));
}

static int wl(const char *s, struct oci_workload *w)
{
	why[0] = 0;
	return oci_workload_parse(s, strlen(s), w, why, sizeof(why));
}

Test(oci, state_ok)
{
	struct oci_state s;
	const char *j = "{\"ociVersion\":\"1.0.2\",\"id\":\"abc\",\"status\":\"creating\","
			"\"pid\":1234,\"bundle\":\"/run/b\",\"annotations\":{\"io.cids.mode\":"
			"\"enforce\",\"io.cids.profile\":\"web\",\"other\":\"x\"}}";
	cr_assert_eq(st(j, &s), 0, "%s", why);
	cr_assert_str_eq(s.id, "abc");
	cr_assert_str_eq(s.status, "creating");
	cr_assert_eq(s.pid, 1234);
	cr_assert_str_eq(s.bundle, "/run/b");
	cr_assert_str_eq(s.ann_mode, "enforce");
	cr_assert_str_eq(s.ann_profile, "web");
}

Test(oci, state_without_annotations)
{
	struct oci_state s;
	cr_assert_eq(st("{\"ociVersion\":\"1.0.0\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,"
			"\"bundle\":\"/b\"}",
			&s),
		     0, "%s", why);
	cr_assert_str_eq(s.ann_mode, "");
	cr_assert_str_eq(s.ann_profile, "");
}

static void state_bad(const char *j, const char *needle)
{
	struct oci_state s;
	memset(&s, 0x5a, sizeof(s));
	cr_assert_lt(st(j, &s), 0, "accepted %s", j);
	cr_assert_not_null(strstr(why, needle), "error \"%s\" for %s lacks \"%s\"", why, j, needle);
	cr_assert_eq(((unsigned char *)&s)[0], 0x5a, "output written on failure");
}

Test(oci, state_bad_inputs)
{
	const char *base_tail = ",\"bundle\":\"/b\"}";
	char buf[512];
	state_bad("", "invalid JSON");
	state_bad("{", "invalid JSON");
	state_bad("[]", "must be a JSON object");
	state_bad("{\"id\":\"a\",\"status\":\"created\",\"pid\":1,\"bundle\":\"/b\"}",
		  "ociVersion");
	state_bad("{\"ociVersion\":\"1\",\"status\":\"created\",\"pid\":1,\"bundle\":\"/b\"}",
		  "\"id\" is missing");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"\",\"status\":\"created\",\"pid\":1,"
		  "\"bundle\":\"/b\"}",
		  "\"id\" must not be empty");
	state_bad("{\"ociVersion\":\"1\",\"id\":5,\"status\":\"created\",\"pid\":1,\"bundle\":\"/"
		  "b\"}",
		  "\"id\" must be a string");
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
		 "\"pid\":0%s",
		 base_tail);
	state_bad(buf, "OCI state: \"pid\" must be a positive integer");
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
		 "\"pid\":-5%s",
		 base_tail);
	state_bad(buf, "\"pid\" must be a positive integer");
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
		 "\"pid\":\"12\"%s",
		 base_tail);
	state_bad(buf, "\"pid\" must be a positive integer");
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
		 "\"pid\":1.5%s",
		 base_tail);
	state_bad(buf, "\"pid\" must be a positive integer");
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
		 "\"pid\":4294967297%s",
		 base_tail);
	state_bad(buf, "\"pid\" must be a positive integer");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\",\"bundle\":\"/b\"}",
		  "\"pid\" is missing");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,"
		  "\"bundle\":\"rel\"}",
		  "\"bundle\" must be an absolute path");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,"
		  "\"bundle\":\"/b\",\"annotations\":[]}",
		  "\"annotations\" must be an object");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,"
		  "\"bundle\":\"/b\",\"annotations\":{\"io.cids.mode\":1}}",
		  "\"io.cids.mode\" must be a string");
	state_bad("{\"ociVersion\":\"1\",\"id\":\"a\\u0000b\",\"status\":\"created\",\"pid\":1,"
		  "\"bundle\":\"/b\"}",
		  "NUL");
}

/* A tenant's overlong choice must not stop its container: the hook sees an unknown mode (and
 * warns) and a key hashed into a valid one. */
Test(oci, state_overlong_tenant_choices)
{
	char text[1024], longkey[301];
	struct oci_state st;

	memset(longkey, 'L', 300);
	longkey[300] = 0;
	snprintf(text, sizeof(text),
		 "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\",\"pid\":1,"
		 "\"bundle\":\"/b\",\"annotations\":{\"io.cids.mode\":\"enforce-everything-"
		 "forever-and-ever\",\"io.cids.profile\":\"%s\"}}",
		 longkey);
	cr_assert_eq(oci_state_parse(text, strlen(text), &st, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(st.ann_mode, "(overlong)");
	cr_assert(key_is_valid(st.ann_profile), "hashed key \"%s\" is valid", st.ann_profile);
	cr_assert_lt(strlen(st.ann_profile), 129);
	cr_assert_eq(strncmp(st.ann_profile, "LLLL", 4), 0);
}

Test(oci, state_stopped_without_pid)
{
	struct oci_state s;
	cr_assert_eq(
		st("{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"stopped\",\"bundle\":\"/b\"}",
		   &s),
		0, "%s", why);
	cr_assert_eq(s.pid, 0);
}

Test(oci, state_caps)
{
	/* an id of OCI_ID_MAX bytes does not fit */
	size_t n = OCI_ID_MAX + 200;
	char *j = malloc(n);
	struct oci_state s;
	int o = snprintf(j, n,
			 "{\"ociVersion\":\"1\",\"status\":\"created\",\"pid\":1,"
			 "\"bundle\":\"/b\",\"id\":\"");
	memset(j + o, 'i', OCI_ID_MAX);
	strcpy(j + o + OCI_ID_MAX, "\"}");
	cr_assert_lt(st(j, &s), 0);
	cr_assert_not_null(strstr(why, "\"id\" is longer than"));
	free(j);

	/* over the input cap */
	n = OCI_STATE_MAX + 2;
	j = malloc(n);
	memset(j, ' ', n);
	cr_assert_eq(oci_state_parse(j, n, &s, why, sizeof(why)), -E2BIG);
	free(j);
}

Test(oci, workload_fields)
{
	struct oci_workload w;
	const char *j =
		"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"x\"],"
		"\"cwd\":\"/srv\",\"env\":[\"PATH=/bin\",\"CIDS_MODE=enforce\","
		"\"CIDS_PROFILE=web\"]},\"annotations\":{\"io.cids.mode\":\"detect\","
		"\"io.cids.profile\":\"api\",\"org.opencontainers.image.ref.name\":\"busybox\"}}";
	cr_assert_eq(wl(j, &w), 0, "%s", why);
	cr_assert_str_eq(w.env_mode, "enforce");
	cr_assert_str_eq(w.env_profile, "web");
	cr_assert_str_eq(w.ann_mode, "detect");
	cr_assert_str_eq(w.ann_profile, "api");
	cr_assert_str_eq(w.image, "busybox");
	cr_assert_not_null(strstr(w.key_material, "arg:2:sh\n"));
	cr_assert_not_null(strstr(w.key_material, "cwd:4:/srv\n"));
	cr_assert_not_null(strstr(w.key_material, "image:7:busybox\n"));
	cr_assert_null(strstr(w.key_material, "CIDS_"),
		       "cids' own settings must not change the key");
}

/* Two `docker run`s of one image and command: only per-container values differ. */
Test(oci, workload_key_ignores_per_container_values)
{
	struct oci_workload a, b, c;
	const char *ja = "{\"root\":{\"path\":\"/var/lib/docker/overlay2/aaa/merged\"},"
			 "\"hostname\":\"aaa\",\"process\":{\"args\":[\"top\"],\"cwd\":\"/\","
			 "\"env\":[\"PATH=/bin\",\"HOSTNAME=aaa\",\"TERM=xterm\"]},"
			 "\"mounts\":[{\"destination\":\"/etc/hostname\",\"source\":"
			 "\"/var/lib/docker/containers/aaa/hostname\"}]}";
	const char *jb = "{\"root\":{\"path\":\"/var/lib/docker/overlay2/bbb/merged\"},"
			 "\"hostname\":\"bbb\",\"process\":{\"args\":[\"top\"],\"cwd\":\"/\","
			 "\"env\":[\"HOSTNAME=bbb\",\"PATH=/bin\",\"CIDS_MODE=enforce\"]},"
			 "\"mounts\":[{\"destination\":\"/etc/hostname\",\"source\":"
			 "\"/var/lib/docker/containers/bbb/hostname\"}]}";
	const char *jc = "{\"process\":{\"args\":[\"top\",\"-b\"],\"cwd\":\"/\","
			 "\"env\":[\"PATH=/bin\"]}}";
	char ka[64], kb[64], kc[64];
	cr_assert_eq(wl(ja, &a), 0, "%s", why);
	cr_assert_eq(wl(jb, &b), 0, "%s", why);
	cr_assert_eq(wl(jc, &c), 0, "%s", why);
	key_derive(a.key_material, ka, sizeof(ka));
	key_derive(b.key_material, kb, sizeof(kb));
	key_derive(c.key_material, kc, sizeof(kc));
	cr_assert_str_eq(ka, kb, "%s\n---\n%s", a.key_material, b.key_material);
	cr_assert_str_neq(ka, kc);
}

Test(oci, workload_args_are_not_ambiguous)
{
	struct oci_workload a, b;
	cr_assert_eq(wl("{\"process\":{\"args\":[\"a b\"]}}", &a), 0);
	cr_assert_eq(wl("{\"process\":{\"args\":[\"a\",\"b\"]}}", &b), 0);
	cr_assert_str_neq(a.key_material, b.key_material);
	cr_assert_eq(wl("{\"process\":{\"args\":[\"a\\narg:1:b\"]}}", &a), 0);
	cr_assert_str_neq(a.key_material, b.key_material);
}

Test(oci, workload_bad_inputs)
{
	struct oci_workload w;
	const char *bad[] = {
		"",
		"nope",
		"[]",
		"{\"process\":[]}",
		"{\"process\":{\"args\":\"sh\"}}",
		"{\"process\":{\"args\":[1]}}",
		"{\"process\":{\"cwd\":5}}",
		"{\"process\":{\"env\":{}}}",
		"{\"process\":{\"env\":[null]}}",
		"{\"process\":{\"env\":[\"CIDS_PROFILE=a\\u0000b\"]}}",
		"{\"annotations\":{\"io.cids.profile\":7}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(wl(bad[i], &w), 0, "accepted %s", bad[i]);
		cr_assert_neq(why[0], 0);
	}
}

Test(oci, workload_long_material_is_hashed)
{
	/* 5000 args of 10 bytes: material far above 8 KiB, still distinct per input. */
	size_t n = 5000 * 16 + 100;
	char *j = malloc(n), *j2;
	struct oci_workload a, b;
	size_t o = (size_t)sprintf(j, "{\"process\":{\"args\":[");
	for (int i = 0; i < 4000; i++)
		o += (size_t)sprintf(j + o, "%s\"argument%02d\"", i ? "," : "", i % 100);
	strcpy(j + o, "]}}");
	j2 = strdup(j);
	j2[o - 2] = '7'; /* the last argument differs: "argument97" */
	cr_assert_eq(wl(j, &a), 0, "%s", why);
	cr_assert_eq(wl(j2, &b), 0, "%s", why);
	cr_assert_lt(strlen(a.key_material), sizeof(a.key_material));
	cr_assert_str_neq(a.key_material, b.key_material);
	free(j);
	free(j2);
}

Test(oci, workload_too_many_args)
{
	size_t n = 5000 * 4 + 100;
	char *j = malloc(n);
	struct oci_workload w;
	size_t o = (size_t)sprintf(j, "{\"process\":{\"args\":[");
	for (int i = 0; i < 4097; i++)
		o += (size_t)sprintf(j + o, "%s\"a\"", i ? "," : "");
	strcpy(j + o, "]}}");
	cr_assert_eq(wl(j, &w), -E2BIG);
	free(j);
}

Test(oci, bundle_reads_config_json)
{
	char dir[] = "/tmp/cids-test-oci.XXXXXX", path[256];
	struct oci_workload w;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_lt(oci_bundle_workload(dir, &w, why, sizeof(why)), 0);
	cr_assert_not_null(strstr(why, "config.json"));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	const char *j = "{\"process\":{\"args\":[\"sleep\",\"1\"]}}";
	cr_assert_eq(write_file_atomic(path, j, strlen(j), 0600), 0);
	cr_assert_eq(oci_bundle_workload(dir, &w, why, sizeof(why)), 0, "%s", why);
	cr_assert_not_null(strstr(w.key_material, "arg:5:sleep"));
	/* a symlinked config.json is refused */
	unlink(path);
	cr_assert_eq(symlink("/etc/passwd", path), 0);
	cr_assert_lt(oci_bundle_workload(dir, &w, why, sizeof(why)), 0);
	unlink(path);
	cr_assert_lt(oci_bundle_workload("relative", &w, why, sizeof(why)), 0);
	rmdir(dir);
}

/* Docker's /etc/hostname mount leads to config.v2.json and its image id. */
static void docker_layout(const char *root, const char *cid, const char *image, char *bundle,
			  size_t blen)
{
	char path[512], json[2048];
	snprintf(path, sizeof(path), "%s/data/containers/%s", root, cid);
	cr_assert_eq(mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/data/containers/%s/config.v2.json", root, cid);
	snprintf(json, sizeof(json), "{\"ID\":\"%s\",\"Image\":\"%s\"}", cid, image);
	cr_assert_eq(write_file_atomic(path, json, strlen(json), 0600), 0);
	snprintf(bundle, blen, "%s/bundle-%.8s", root, cid);
	cr_assert_eq(mkdir_p(bundle, 0700), 0);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	snprintf(json, sizeof(json),
		 "{\"process\":{\"args\":[\"top\"],\"env\":[\"HOSTNAME=%.12s\"]},\"mounts\":["
		 "{\"destination\":\"/etc/hostname\",\"source\":\"%s/data/containers/%s/"
		 "hostname\"}]}",
		 cid, root, cid);
	cr_assert_eq(write_file_atomic(path, json, strlen(json), 0600), 0);
}

Test(oci, docker_image_identity)
{
	char dir[] = "/tmp/cids-test-dk.XXXXXX", b1[512], b2[512], b3[512], b4[512];
	char c1[65], c2[65], c3[65], c4[65], k1[64], k2[64], k3[64], k4[64];
	const char *img1 =
		"sha256:1111111111111111111111111111111111111111111111111111111111111111";
	const char *img2 =
		"sha256:2222222222222222222222222222222222222222222222222222222222222222";
	struct oci_workload w;

	cr_assert_not_null(mkdtemp(dir));
	memset(c1, 'a', 64), memset(c2, 'b', 64), memset(c3, 'c', 64), memset(c4, 'd', 64);
	c1[64] = c2[64] = c3[64] = c4[64] = 0;
	docker_layout(dir, c1, img1, b1, sizeof(b1));
	docker_layout(dir, c2, img1, b2, sizeof(b2));
	docker_layout(dir, c3, img2, b3, sizeof(b3));
	docker_layout(dir, c4, "../../etc/passwd", b4, sizeof(b4));
	cr_assert_eq(oci_bundle_workload(b1, &w, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(w.image,
			 "docker-image:sha256:"
			 "1111111111111111111111111111111111111111111111111111111111111111");
	key_derive(w.key_material, k1, sizeof(k1));
	cr_assert_eq(oci_bundle_workload(b2, &w, why, sizeof(why)), 0, "%s", why);
	key_derive(w.key_material, k2, sizeof(k2));
	cr_assert_eq(oci_bundle_workload(b3, &w, why, sizeof(why)), 0, "%s", why);
	key_derive(w.key_material, k3, sizeof(k3));
	cr_assert_eq(oci_bundle_workload(b4, &w, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(w.image, "", "a malformed image id is not used");
	key_derive(w.key_material, k4, sizeof(k4));
	cr_assert_str_eq(k1, k2, "same image and command, different containers");
	cr_assert_str_neq(k1, k3, "different image, same command");
	cr_assert_str_neq(k1, k4);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* A pod's container under containerd's CRI: replicas (other pod names, other service-link
 * environment) share the prefix and the material; another image or container name does not. */
static void pod(char *buf, size_t len, const char *pod_name, const char *container,
		const char *image, const char *extra_env)
{
	snprintf(buf, len,
		 "{\"process\":{\"args\":[\"/bin/sh\",\"-c\",\"serve\"],\"cwd\":\"/\","
		 "\"env\":[\"PATH=/bin\",\"HOSTNAME=%s\"%s]},\"annotations\":{"
		 "\"io.kubernetes.cri.container-type\":\"container\","
		 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
		 "\"io.kubernetes.cri.sandbox-name\":\"%s\","
		 "\"io.kubernetes.cri.sandbox-id\":\"%s0123\","
		 "\"io.kubernetes.cri.container-name\":\"%s\","
		 "\"io.kubernetes.cri.image-name\":\"%s\"}}",
		 pod_name, extra_env, pod_name, pod_name, container, image);
}

Test(oci, k8s_pod_key_prefix_and_material)
{
	struct oci_workload a, b, c, d;
	char j[2048];

	pod(j, sizeof(j), "web-7d9c5-x2k4q", "nginx", "docker.io/library/nginx:1.25", "");
	cr_assert_eq(wl(j, &a), 0, "%s", why);
	pod(j, sizeof(j), "web-7d9c5-p9zzt", "nginx", "docker.io/library/nginx:1.25",
	    ",\"CART_SERVICE_HOST=10.0.0.7\"");
	cr_assert_eq(wl(j, &b), 0, "%s", why);
	cr_assert_str_eq(a.key_prefix, "k8s.shop.nginx");
	cr_assert_str_eq(a.image, "docker.io/library/nginx:1.25");
	cr_assert_str_eq(a.key_material, b.key_material, "replicas share the material");
	cr_assert_null(strstr(a.key_material, "web-7d9c5"), "no pod name in the material");
	cr_assert_not_null(strstr(a.key_material, "k8s-namespace:4:shop\n"));
	char ka[136], kb[136];
	oci_workload_key(&a, ka, sizeof(ka));
	oci_workload_key(&b, kb, sizeof(kb));
	cr_assert_str_eq(ka, kb);
	cr_assert_eq(strncmp(ka, "k8s.shop.nginx.", 15), 0, "%s", ka);
	cr_assert_eq(strlen(ka), 15 + 16);
	cr_assert(key_is_valid(ka));

	pod(j, sizeof(j), "web-7d9c5-x2k4q", "nginx", "docker.io/library/nginx:1.26", "");
	cr_assert_eq(wl(j, &c), 0, "%s", why);
	cr_assert_str_eq(c.key_prefix, "k8s.shop.nginx");
	cr_assert_str_neq(a.key_material, c.key_material, "a new image is a new key");
	pod(j, sizeof(j), "web-7d9c5-x2k4q", "sidecar", "docker.io/library/nginx:1.25", "");
	cr_assert_eq(wl(j, &d), 0, "%s", why);
	cr_assert_str_eq(d.key_prefix, "k8s.shop.sidecar");
	cr_assert_str_neq(a.key_material, d.key_material);
}

Test(oci, k8s_sandbox_and_cri_o_and_long_names)
{
	struct oci_workload w;
	char j[2048], ns[100];

	cr_assert_eq(wl("{\"process\":{\"args\":[\"/pause\"]},\"annotations\":{"
			"\"io.kubernetes.cri.container-type\":\"sandbox\","
			"\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
			"\"io.kubernetes.cri.sandbox-name\":\"web-7d9c5-x2k4q\"}}",
			&w),
		     0, "%s", why);
	cr_assert_str_eq(w.key_prefix, "k8s-sandbox");
	cr_assert_null(strstr(w.key_material, "shop"), "one sandbox profile for every pod");

	/* CRI-O's names */
	cr_assert_eq(wl("{\"process\":{\"args\":[\"app\"]},\"annotations\":{"
			"\"io.kubernetes.cri-o.ContainerType\":\"container\","
			"\"io.kubernetes.pod.namespace\":\"kube-system\","
			"\"io.kubernetes.container.name\":\"coredns\"}}",
			&w),
		     0, "%s", why);
	cr_assert_str_eq(w.key_prefix, "k8s.kube-system.coredns");

	/* 63-character names are cut to 40 each; odd characters become '_' */
	memset(ns, 'n', 63);
	ns[63] = '\0';
	snprintf(j, sizeof(j),
		 "{\"annotations\":{\"io.kubernetes.cri.sandbox-namespace\":\"%s\","
		 "\"io.kubernetes.cri.container-name\":\"a.b/c\"}}",
		 ns);
	cr_assert_eq(wl(j, &w), 0, "%s", why);
	cr_assert_eq(strlen(w.key_prefix), 4 + 40 + 1 + 5);
	cr_assert_str_eq(w.key_prefix + 44, ".a_b_c");
	cr_assert_not_null(strstr(w.key_material, ns), "the full name is hashed");

	/* not a pod: no namespace, or a container without a name */
	cr_assert_eq(wl("{\"annotations\":{\"io.kubernetes.cri.container-name\":\"x\"}}", &w), 0);
	cr_assert_str_eq(w.key_prefix, "");
	cr_assert_eq(wl("{\"annotations\":{\"io.kubernetes.cri.sandbox-namespace\":\"x\"}}", &w),
		     0);
	cr_assert_str_eq(w.key_prefix, "");
}
