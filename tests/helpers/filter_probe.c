/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tenant stacking a seccomp filter of its own, for t_ptrace1_runc: filter_probe
 * Sets no_new_privs and installs a filter with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) that
 * returns USER_NOTIF for mkdir: under the ptrace backend's one-stop mode that would outrank cids's
 * TRACE and let the tenant answer its own calls unseen. Prints "filter rc=R errno=E" and exits 0.
 * Static, so it runs inside a bare busybox container.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	long r;

	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	printf("filter rc=%ld errno=%d\n", r < 0 ? -1L : 0L, r < 0 ? errno : 0);
	return 0;
}
