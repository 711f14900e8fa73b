/* SPDX-License-Identifier: BSD-3-Clause */
/* nodelay.c - LD_PRELOAD shim for the benchmark's test EST server: sets
 * TCP_NODELAY on every accepted socket.  bench.py uses it only when it
 * measures a Nagle / delayed-ACK stall (~40 ms per response) in the server,
 * which writes a response's header and body in two TLS records; the stall
 * would otherwise dominate every contender's wall time. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);

static void nodelay(int s)
{
	int one = 1;

	if (s >= 0)
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static accept4_fn real;
	int s;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "accept4");
	s = real(fd, addr, len, flags);
	nodelay(s);
	return s;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	static accept_fn real;
	int s;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "accept");
	s = real(fd, addr, len);
	nodelay(s);
	return s;
}
