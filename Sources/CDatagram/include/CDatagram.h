#ifndef CDATAGRAM_H
#define CDATAGRAM_H

#include <sys/socket.h>

/// struct mmsghdr, which glibc declares only under _GNU_SOURCE (so Swift's Glibc module has
/// neither it nor recvmmsg); the same layout, checked in CDatagram.c.
struct cdatagram_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// recvmmsg(2) without a timeout.
int cdatagram_recvmmsg(int fd, struct cdatagram_mmsghdr *messages, unsigned int count, int flags);

#endif
