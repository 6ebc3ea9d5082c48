/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * timeit.c: run a command and print "BENCH <label> <milliseconds> <status>"
 * (busybox date has no sub-second clock). Used by the VM benchmark.
 *   timeit LABEL COMMAND [ARG...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	pid_t pid;
	int st = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: timeit LABEL COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("BENCH %s %lld %d\n", argv[1],
	       (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
