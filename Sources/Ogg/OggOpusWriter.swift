#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import COgg
import Codecs

/// Writes an Ogg Opus file (RFC 7845) with libogg's stream encoder and plain
/// POSIX `write(2)`.
///
/// Layout (RFC 7845 §3): the first page holds only `OpusHead`, the next
/// page(s) `OpusTags`, then audio. Each audio page carries the granule
/// position of RFC 7845 §4: the total 48 kHz samples decoded up to the last
/// packet completed on the page, pre-skip included. Sample counts come from
/// each packet's TOC (`OpusPacketInfo`). A page is forced out at least every
/// `flushIntervalSamples` (one second by default), so a crash loses about a
/// second at most; the file stays readable up to its last page.
///
/// The most recent packet is held back until the next one arrives so that
/// `finalize()` can mark it end-of-stream. Gaps are written as lost-frame
/// packets (`writeGap(samples:)`), which decoders conceal (RFC 6716 §3.2.1).
///
/// Not thread-safe; owned by its session.
public final class OggOpusWriter {
    public let head: OpusHead
    public let serialNumber: Int32
    /// Force a page out once this many samples are pending.
    public let flushIntervalSamples: Int64

    /// Audio packets accepted so far (including the held-back one).
    public private(set) var packetsWritten = 0
    /// Granule position after the last accepted packet (48 kHz samples, pre-skip included).
    public private(set) var granulePosition: Int64 = 0
    /// Pages and bytes written to the file.
    public private(set) var pagesWritten = 0
    public private(set) var bytesWritten = 0

    private var fd: Int32
    private let stream: UnsafeMutablePointer<ogg_stream_state>
    private var packetNumber: Int64 = 0
    /// The held-back packet (reused storage) and its granule, nil when none.
    private var pending: [UInt8] = []
    private var pendingGranule: Int64?
    private var granuleAtLastPage: Int64 = 0
    private var failure: OggError?
    private var closed = false

    /// Creates (or truncates) `path` and writes the header pages.
    /// - Parameters:
    ///   - vendor: the encoder vendor string, e.g. "Capstan 0.1.0".
    ///   - comments: user comments, `NAME=value`.
    public convenience init(path: String, head: OpusHead, vendor: String, comments: [String] = [],
                            flushIntervalSamples: Int64 = 48_000) throws(OggError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        try self.init(fileDescriptor: fd, head: head, vendor: vendor, comments: comments,
                      flushIntervalSamples: flushIntervalSamples)
    }

    /// Writes to an open descriptor, which the writer owns and closes.
    public init(fileDescriptor: Int32, head: OpusHead, vendor: String, comments: [String] = [],
                flushIntervalSamples: Int64 = 48_000) throws(OggError) {
        self.fd = fileDescriptor
        self.head = head
        self.flushIntervalSamples = max(1, flushIntervalSamples)
        var rng = SystemRandomNumberGenerator()
        serialNumber = Int32(bitPattern: UInt32.random(in: 1...UInt32.max, using: &rng))
        stream = .allocate(capacity: 1)
        stream.initialize(to: ogg_stream_state())
        // Fully initialized: any throw from here runs deinit, which closes the
        // descriptor and clears the stream (ogg_stream_clear accepts a zeroed state).
        guard ogg_stream_init(stream, serialNumber) == 0 else { throw .libogg("ogg_stream_init failed") }
        // Header pages: OpusHead alone on the first page (b_o_s), then OpusTags.
        try submit(head.serialize(), granule: 0, bos: true, eos: false)
        try flushPages()
        try submit(OpusTags(vendor: vendor, comments: comments).serialize(), granule: 0, bos: false, eos: false)
        try flushPages()
    }

    deinit {
        if !closed { close(fd) }
        ogg_stream_clear(stream)
        stream.deallocate()
    }

    /// Appends one Opus packet. Its duration is read from the TOC.
    /// - Throws: `.invalidPacket` for a malformed packet (nothing is written),
    ///   `.writeFailed` on an I/O error, `.writerClosed` after finalize or
    ///   after an earlier write error.
    public func write(packet: [UInt8]) throws(OggError) {
        let result: Result<Void, OggError> = packet.withUnsafeBytes { raw in
            do throws(OggError) { return .success(try write(packet: raw)) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Appends one Opus packet from raw memory (copied; nothing is allocated
    /// per packet in steady state).
    public func write(packet: UnsafeRawBufferPointer) throws(OggError) {
        if let failure { throw failure }
        guard !closed else { throw .writerClosed }
        let samples: Int
        do { samples = try OpusPacketInfo.totalSamples(of: packet) } catch { throw .invalidPacket(error) }
        if let granule = pendingGranule {
            try submit(pending, granule: granule, bos: false, eos: false)
            try emitPages(force: granule - granuleAtLastPage >= flushIntervalSamples)
        }
        granulePosition += Int64(samples)
        pending.removeAll(keepingCapacity: true)
        pending.append(contentsOf: packet)
        pendingGranule = granulePosition
        packetsWritten += 1
    }

    /// Fills `samples` 48 kHz samples of missing audio with lost-frame
    /// packets (RFC 6716 §3.2.1), rounded down to a multiple of 2.5 ms.
    public func writeGap(samples: Int) throws(OggError) {
        for p in OpusPacketInfo.lostFramePackets(covering: samples, stereo: head.channels == 2) {
            try write(packet: p)
        }
    }

    /// Writes any buffered audio as a page now (the held-back packet stays).
    public func flush() throws(OggError) {
        if let failure { throw failure }
        guard !closed else { throw .writerClosed }
        try emitPages(force: true)
    }

    /// Writes the held-back packet as the last page with end-of-stream set,
    /// syncs and closes the file. After a write error it only closes the
    /// file (the error was already thrown to the caller). Calling it again
    /// does nothing.
    public func finalize() throws(OggError) {
        guard !closed else { return }
        defer { closed = true }
        if failure == nil {
            do {
                if let granule = pendingGranule {
                    try submit(pending, granule: granule, bos: false, eos: true)
                    pendingGranule = nil
                    try emitPages(force: true)
                } else {
                    try writeEmptyEndOfStreamPage()
                }
            } catch {
                close(fd)
                throw error
            }
            if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
                let e = errno
                close(fd)
                throw .closeFailed(errno: e)
            }
        }
        if close(fd) != 0, failure == nil { throw .closeFailed(errno: errno) }
    }

    // MARK: - libogg plumbing

    private func submit(_ data: [UInt8], granule: Int64, bos: Bool, eos: Bool) throws(OggError) {
        let rc = data.withUnsafeBufferPointer { buf -> Int32 in
            var op = ogg_packet()
            op.packet = UnsafeMutablePointer(mutating: buf.baseAddress)
            op.bytes = buf.count
            op.b_o_s = bos ? 1 : 0
            op.e_o_s = eos ? 1 : 0
            op.granulepos = granule
            op.packetno = packetNumber
            return ogg_stream_packetin(stream, &op)
        }
        guard rc == 0 else { throw .libogg("ogg_stream_packetin failed") }
        packetNumber += 1
    }

    /// Writes every complete page; with `force`, also the partial one.
    private func emitPages(force: Bool) throws(OggError) {
        var page = ogg_page()
        while ogg_stream_pageout(stream, &page) != 0 { try writePage(page) }
        if force { try flushPages() }
    }

    private func flushPages() throws(OggError) {
        var page = ogg_page()
        while ogg_stream_flush(stream, &page) != 0 { try writePage(page) }
    }

    private func writePage(_ page: ogg_page) throws(OggError) {
        try writeAll(page.header, page.header_len)
        try writeAll(page.body, page.body_len)
        pagesWritten += 1
        let g = withUnsafePointer(to: page) { ogg_page_granulepos($0) }
        if g >= 0 { granuleAtLastPage = g }
    }

    /// An end-of-stream page with no packets, for a stream with no audio.
    private func writeEmptyEndOfStreamPage() throws(OggError) {
        var header = [UInt8](repeating: 0, count: 27)
        header[0...3] = [0x4F, 0x67, 0x67, 0x53]   // "OggS"
        header[5] = 0x04                           // end of stream
        for i in 0..<8 { header[6 + i] = UInt8(truncatingIfNeeded: granulePosition >> (8 * i)) }
        let serial = UInt32(bitPattern: serialNumber)
        for i in 0..<4 { header[14 + i] = UInt8(truncatingIfNeeded: serial >> (8 * i)) }
        let pageNo = UInt32(truncatingIfNeeded: stream.pointee.pageno)
        for i in 0..<4 { header[18 + i] = UInt8(truncatingIfNeeded: pageNo >> (8 * i)) }
        try header.withUnsafeMutableBufferPointer { (h: inout UnsafeMutableBufferPointer<UInt8>) throws(OggError) in
            // No body: body_len 0, the pointer is never read.
            var page = ogg_page(header: h.baseAddress, header_len: 27, body: h.baseAddress, body_len: 0)
            ogg_page_checksum_set(&page)
            try writePage(page)
        }
    }

    private func writeAll(_ base: UnsafeMutablePointer<UInt8>?, _ count: Int) throws(OggError) {
        guard var p = base.map(UnsafeRawPointer.init) else { return }
        var left = count
        while left > 0 {
            let n = posixWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                let error = OggError.writeFailed(errno: errno)
                failure = error
                throw error
            }
            left -= n
            p += n
            bytesWritten += n
        }
    }
}

/// `write(2)`, reachable inside a type that has its own `write` methods.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buf, count)
}
