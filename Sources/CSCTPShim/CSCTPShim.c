#include "CSCTPShim.h"
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <usrsctp.h>

static capstan_sctp_output_fn output_callback;
static capstan_sctp_event_fn event_callback;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static int conn_output(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t set_df) {
    (void)tos; (void)set_df;
    if (output_callback) output_callback((uintptr_t)addr, buffer, length);
    return 0;
}

static void init_stack(void) {
    usrsctp_init_nothreads(0, conn_output, NULL);
    // WebRTC peers (Chromium's dcsctp, aiortc, libusrsctp in Firefox) do not use ECN.
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    // Partial reliability and stream reset (RFC 8831 §5, §6.7).
    usrsctp_sysctl_set_sctp_pr_enable(1);
    usrsctp_sysctl_set_sctp_reconfig_enable(1);
    // Address reconfiguration has no use over one DTLS connection: off, so less
    // code is reachable from the wire.
    usrsctp_sysctl_set_sctp_asconf_enable(0);
    // Acknowledge quickly (the default 200 ms slows a request/response peer).
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
}

int capstan_sctp_init(capstan_sctp_output_fn output, capstan_sctp_event_fn event) {
    output_callback = output;
    event_callback = event;
    pthread_once(&init_once, init_stack);
    return 0;
}

static void handle_notification(uintptr_t conn, const union sctp_notification *n, size_t length) {
    if (length < sizeof(n->sn_header) || n->sn_header.sn_length > length) return;
    switch (n->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        if (length < sizeof(struct sctp_assoc_change)) return;
        switch (n->sn_assoc_change.sac_state) {
        case SCTP_COMM_UP:
            event_callback(conn, CAPSTAN_SCTP_UP, 0, 0, NULL, 0, 1);
            break;
        case SCTP_COMM_LOST:
        case SCTP_SHUTDOWN_COMP:
        case SCTP_CANT_STR_ASSOC:
            event_callback(conn, CAPSTAN_SCTP_DOWN, 0, 0, NULL, 0, 1);
            break;
        default:
            break;
        }
        break;
    case SCTP_STREAM_RESET_EVENT: {
        const struct sctp_stream_reset_event *e = &n->sn_strreset_event;
        if (length < sizeof(*e)) return;
        if (e->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) return;
        if (!(e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)) return;
        size_t count = (e->strreset_length - sizeof(*e)) / sizeof(uint16_t);
        if (e->strreset_length < sizeof(*e) || sizeof(*e) + count * sizeof(uint16_t) > length) return;
        for (size_t i = 0; i < count; i++) {
            event_callback(conn, CAPSTAN_SCTP_STREAM_RESET, e->strreset_stream_list[i], 0, NULL, 0, 1);
        }
        break;
    }
    default:
        break;
    }
}

static int receive_cb(struct socket *sock, union sctp_sockstore addr, void *data, size_t length,
                      struct sctp_rcvinfo info, int flags, void *ulp_info) {
    (void)sock; (void)addr;
    uintptr_t conn = (uintptr_t)ulp_info;
    if (data == NULL) {  // the socket closed
        event_callback(conn, CAPSTAN_SCTP_DOWN, 0, 0, NULL, 0, 1);
        return 1;
    }
    if (flags & MSG_NOTIFICATION) {
        handle_notification(conn, (const union sctp_notification *)data, length);
    } else {
        event_callback(conn, CAPSTAN_SCTP_DATA, info.rcv_sid, ntohl(info.rcv_ppid), data, length,
                       (flags & MSG_EOR) ? 1 : 0);
    }
    free(data);
    return 1;
}

void *capstan_sctp_open(uintptr_t conn, uint16_t local_port, uint16_t remote_port,
                        uint32_t receive_buffer, uint32_t send_buffer, uint16_t streams) {
    if (conn == 0) return NULL;
    usrsctp_register_address((void *)conn);
    struct socket *s = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, receive_cb, NULL, 0, (void *)conn);
    if (s == NULL) {
        usrsctp_deregister_address((void *)conn);
        return NULL;
    }
    int ok = usrsctp_set_non_blocking(s, 1) == 0;
    struct linger linger = { .l_onoff = 1, .l_linger = 0 };  // close aborts: nothing lingers
    ok = ok && usrsctp_setsockopt(s, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)) == 0;
    int rcv = (int)receive_buffer, snd = (int)send_buffer;
    ok = ok && usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) == 0;
    ok = ok && usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) == 0;
    struct sctp_assoc_value reset = { .assoc_id = SCTP_ALL_ASSOC, .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ };
    ok = ok && usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset)) == 0;
    int one = 1;
    ok = ok && usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one)) == 0;
    ok = ok && usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one)) == 0;
    uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT };
    for (size_t i = 0; ok && i < sizeof(events) / sizeof(events[0]); i++) {
        struct sctp_event event = { .se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i], .se_on = 1 };
        ok = usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof(event)) == 0;
    }
    struct sctp_initmsg init;
    memset(&init, 0, sizeof(init));
    init.sinit_num_ostreams = streams;
    init.sinit_max_instreams = streams;
    ok = ok && usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) == 0;
    // DTLS over UDP: keep each SCTP packet (plus DTLS overhead) inside a 1280-byte IPv6 MTU.
    struct sctp_paddrparams params;
    memset(&params, 0, sizeof(params));
    params.spp_address.ss_family = AF_CONN;
    params.spp_flags = SPP_PMTUD_DISABLE;
    params.spp_pathmtu = 1200;
    (void)usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof(params));
    struct sockaddr_conn local;
    memset(&local, 0, sizeof(local));
    local.sconn_family = AF_CONN;
    local.sconn_port = htons(local_port);
    local.sconn_addr = (void *)conn;
    ok = ok && usrsctp_bind(s, (struct sockaddr *)&local, sizeof(local)) == 0;
    if (ok) {
        struct sockaddr_conn remote = local;
        remote.sconn_port = htons(remote_port);
        int rc = usrsctp_connect(s, (struct sockaddr *)&remote, sizeof(remote));
        ok = rc == 0 || errno == EINPROGRESS;
    }
    if (!ok) {
        usrsctp_close(s);
        usrsctp_deregister_address((void *)conn);
        return NULL;
    }
    return s;
}

void capstan_sctp_input(uintptr_t conn, const void *packet, size_t length) {
    usrsctp_conninput((void *)conn, packet, length, 0);
}

int capstan_sctp_send(void *socket, uint16_t stream, uint32_t ppid, int unordered,
                      uint16_t pr_policy, uint32_t pr_value, const void *data, size_t length) {
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
    if (pr_policy != SCTP_PR_SCTP_NONE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = pr_policy;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    ssize_t sent = usrsctp_sendv((struct socket *)socket, data, length, NULL, 0, &spa, sizeof(spa),
                                 SCTP_SENDV_SPA, 0);
    return sent < 0 ? (errno ? errno : EIO) : 0;
}

int capstan_sctp_reset_stream(void *socket, uint16_t stream) {
    size_t size = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
    struct sctp_reset_streams *reset = calloc(1, size);
    if (reset == NULL) return ENOMEM;
    reset->srs_assoc_id = SCTP_ALL_ASSOC;
    reset->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    reset->srs_number_streams = 1;
    reset->srs_stream_list[0] = stream;
    int rc = usrsctp_setsockopt((struct socket *)socket, IPPROTO_SCTP, SCTP_RESET_STREAMS, reset, (socklen_t)size);
    free(reset);
    return rc == 0 ? 0 : errno;
}

void capstan_sctp_close(void *socket, uintptr_t conn) {
    if (socket) usrsctp_close((struct socket *)socket);  // SO_LINGER 0: an ABORT, nothing kept
    usrsctp_deregister_address((void *)conn);
}

void capstan_sctp_handle_timers(uint32_t elapsed_ms) {
    usrsctp_handle_timers(elapsed_ms);
}
