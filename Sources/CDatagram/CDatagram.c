#define _GNU_SOURCE
#include <sys/socket.h>
#include <stddef.h>
#include "CDatagram.h"

_Static_assert(sizeof(struct cdatagram_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct cdatagram_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int cdatagram_recvmmsg(int fd, struct cdatagram_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}
