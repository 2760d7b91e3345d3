#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CDatagram
import STUN

/// Reads datagrams from a non-blocking UDP socket with one `recvmmsg(2)` per call, into slots
/// it allocated once: no allocation, no address formatting, no envelope per datagram. The
/// media port's paced reads use it on the event loop; the socket itself belongs to the NIO
/// channel (which closes it), so a reader must not be used after the channel closed.
final class DatagramReader {
    let descriptor: CInt
    /// Datagrams one call can return.
    let slots: Int
    /// Bytes per slot: a datagram that does not fit is reported truncated.
    let slotBytes: Int
    private let buffers: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<cdatagram_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_storage>


    init(descriptor: CInt, slots: Int, slotBytes: Int) {
        precondition(slots > 0 && slotBytes > 0)
        self.descriptor = descriptor
        self.slots = slots
        self.slotBytes = slotBytes
        buffers = .allocate(byteCount: slots * slotBytes, alignment: 16)
        headers = .allocate(capacity: slots)
        vectors = .allocate(capacity: slots)
        addresses = .allocate(capacity: slots)
        for slot in 0..<slots {
            vectors[slot] = iovec(iov_base: buffers + slot * slotBytes, iov_len: slotBytes)
        }
    }

    deinit {
        buffers.deallocate()
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    /// One `recvmmsg` without blocking: `body` gets each datagram with its source (nil for an
    /// address family other than IPv4/IPv6) and whether it was truncated to `slotBytes`.
    /// Returns the number of datagrams read: 0 when none was waiting; -1 on another error.
    @discardableResult
    func read(_ body: (UnsafeRawBufferPointer, IPEndpoint?, _ truncated: Bool) -> Void) -> Int {
        for slot in 0..<slots {
            headers[slot] = cdatagram_mmsghdr(
                msg_hdr: msghdr(msg_name: UnsafeMutableRawPointer(addresses + slot),
                                msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                                msg_iov: vectors + slot, msg_iovlen: 1,
                                msg_control: nil, msg_controllen: 0, msg_flags: 0),
                msg_len: 0)
        }
        var count: CInt
        repeat {
            count = cdatagram_recvmmsg(descriptor, headers, CUnsignedInt(slots), CInt(MSG_DONTWAIT))
        } while count < 0 && errno == EINTR
        guard count > 0 else { return count == 0 || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1 }
        for slot in 0..<Int(count) {
            let header = headers[slot]
            let truncated = header.msg_hdr.msg_flags & CInt(MSG_TRUNC) != 0
            let bytes = UnsafeRawBufferPointer(start: buffers + slot * slotBytes,
                                               count: min(Int(header.msg_len), slotBytes))
            body(bytes, Self.endpoint(addresses + slot), truncated)
        }
        return Int(count)
    }

    /// The endpoint in a `sockaddr_storage` the kernel filled (IPv4-mapped IPv6 as IPv4).
    @inline(__always)
    static func endpoint(_ storage: UnsafeMutablePointer<sockaddr_storage>) -> IPEndpoint? {
        switch CInt(storage.pointee.ss_family) {
        case AF_INET:
            return IPEndpoint(UnsafeRawPointer(storage).load(as: sockaddr_in.self))
        case AF_INET6:
            return IPEndpoint(UnsafeRawPointer(storage).load(as: sockaddr_in6.self)).unmappingIPv4
        default:
            return nil
        }
    }
}
