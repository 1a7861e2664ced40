/*
 * nfdelay: hold every packet of an NFQUEUE queue for a fixed delay, then accept it; a delay in the
 * kernel's packet path where tc netem is missing (iptables ... -j NFQUEUE --queue-num N sends the
 * packets here). Packets leave in the order they came, each `delay` ms after it was queued.
 *
 *   nfdelay QUEUE DELAY_MS     (root, in the network namespace whose iptables queue the packets)
 *
 * Prints "ready" on stdout once bound to the queue (add the iptables rule after that: without a
 * listener the kernel drops what the rule queues), then runs until SIGTERM/SIGINT; on exit prints
 * how many packets it held and how late its verdicts came past their due time, on stderr.
 * Build: gcc -O2 -o nfdelay nfdelay.c -lnetfilter_queue -lnfnetlink  (Debian: libnetfilter-queue-dev)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

struct held {
  uint32_t id;
  int64_t due_ns;
};

static struct held *ring;
static size_t cap = 1 << 12, head, count;
static int64_t delay_ns;
static unsigned long long packets, enobufs;
static int64_t worst_late_ns, total_late_ns;
static unsigned long long released;
static volatile sig_atomic_t stop;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void push(uint32_t id, int64_t due) {
  if (count == cap) {
    struct held *bigger = malloc(2 * cap * sizeof *bigger);
    if (!bigger) {
      perror("nfdelay: malloc");
      exit(1);
    }
    for (size_t i = 0; i < count; i++) bigger[i] = ring[(head + i) % cap];
    free(ring);
    ring = bigger;
    head = 0;
    cap *= 2;
  }
  ring[(head + count) % cap] = (struct held){id, due};
  count++;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)qh, (void)msg, (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (ph) push(ntohl(ph->packet_id), now_ns() + delay_ns);
  packets++;
  return 0;
}

/** Accepts every packet whose time has come. */
static void release(struct nfq_q_handle *qh) {
  int64_t now = now_ns();
  while (count > 0 && ring[head].due_ns <= now) {
    int64_t late = now - ring[head].due_ns;
    if (late > worst_late_ns) worst_late_ns = late;
    total_late_ns += late;
    released++;
    nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
    head = (head + 1) % cap;
    count--;
  }
}

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv) {
  char *end;
  if (argc != 3) {
    fprintf(stderr, "usage: nfdelay QUEUE DELAY_MS\n");
    return 2;
  }
  long queue = strtol(argv[1], &end, 10);
  if (*end || queue < 0 || queue > 65535) {
    fprintf(stderr, "nfdelay: QUEUE '%s' is not a queue number 0..65535\n", argv[1]);
    return 2;
  }
  double delay_ms = strtod(argv[2], &end);
  if (*end || !(delay_ms >= 0) || delay_ms > 60000) {
    fprintf(stderr, "nfdelay: DELAY_MS '%s' is not a delay of 0..60000 ms\n", argv[2]);
    return 2;
  }
  delay_ns = (int64_t)(delay_ms * 1e6);
  ring = malloc(cap * sizeof *ring);

  struct nfq_handle *h = nfq_open();
  if (!h) {
    perror("nfdelay: nfq_open (root? CONFIG_NETFILTER_NETLINK_QUEUE?)");
    return 1;
  }
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) {
    fprintf(stderr, "nfdelay: cannot bind queue %ld (taken by another process?): %s\n", queue, strerror(errno));
    return 1;
  }
  // the verdict needs only the packet's id: no payload copied to user space
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    perror("nfdelay: nfq_set_mode");
    return 1;
  }
  // room for what is in flight during the delay; past it the kernel drops
  nfq_set_queue_maxlen(qh, 1 << 16);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 8 << 20);
  int fd = nfq_fd(h);

  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  printf("ready\n");
  fflush(stdout);

  char buf[65536] __attribute__((aligned));
  while (!stop) {
    struct timespec wait, *timeout = NULL;
    if (count > 0) {
      int64_t left = ring[head].due_ns - now_ns();
      if (left < 0) left = 0;
      wait.tv_sec = left / 1000000000LL;
      wait.tv_nsec = left % 1000000000LL;
      timeout = &wait;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = ppoll(&p, 1, timeout, NULL);
    if (r < 0 && errno != EINTR) {
      perror("nfdelay: ppoll");
      return 1;
    }
    if (r > 0) {
      // everything readable now, without blocking
      for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
          nfq_handle_packet(h, buf, (int)n);
          continue;
        }
        if (n < 0 && errno == ENOBUFS) {
          enobufs++; // the socket overflowed: the kernel dropped some notifications
          continue;
        }
        break;
      }
    }
    release(qh);
  }
  fprintf(stderr, "nfdelay: queue %ld held %llu packets for %.1f ms; verdicts past due by %.2f ms on average, %.2f ms at most; %llu overflows\n", queue, packets,
          delay_ms, released ? total_late_ns / 1e6 / released : 0.0, worst_late_ns / 1e6, enobufs);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return 0;
}
