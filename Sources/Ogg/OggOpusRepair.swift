#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Codecs

/// What `OggOpusRepair.repair` did.
public enum RepairResult: Equatable, Sendable {
    /// The input was intact (EOS seen, no truncation, no bad pages); nothing written.
    case alreadyFinalized(OggOpusSummary)
    /// A new, finalized file was written.
    case repaired(RepairReport)
}

/// Details of a repair.
public struct RepairReport: Equatable, Sendable {
    /// What the damaged input looked like.
    public var input: OggOpusSummary
    /// Complete, well-formed packets copied to the output.
    public var packetsKept: Int
    /// Packets left out because their TOC breaks RFC 6716 §3.4.
    public var packetsDropped: Int
    /// Playable samples of the output at 48 kHz (RFC 7845 §4.5).
    public var durationSamples: Int64
}

/// Turns an unfinalized or damaged Ogg Opus file into a finalized one.
public enum OggOpusRepair {
    /// Vendor string used when the input lost its `OpusTags` packet.
    public static let fallbackVendor = "Capstan repair"

    /// Reads `input`; if it is intact returns `.alreadyFinalized` without
    /// writing. Otherwise writes every complete, well-formed packet to
    /// `output` through `OggOpusWriter` — the same `OpusHead` and `OpusTags`,
    /// granule positions recomputed from the packets' TOCs, the last page
    /// marked end-of-stream. The output is written to a temporary file next
    /// to it and renamed into place, so `output` may equal `input`.
    public static func repair(input: String, output: String) throws(OggError) -> RepairResult {
        let survey = try OggOpusReader.summarize(path: input)
        if survey.isIntact && survey.malformedPacketCount == 0 {
            return .alreadyFinalized(survey)
        }
        let reader = try OggOpusReader(path: input)
        let tags = reader.tags ?? OpusTags(vendor: fallbackVendor)
        let temporary = output + ".repair-\(getpid()).tmp"
        let writer: OggOpusWriter
        do {
            writer = try OggOpusWriter(path: temporary, head: reader.head, vendor: tags.vendor, comments: tags.comments)
        } catch {
            unlink(temporary)
            throw error
        }
        var kept = 0, dropped = 0
        do {
            while let packet = try reader.nextPacket() {
                guard (try? OpusPacketInfo(parsing: packet.data)) != nil else { dropped += 1; continue }
                try writer.write(packet: packet.data)
                kept += 1
            }
            try writer.finalize()
        } catch {
            try? writer.finalize()
            unlink(temporary)
            throw error
        }
        guard rename(temporary, output) == 0 else {
            let e = errno
            unlink(temporary)
            throw .renameFailed(errno: e)
        }
        let duration = max(0, writer.granulePosition - Int64(reader.head.preSkip))
        return .repaired(RepairReport(input: reader.summary, packetsKept: kept, packetsDropped: dropped,
                                      durationSamples: duration))
    }
}
