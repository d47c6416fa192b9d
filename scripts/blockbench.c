/* blockbench: requests per second of a fixed block of pipelined commands.
 *
 * redis-benchmark repeats one command; a transaction is several. This sends
 * the same bytes (e.g. MULTI, SET, EXEC) on each of C connections, waits for
 * the known number of reply bytes, and sends again, until N blocks are done:
 * the -P 1 pattern of a client running one transaction at a time.
 *
 *   blockbench PORT CLIENTS BLOCKS REQUEST_FILE REPLY_BYTES
 * prints "<blocks per second>".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: blockbench PORT CLIENTS BLOCKS REQUEST_FILE REPLY_BYTES\n");
        return 2;
    }
    int port = atoi(argv[1]), clients = atoi(argv[2]);
    long blocks = atol(argv[3]), reply_bytes = atol(argv[5]);
    FILE *f = fopen(argv[4], "rb");
    if (!f) { perror("request file"); return 2; }
    static char req[65536];
    size_t reqlen = fread(req, 1, sizeof(req), f);
    fclose(f);
    int ep = epoll_create1(0);
    int *fds = calloc(clients, sizeof(int));
    long *got = calloc(clients, sizeof(long));
    long sent = 0, done = 0;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < clients; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fds[i], (struct sockaddr *)&addr, sizeof(addr)) < 0) { perror("connect"); return 1; }
        int one = 1;
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    double t0 = now();
    for (int i = 0; i < clients && sent < blocks; i++, sent++)
        if (write(fds[i], req, reqlen) != (ssize_t)reqlen) { perror("write"); return 1; }
    static char buf[1 << 16];
    struct epoll_event evs[256];
    while (done < blocks) {
        int n = epoll_wait(ep, evs, 256, 10000);
        if (n <= 0) { fprintf(stderr, "blockbench: no reply for 10 s\n"); return 1; }
        for (int k = 0; k < n; k++) {
            int i = evs[k].data.u32;
            ssize_t r = read(fds[i], buf, sizeof(buf));
            if (r <= 0) { fprintf(stderr, "blockbench: connection closed\n"); return 1; }
            if (buf[0] == '-' && got[i] == 0) {
                fprintf(stderr, "blockbench: error reply: %.*s\n", (int)(r > 200 ? 200 : r), buf);
                return 1;
            }
            got[i] += r;
            while (got[i] >= reply_bytes) {
                got[i] -= reply_bytes;
                done++;
                if (sent < blocks) {
                    sent++;
                    if (write(fds[i], req, reqlen) != (ssize_t)reqlen) { perror("write"); return 1; }
                }
            }
        }
    }
    printf("%.0f\n", blocks / (now() - t0));
    return 0;
}
