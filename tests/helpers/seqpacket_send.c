/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seqpacket_send SOCKET FILE: sends FILE's bytes as one record on the unix SOCK_SEQPACKET socket
 * SOCKET (cidsd's registration socket) and prints the NUL-terminated answer on stdout. Lets the
 * tests send what cids-hook never would: short, oversized and corrupt registrations.
 * Exit 0 when an answer came within 5 s, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	static char msg[1 << 20];
	char reply[1024];
	size_t n;
	ssize_t r;
	FILE *f;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: %s SOCKET FILE\n", argv[0]);
		return 2;
	}
	f = fopen(argv[2], "rbe");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	n = fread(msg, 1, sizeof(msg), f);
	fclose(f);
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
		perror("send");
		return 1;
	}
	r = recv(fd, reply, sizeof(reply) - 1, 0);
	close(fd);
	if (r <= 0) {
		fprintf(stderr, "no answer\n");
		return 1;
	}
	reply[r] = '\0';
	printf("%s\n", reply);
	return 0;
}
