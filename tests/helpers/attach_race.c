/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helper for t_fault_attach.sh: a process that reacts to being attached.
 *   attach_race die          exit at once when a tracer attaches (TracerPid != 0), i.e. while
 *                            cids-hook's monitor is still attaching; exits by itself after 10 s
 *   attach_race threads N    N threads that exit as soon as a tracer attaches; the main thread
 *                            lives on for 1 s after that, then exits 0
 * Prints "ready" on stdout once every thread runs. Static, no libc surprises inside containers.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int traced(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "TracerPid:");
	return p && strtol(p + 10, NULL, 10) != 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Give up after 10 s, so that a failed attach fails the test instead of hanging it. */
static double end;

static void *thread_main(void *arg)
{
	(void)arg;
	while (!traced() && mono() < end)
		;
	return NULL; /* exits during the attach */
}

int main(int argc, char **argv)
{
	end = mono() + 10;

	if (argc >= 2 && strcmp(argv[1], "die") == 0) {
		printf("ready\n");
		fflush(stdout);
		while (!traced() && mono() < end)
			;
		_exit(0);
	}
	if (argc >= 3 && strcmp(argv[1], "threads") == 0) {
		int n = atoi(argv[2]);
		pthread_t *t = calloc((size_t)(n > 0 ? n : 1), sizeof(*t));

		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, thread_main, NULL) != 0)
				return 1;
		printf("ready\n");
		fflush(stdout);
		while (!traced() && mono() < end)
			usleep(1000);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		usleep(1000000);
		return 0;
	}
	fprintf(stderr, "usage: attach_race die | threads N\n");
	return 2;
}
