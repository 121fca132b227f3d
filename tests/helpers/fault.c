/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault [segv|ill|fpe]: prints "faulting", then takes a synchronous fault (default segv): a
 * store through a null pointer, ud2, or an integer division by zero. With no handler the
 * kernel forces the signal and the process dies of it, even as a pid namespace's init.
 * Static, for tests/integration/t_init_fault.sh.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "segv";
	volatile int seven = 7, zero = 0, *null = NULL;

	printf("faulting\n");
	fflush(stdout);
	if (strcmp(how, "ill") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(how, "fpe") == 0)
		printf("%d\n", seven / zero);
	else
		*null = 1;
	printf("still alive\n");
	return 0;
}
