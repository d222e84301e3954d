/*
 * Baseline for RoundTripBench: the floor of an AF_UNIX stream round trip on this machine.
 * A parent and a forked child exchange messages of the sizes a 4-byte REGION_READ uses
 * (32-byte request, 36-byte reply), one at a time. Prints: "<iterations> <nanoseconds per round trip>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void full(int fd, char *buf, size_t n, int writing) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
    if (r <= 0) { perror("io"); exit(1); }
    done += (size_t) r;
  }
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 200000;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) { perror("socketpair"); return 1; }
  char req[32], rep[36];
  memset(req, 1, sizeof req);
  memset(rep, 2, sizeof rep);
  pid_t child = fork();
  if (child == 0) {
    close(sv[0]);
    for (long i = 0; i < iterations; i++) {
      full(sv[1], req, sizeof req, 0);
      full(sv[1], rep, sizeof rep, 1);
    }
    _exit(0);
  }
  close(sv[1]);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < iterations; i++) {
    full(sv[0], req, sizeof req, 1);
    full(sv[0], rep, sizeof rep, 0);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  waitpid(child, NULL, 0);
  double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
  printf("%ld %.1f\n", iterations, ns / iterations);
  return 0;
}
