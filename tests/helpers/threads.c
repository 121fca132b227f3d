/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small multi-threaded program for the hook's transparency test: threads that compute and
 * print in a fixed order, a fork whose child exits with a known status, a thread that is
 * stopped and continued, and finally an exec from a non-main thread (the kernel changes that
 * thread's id to the leader's). Output is deterministic; the exit status comes from the
 * exec'd program.
 *   threads            run the scenario
 *   threads after N    (the exec target) print N and exit N % 256
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static int turn;
static long sums[NTHREADS];

static void *worker(void *arg)
{
	long id = (long)arg, s = 0;

	for (long i = 0; i < 200000; i++)
		s += (i * (id + 1)) % 7;
	/* a few syscalls per thread */
	for (int i = 0; i < 20; i++)
		(void)getppid();
	pthread_mutex_lock(&lock);
	while (turn != id)
		pthread_cond_wait(&turn_cv, &lock);
	sums[id] = s;
	printf("thread %ld sum %ld\n", id, s);
	fflush(stdout);
	turn++;
	pthread_cond_broadcast(&turn_cv);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *execer(void *arg)
{
	char *self = arg;
	char *argv[] = {self, "after", "42", NULL};

	fflush(stdout);
	execv(self, argv);
	perror("execv");
	_exit(99);
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS], ex;
	pid_t child;
	int status;

	if (argc == 3 && strcmp(argv[1], "after") == 0) {
		int n = atoi(argv[2]);

		printf("exec'd from a thread, argument %d\n", n);
		return n % 256;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
			return 2;
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);

	/* fork: the child exits 7 */
	child = fork();
	if (child == 0) {
		printf("child runs\n");
		_exit(7);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return 3;
	printf("child exit %d\n", WEXITSTATUS(status));

	/* a stopped and continued child */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	kill(child, SIGSTOP);
	if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status))
		return 4;
	printf("child stopped by %s\n", strsignal(WSTOPSIG(status)));
	kill(child, SIGCONT);
	if (waitpid(child, &status, WCONTINUED) != child || !WIFCONTINUED(status))
		return 5;
	printf("child continued\n");
	kill(child, SIGTERM);
	if (waitpid(child, &status, 0) != child || !WIFSIGNALED(status))
		return 6;
	printf("child killed by %s\n", strsignal(WTERMSIG(status)));

	/* exec from a thread that is not the main one */
	if (pthread_create(&ex, NULL, execer, argv[0]) != 0)
		return 8;
	pthread_join(ex, NULL);
	return 9; /* not reached: the exec replaces the process */
}
