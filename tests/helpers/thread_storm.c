/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stress helper (tests/stress/s_floods.sh, t_caps.sh): thread_storm SECONDS [PARALLEL [HOLD_MS]]
 * Creates and joins threads as fast as it can for SECONDS, PARALLEL (default 8) at a time, and
 * prints "threads=<created> seconds=<s> rate=<threads/s>". With HOLD_MS each thread lives that
 * long, so PARALLEL threads surely exist at once. Static, for busybox containers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned hold_us;

static void *work(void *arg)
{
	(void)arg;
	(void)getppid(); /* one syscall of its own */
	if (hold_us)
		usleep(hold_us);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5, t0 = mono(), t;
	int par = argc > 2 ? atoi(argv[2]) : 8;
	unsigned long created = 0;
	pthread_t th[256];

	if (par < 1 || par > 256)
		par = 8;
	if (argc > 3)
		hold_us = (unsigned)atoi(argv[3]) * 1000u;
	do {
		int n = 0;

		for (int i = 0; i < par; i++)
			if (pthread_create(&th[n], NULL, work, NULL) == 0)
				n++;
		for (int i = 0; i < n; i++)
			pthread_join(th[i], NULL);
		created += (unsigned long)n;
		t = mono() - t0;
	} while (t < secs);
	printf("threads=%lu seconds=%.2f rate=%.0f\n", created, t, (double)created / t);
	return 0;
}
