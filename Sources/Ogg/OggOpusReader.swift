#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import COgg
import Codecs

/// Reads an Ogg Opus file (RFC 7845) with libogg, streaming: pages are
/// CRC-checked by `ogg_sync_pageout`, packets come out one at a time, and
/// the file is never held in memory.
///
/// The first logical stream must start with `OpusHead` (RFC 7845 §3); pages
/// of other streams are counted and skipped. Corrupt pages are skipped and
/// counted; a file that ends mid-page is reported `truncated`, not thrown.
///
/// Not thread-safe; owned by its caller.
public final class OggOpusReader {
    public let head: OpusHead
    public private(set) var tags: OpusTags?
    /// Counts so far; complete once `nextPacket()` has returned nil.
    public private(set) var summary: OggOpusSummary

    private let fd: Int32
    private let sync: UnsafeMutablePointer<ogg_sync_state>
    private let stream: UnsafeMutablePointer<ogg_stream_state>
    private var atEOF = false
    private var streamEnded = false
    private var lastPageContinues = false
    private var currentPage = 0
    private static let chunk = 64 * 1024
    /// Largest granule position read: beyond it, samples × 10^9 / 48000 (the
    /// time in ns) would not fit in Int64 (about 292 years of audio).
    public static let maxGranulePosition: Int64 = (Int64.max / 1_000_000_000 - 1) * 48_000
    /// A granule position past the limit, found while reading the last page;
    /// thrown by the next `nextPacket()`.
    private var granuleFault: OggError?

    /// Opens `path` and reads the `OpusHead` (and `OpusTags`, if present).
    /// - Throws: `.openFailed`, `.readFailed`, `.emptyFile`, `.notOgg`,
    ///   `.truncatedHeader`, `.notOpus` or `.invalidHeader`.
    public init(path: String) throws(OggError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        self.fd = fd
        sync = .allocate(capacity: 1)
        sync.initialize(to: ogg_sync_state())
        ogg_sync_init(sync)
        stream = .allocate(capacity: 1)
        stream.initialize(to: ogg_stream_state())

        // Find the first page; it must begin the Opus stream.
        var page = ogg_page()
        var skipped = 0
        var sawBytes = false
        var found = false
        do {
            while true {
                let r = ogg_sync_pageout(sync, &page)
                if r == 1 { found = true; break }
                if r < 0 { skipped += 1; continue }
                guard try Self.feed(fd, sync) > 0 else { break }
                sawBytes = true
            }
        } catch {
            Self.release(fd, sync, stream, streamInitialized: false)
            throw error
        }
        guard found else {
            let error: OggError = !sawBytes ? .emptyFile : Self.leftoverStartsWithCapture(sync) ? .truncatedHeader : .notOgg
            Self.release(fd, sync, stream, streamInitialized: false)
            throw error
        }
        let serial = ogg_page_serialno(&page)
        ogg_stream_init(stream, serial)
        var op = ogg_packet()
        guard ogg_page_bos(&page) != 0, ogg_stream_pagein(stream, &page) == 0,
              ogg_stream_packetout(stream, &op) == 1,
              op.bytes >= 8, let bytes = op.packet,
              Array(UnsafeBufferPointer(start: bytes, count: 8)) == OpusHead.magic else {
            Self.release(fd, sync, stream, streamInitialized: true)
            throw .notOpus
        }
        let parsed: OpusHead
        do {
            parsed = try OpusHead(parsing: UnsafeRawBufferPointer(start: bytes, count: op.bytes))
        } catch {
            Self.release(fd, sync, stream, streamInitialized: true)
            throw .invalidHeader(error)
        }
        head = parsed
        summary = OggOpusSummary(head: parsed, serialNumber: serial)
        summary.pageCount = 1
        summary.badPageCount = skipped
        self.noteStreamPage(page)

        // OpusTags: the next packet, possibly over several pages.
        do {
            if let tagsPacket = try rawNextPacket() {
                tags = try? OpusTags(parsing: tagsPacket.data)
                summary.tags = tags
            }
        } catch {
            // Leave `tags` nil; the read error surfaces again on the next call.
        }
    }

    deinit { Self.release(fd, sync, stream, streamInitialized: true) }

    private static func release(_ fd: Int32, _ sync: UnsafeMutablePointer<ogg_sync_state>,
                                _ stream: UnsafeMutablePointer<ogg_stream_state>, streamInitialized: Bool) {
        close(fd)
        ogg_sync_clear(sync)
        sync.deallocate()
        if streamInitialized { ogg_stream_clear(stream) }
        stream.deallocate()
    }

    /// The next audio packet, or nil at the end of the stream or file (then
    /// `summary` is complete).
    public func nextPacket() throws(OggError) -> OggOpusPacket? {
        if let granuleFault { throw granuleFault }
        guard let (data, granule) = try rawNextPacket() else { return nil }
        if let granuleFault { throw granuleFault }
        let index = summary.packetCount
        summary.packetCount += 1
        if let info = try? OpusPacketInfo(parsing: data) {
            // At most 5760 per packet; saturating all the same (no trap from a file).
            let (sum, overflow) = summary.decodedSamples.addingReportingOverflow(Int64(info.totalSamples))
            summary.decodedSamples = overflow ? .max : sum
        } else {
            summary.malformedPacketCount += 1
        }
        return OggOpusPacket(data: data, granulePosition: granule, index: index, pageSequence: currentPage)
    }

    /// Calls `body` for every remaining audio packet, then returns the summary.
    @discardableResult
    public func forEachPacket(_ body: (OggOpusPacket) throws -> Void) throws -> OggOpusSummary {
        while let p = try nextPacket() { try body(p) }
        return summary
    }

    /// Reads the whole file and returns its summary.
    public static func summarize(path: String) throws(OggError) -> OggOpusSummary {
        let reader = try OggOpusReader(path: path)
        while try reader.nextPacket() != nil {}
        return reader.summary
    }

    // MARK: - libogg plumbing

    private func rawNextPacket() throws(OggError) -> (data: [UInt8], granule: Int64)? {
        var op = ogg_packet()
        while true {
            switch ogg_stream_packetout(stream, &op) {
            case 1:
                let data = op.packet.map { Array(UnsafeBufferPointer(start: $0, count: op.bytes)) } ?? []
                return (data, op.granulepos)
            case 0:
                guard try nextStreamPage() else { return nil }
            default:
                summary.packetGapCount += 1
            }
        }
    }

    /// Feeds the next page of the Opus stream into `stream`; false at the end.
    private func nextStreamPage() throws(OggError) -> Bool {
        var page = ogg_page()
        while !streamEnded {
            switch ogg_sync_pageout(sync, &page) {
            case 1:
                guard ogg_page_serialno(&page) == summary.serialNumber else {
                    summary.foreignPageCount += 1
                    continue
                }
                if ogg_page_bos(&page) != 0 {
                    // A second BOS of our serial: a chained stream reusing it. Stop here.
                    summary.foreignPageCount += 1
                    streamEnded = true
                    return false
                }
                summary.pageCount += 1
                guard ogg_stream_pagein(stream, &page) == 0 else {
                    summary.badPageCount += 1
                    continue
                }
                noteStreamPage(page)
                return true
            case 0:
                if atEOF { finishAtEOF(); return false }
                if try Self.feed(fd, sync) == 0 { atEOF = true }
            default:
                summary.badPageCount += 1
            }
        }
        return false
    }

    private func noteStreamPage(_ page: ogg_page) {
        var page = page
        let granule = ogg_page_granulepos(&page)
        if granule > Self.maxGranulePosition {
            granuleFault = granuleFault ?? .granuleOutOfRange(granulePosition: granule, pageSequence: Int(ogg_page_pageno(&page)))
        } else if granule >= 0 {
            if granule < summary.lastGranulePosition { summary.badGranuleCount += 1 }
            summary.lastGranulePosition = granule
        } else if granule != -1 {
            summary.badGranuleCount += 1
        }
        currentPage = Int(ogg_page_pageno(&page))
        let segments = Int(page.header[26])
        lastPageContinues = segments > 0 && page.header[27 + segments - 1] == 255
        if ogg_page_eos(&page) != 0 {
            summary.endOfStreamSeen = true
            streamEnded = true
        }
    }

    private func finishAtEOF() {
        let leftover = Int(sync.pointee.fill) - Int(sync.pointee.returned)
        if leftover > 0 || lastPageContinues { summary.truncated = true }
        streamEnded = true
    }

    /// Whether the unconsumed bytes start with the capture pattern "OggS"
    /// (RFC 3533 §6): a page began but the file ended inside it.
    private static func leftoverStartsWithCapture(_ sync: UnsafeMutablePointer<ogg_sync_state>) -> Bool {
        let start = Int(sync.pointee.returned), end = Int(sync.pointee.fill)
        guard end - start >= 4, let data = sync.pointee.data else { return false }
        return data[start] == 0x4F && data[start + 1] == 0x67 && data[start + 2] == 0x67 && data[start + 3] == 0x53
    }

    /// Reads up to one chunk into the sync buffer; returns bytes read.
    private static func feed(_ fd: Int32, _ sync: UnsafeMutablePointer<ogg_sync_state>) throws(OggError) -> Int {
        guard let buffer = ogg_sync_buffer(sync, chunk) else { throw .libogg("ogg_sync_buffer failed") }
        while true {
            let n = read(fd, buffer, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(errno: errno)
            }
            ogg_sync_wrote(sync, n)
            return n
        }
    }
}
