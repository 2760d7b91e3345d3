import COpenSSL

/// A source/sink BIO with datagram semantics for sans-I/O DTLS.
///
/// Memory BIOs concatenate writes, so a DTLS flight would come out as one
/// blob (DESIGN §5). Here every `BIO_write` from OpenSSL becomes exactly one
/// datagram in `DatagramChannel.outbound`, and a read hands OpenSSL the one
/// datagram passed to `DTLSEndpoint.receive`, then reports "retry".
/// The ctrl callback answers the `BIO_dgram` queries DTLS makes: MTU (ours),
/// MTU overhead (0: our MTU already counts UDP payload), pending (the unread
/// datagram), flush (nothing buffered).
enum DatagramBIO {
    /// The `BIO_METHOD`, created once per process and never freed. Swift's
    /// lazy global initialisation makes the creation thread-safe; the method
    /// table is immutable afterwards.
    nonisolated(unsafe) static let method: OpaquePointer? = makeMethod()

    /// Creates a BIO bound to `channel` (unretained).
    static func make(channel: DatagramChannel) -> OpaquePointer? {
        guard let method, let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, channel.unmanagedPointer)
        BIO_set_init(bio, 1)
        return bio
    }

    private static func channel(_ bio: OpaquePointer?) -> DatagramChannel? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return DatagramChannel.from(data)
    }

    private static func makeMethod() -> OpaquePointer? {
        guard let method = BIO_meth_new(BIO_get_new_index() | CAPSTAN_BIO_TYPE_SOURCE_SINK, "capstan datagram") else {
            return nil
        }
        BIO_meth_set_write(method) { bio, data, length in
            guard let bio, let channel = DatagramBIO.channel(bio), length >= 0 else { return -1 }
            capstan_bio_clear_retry_flags(bio)
            guard let data else { return 0 }
            channel.outbound.append(Array(UnsafeRawBufferPointer(start: data, count: Int(length))))
            return length
        }
        BIO_meth_set_read(method) { bio, out, length in
            guard let bio, let channel = DatagramBIO.channel(bio) else { return -1 }
            capstan_bio_clear_retry_flags(bio)
            guard let datagram = channel.inbound, let out, length > 0 else {
                capstan_bio_set_retry_read(bio)
                return -1
            }
            channel.inbound = nil
            // Datagram semantics: one read returns one whole datagram; excess
            // beyond OpenSSL's buffer (never smaller than a record) is dropped.
            let count = min(datagram.count, Int(length))
            if count > 0, let source = datagram.baseAddress {
                UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: count)
            }
            return Int32(count)
        }
        BIO_meth_set_ctrl(method) { bio, command, _, _ in
            let channel = DatagramBIO.channel(bio)
            switch command {
            case BIO_CTRL_FLUSH:
                return 1
            case BIO_CTRL_PENDING:
                return channel?.inbound.map { $0.count } ?? 0
            case BIO_CTRL_WPENDING:
                return 0
            case BIO_CTRL_DGRAM_QUERY_MTU, BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
                return channel?.mtu ?? 0
            case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
                return 0
            case BIO_CTRL_DGRAM_MTU_EXCEEDED:
                return 0
            case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
                // The endpoint's caller owns the clock; OpenSSL's timer is read
                // through DTLSv1_get_timeout.
                return 0
            default:
                return 0
            }
        }
        BIO_meth_set_create(method) { bio in
            guard let bio else { return 0 }
            BIO_set_init(bio, 0)
            BIO_set_data(bio, nil)
            return 1
        }
        BIO_meth_set_destroy(method) { bio in
            guard let bio else { return 0 }
            BIO_set_data(bio, nil)
            BIO_set_init(bio, 0)
            return 1
        }
        return method
    }
}
