/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The syscall alphabet: names per architecture through libseccomp. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "cids/engine.h"

Test(alphabet, x86_64_names)
{
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_X86_64, 0), "read");
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_X86_64, 59), "execve");
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_X86_64, 257), "openat");
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "openat"), 257);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "read"), 0);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "clone3"), 435);
}

/* ADFA-LD is i386: 11 is execve there, 5 is open. */
Test(alphabet, i386_names)
{
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_I386, 11), "execve");
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_I386, 5), "open");
	cr_expect_str_eq(cids_sys_name(CIDS_ARCH_I386, 3), "read");
	cr_expect_eq(cids_sys_number(CIDS_ARCH_I386, "execve"), 11);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_I386, "socketcall"), 102);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "socketcall"), -ENOENT);
}

Test(alphabet, every_name_maps_back)
{
	for (int arch = CIDS_ARCH_X86_64; arch <= CIDS_ARCH_I386; arch++) {
		unsigned named = 0;
		for (int nr = 0; nr < CIDS_SYM_OTHER; nr++) {
			const char *n = cids_sys_name(arch, nr);
			if (!n)
				continue;
			named++;
			cr_expect_eq(cids_sys_number(arch, n), nr, "%s %d", n, nr);
		}
		cr_expect_gt(named, 300, "arch %d has %u names", arch, named);
	}
}

Test(alphabet, unknown_and_sys_nr)
{
	cr_expect_null(cids_sys_name(CIDS_ARCH_X86_64, -1));
	cr_expect_null(cids_sys_name(CIDS_ARCH_X86_64, CIDS_SYM_OTHER));
	cr_expect_null(cids_sys_name(CIDS_ARCH_X86_64, 100000));
	cr_expect_null(cids_sys_name(CIDS_ARCH_NONE, 3));
	cr_expect_null(cids_sys_name(7, 3));
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "no_such_call"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, ""), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, NULL), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "read"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "sys_42"), 42);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "sys_0"), 0);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_I386, "sys_600"), 600);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "sys_"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "sys_-1"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "sys_1x"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_NONE, "sys_9999999999"), -ENOENT);
	cr_expect_eq(cids_sys_number(CIDS_ARCH_X86_64, "READ"), -ENOENT);
}

Test(alphabet, arch_and_algo_names)
{
	cr_expect_str_eq(cids_arch_name(CIDS_ARCH_X86_64), "x86_64");
	cr_expect_str_eq(cids_arch_name(CIDS_ARCH_I386), "i386");
	cr_expect_str_eq(cids_arch_name(CIDS_ARCH_NONE), "none");
	cr_expect_null(cids_arch_name(3));
	cr_expect_eq(cids_arch_from_name("i386"), CIDS_ARCH_I386);
	cr_expect_eq(cids_arch_from_name("none"), CIDS_ARCH_NONE);
	cr_expect_eq(cids_arch_from_name("arm64"), -EINVAL);
	cr_expect_eq(cids_arch_from_name(NULL), -EINVAL);
	cr_expect_str_eq(cids_algo_name(CIDS_ALGO_STIDE), "stide");
	cr_expect_str_eq(cids_algo_name(CIDS_ALGO_BOSC), "bosc");
	cr_expect_null(cids_algo_name(2));
	cr_expect_eq(cids_algo_from_name("bosc"), CIDS_ALGO_BOSC);
	cr_expect_eq(cids_algo_from_name("STIDE"), -EINVAL);
}

static void *resolve(void *arg)
{
	(void)arg;
	for (int nr = 0; nr < CIDS_SYM_OTHER; nr++)
		cids_sys_name(CIDS_ARCH_X86_64, nr);
	return (void *)(intptr_t)cids_sys_number(CIDS_ARCH_X86_64, "openat");
}

/* The tables are filled once even when threads race to the first lookup. */
Test(alphabet, first_use_from_threads)
{
	pthread_t t[4];
	void *r;

	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, resolve, NULL), 0);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &r), 0);
		cr_expect_eq((intptr_t)r, 257);
	}
}
