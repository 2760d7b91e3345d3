#ifndef CAPSTAN_CSCTPSHIM_H
#define CAPSTAN_CSCTPSHIM_H
// A narrow C face over usrsctp (AF_CONN, no threads) for Sources/DataChannel:
// the socket options, notifications and sendv structures are handled here, so
// Swift sees plain integers and pointers.
#include <stddef.h>
#include <stdint.h>

/// One SCTP packet usrsctp wants sent (to be encrypted by DTLS). `conn` is the
/// value given to capstan_sctp_open.
typedef void (*capstan_sctp_output_fn)(uintptr_t conn, const void *packet, size_t length);

enum capstan_sctp_event_kind {
    CAPSTAN_SCTP_DATA = 0,          // a (part of a) message: stream, ppid, eor
    CAPSTAN_SCTP_UP = 1,            // association established
    CAPSTAN_SCTP_DOWN = 2,          // association lost, shut down or refused
    CAPSTAN_SCTP_STREAM_RESET = 3,  // the peer reset its outgoing stream `stream`
};

/// An inbound event; `data` is only valid during the call.
typedef void (*capstan_sctp_event_fn)(uintptr_t conn, int kind, uint16_t stream, uint32_t ppid,
                                      const void *data, size_t length, int end_of_record);

/// Initializes usrsctp once for the process (no threads: timers are driven by
/// capstan_sctp_handle_timers). Later calls do nothing. Returns 0.
int capstan_sctp_init(capstan_sctp_output_fn output, capstan_sctp_event_fn event);

/// Opens a one-to-one AF_CONN socket for connection `conn` (never 0), bound to
/// `local_port`, and starts connecting to `remote_port` (WebRTC's simultaneous
/// open, RFC 8841 §5). Returns NULL on failure.
void *capstan_sctp_open(uintptr_t conn, uint16_t local_port, uint16_t remote_port,
                        uint32_t receive_buffer, uint32_t send_buffer, uint16_t streams);

/// Feeds one inbound SCTP packet (DTLS application data) for `conn`.
void capstan_sctp_input(uintptr_t conn, const void *packet, size_t length);

/// Sends one message. pr_policy: 0 reliable, 1 TTL (ms), 3 retransmissions.
/// Returns 0, or an errno (EWOULDBLOCK when the send buffer is full).
int capstan_sctp_send(void *socket, uint16_t stream, uint32_t ppid, int unordered,
                      uint16_t pr_policy, uint32_t pr_value, const void *data, size_t length);

/// Resets our outgoing stream `stream` (closing a data channel, RFC 8831 §6.7).
int capstan_sctp_reset_stream(void *socket, uint16_t stream);

/// Aborts the association, closes the socket and forgets `conn`: no callback
/// names it after this returns.
void capstan_sctp_close(void *socket, uintptr_t conn);

/// Advances usrsctp's timers by `elapsed_ms` (retransmissions, SACK delay, heartbeats).
void capstan_sctp_handle_timers(uint32_t elapsed_ms);

#endif
