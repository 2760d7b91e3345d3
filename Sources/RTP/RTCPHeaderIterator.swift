/// A non-allocating walk over the packets of an RTCP compound packet
/// (RFC 3550 §6.1), yielding each packet's common header and byte range.
///
/// Iteration stops at the end of the buffer or at the first packet whose header is
/// invalid (fewer than 4 bytes left, V≠2, length field past the end); `error` then
/// says why. The buffer must outlive the iteration.
public struct RTCPHeaderIterator: IteratorProtocol, Sequence {
    @usableFromInline let raw: UnsafeRawBufferPointer
    @usableFromInline var offset: Int = 0
    /// Why iteration stopped early, or nil.
    public private(set) var error: RTPError?

    /// An iterator over the compound packet in `raw`.
    @inlinable
    public init(_ raw: UnsafeRawBufferPointer) {
        self.raw = raw
    }

    /// The next packet's header and its range in the buffer (header and padding included).
    public mutating func next() -> (header: RTCPHeader, range: Range<Int>)? {
        guard error == nil, offset < raw.count else { return nil }
        let header: RTCPHeader
        do {
            header = try RTCPHeader(parsing: raw, at: offset)
        } catch {
            self.error = error
            return nil
        }
        let end = offset + header.packetSize
        guard end <= raw.count else {
            error = .invalidLength
            return nil
        }
        let range = offset..<end
        offset = end
        return (header, range)
    }
}
