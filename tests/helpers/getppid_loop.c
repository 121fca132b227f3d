/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syscall micro-benchmark for scripts/bench.sh: getppid_loop N [THREADS [RATE]]
 * Makes N getppid() system calls (split over THREADS threads, default 1), paced to RATE calls
 * per second in total when RATE > 0 (busy-waiting between batches of 1000), and prints
 * "calls=<N> seconds=<s> ns_per_call=<ns> rate=<calls/s> cpu_ns_per_call=<ns>": wall time from
 * CLOCK_MONOTONIC, and CPU time (user + system, all threads) from getrusage, which a busy shared
 * machine does not inflate.
 * Static, so it runs inside a bare busybox container.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned long per_thread;
static double thread_rate; /* calls per second per thread, 0 = as fast as possible */

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *loop(void *arg)
{
	double t0 = mono();

	(void)arg;
	for (unsigned long i = 0; i < per_thread; i++) {
		syscall(SYS_getppid); /* the libc wrapper could be cached one day; the syscall not
				       */
		if (thread_rate > 0 && i % 1000 == 999)
			while (mono() - t0 < (double)(i + 1) / thread_rate)
				; /* vDSO clock: no syscall */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n, nthreads = 1;
	pthread_t tids[64];
	double t0, t1, cpu;
	struct rusage ru;
	char *end;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: getppid_loop N [THREADS [RATE]]\n");
		return 2;
	}
	n = strtoul(argv[1], &end, 10);
	if (*end || n == 0) {
		fprintf(stderr, "getppid_loop: bad N \"%s\"\n", argv[1]);
		return 2;
	}
	if (argc >= 3) {
		nthreads = strtoul(argv[2], &end, 10);
		if (*end || nthreads == 0 || nthreads > 64) {
			fprintf(stderr, "getppid_loop: THREADS must be 1..64\n");
			return 2;
		}
	}
	if (argc == 4) {
		double rate = strtod(argv[3], &end);

		if (*end || rate < 0) {
			fprintf(stderr, "getppid_loop: bad RATE \"%s\"\n", argv[3]);
			return 2;
		}
		thread_rate = rate / (double)nthreads;
	}
	per_thread = n / nthreads;
	t0 = mono();
	if (nthreads == 1) {
		loop(NULL);
	} else {
		for (unsigned long i = 0; i < nthreads; i++)
			if (pthread_create(&tids[i], NULL, loop, NULL) != 0) {
				fprintf(stderr, "getppid_loop: pthread_create failed\n");
				return 1;
			}
		for (unsigned long i = 0; i < nthreads; i++)
			pthread_join(tids[i], NULL);
	}
	t1 = mono();
	n = per_thread * nthreads;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("calls=%lu seconds=%.6f ns_per_call=%.2f rate=%.0f cpu_ns_per_call=%.2f\n", n,
	       t1 - t0, (t1 - t0) * 1e9 / (double)n, (double)n / (t1 - t0), cpu * 1e9 / (double)n);
	return 0;
}
