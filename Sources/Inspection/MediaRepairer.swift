#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Ogg
import WebM

/// Turns an unfinalized or truncated WebM or Ogg Opus file into a finalized
/// one (`capstan repair`), through `WebMRepair` / `OggOpusRepair`: every
/// complete frame is kept with its timestamps; Duration, Cues and SeekHead
/// (WebM) or the end-of-stream page and granule positions (Ogg) are written.
public enum MediaRepairer {
    /// The default output: the input with `.repaired` before its extension
    /// (`rec.webm` → `rec.repaired.webm`; `rec` → `rec.repaired`).
    public static func defaultOutputPath(for input: String) -> String {
        let slash = input.lastIndex(of: "/")
        let nameStart = slash.map { input.index(after: $0) } ?? input.startIndex
        if let dot = input[nameStart...].lastIndex(of: "."), dot > nameStart {
            return String(input[..<dot]) + ".repaired" + String(input[dot...])
        }
        return input + ".repaired"
    }

    /// Repairs `input` into `output` (default: `defaultOutputPath(for:)`).
    /// `output` may equal `input`: the result is written to a temporary file
    /// next to it and renamed into place, so the input is replaced only by a
    /// complete, finalized file. An input that is already finalized is left
    /// unchanged and nothing is written (`.alreadyFinalized`).
    ///
    /// Throws `InspectionError` with a message naming what is wrong when the
    /// file cannot be repaired (not media, empty, header cut, no frames, …).
    public static func repair(input: String, output: String? = nil) throws(InspectionError) -> RepairOutcome {
        let output = output ?? defaultOutputPath(for: input)
        let probe = try FileProbe(path: input)
        guard probe.size > 0 else { throw .emptyFile }
        switch probe.container {
        case .webm: return try repairWebM(input: input, output: output, probe: probe)
        case .ogg: return try repairOgg(input: input, output: output, probe: probe)
        case .unknown: throw .notMediaFile(leadingBytes: probe.leading)
        }
    }

    private static func temporaryPath(for output: String) -> String {
        "\(output).repair-\(getpid()).tmp"
    }

    private static func repairWebM(input: String, output: String, probe: FileProbe) throws(InspectionError) -> RepairOutcome {
        let header = probe.ebmlHeaderEnd()
        if header.end.map({ probe.size < $0 }) ?? (probe.size < UInt64(max(5, header.sizeFieldEnd))) {
            throw .ebmlHeaderTruncated(fileSize: probe.size, headerEnd: header.end)
        }
        let temporary = temporaryPath(for: output)
        let result: WebMRepairResult
        do {
            result = try WebMRepair.repair(input: input, output: temporary)
        } catch let error as WebMError {
            unlink(temporary)
            throw .webm(error, fileSize: probe.size)
        } catch {
            unlink(temporary)
            throw .webm(.parserFailed(code: -103), fileSize: probe.size)
        }
        switch result {
        case .alreadyFinalized:
            var video = 0, audio = 0
            let info: WebMFileInfo
            do {
                let kinds = try WebMReader.info(path: input).tracks
                info = try WebMReader.read(path: input) { frame in
                    switch kinds.first(where: { $0.number == frame.trackNumber })?.type {
                    case .video: video += 1
                    case .audio: audio += 1
                    default: break
                    }
                }
            } catch let error as WebMError {
                throw .webm(error, fileSize: probe.size)
            } catch {
                throw .webm(.parserFailed(code: -103), fileSize: probe.size)
            }
            return RepairOutcome(status: .alreadyFinalized, container: .webm, output: nil, videoFrames: video,
                                 audioFrames: audio, durationNs: info.durationNs ?? 0, inputDamage: nil)
        case .repaired(let report):
            guard rename(temporary, output) == 0 else {
                let e = errno
                unlink(temporary)
                throw .renameFailed(from: temporary, to: output, errno: e)
            }
            let damage = report.inputParseError.map { e in
                e.isTruncation
                    ? "truncated at byte \(probe.size)"
                    : "malformed element at byte \(e.offset) (\(InspectionError.parseCodeName(e.code)))"
            }
            return RepairOutcome(status: .repaired, container: .webm, output: output,
                                 videoFrames: report.summary.videoFrames, audioFrames: report.summary.audioFrames,
                                 durationNs: report.summary.durationNs, inputDamage: damage)
        }
    }

    private static func repairOgg(input: String, output: String, probe: FileProbe) throws(InspectionError) -> RepairOutcome {
        let result: RepairResult
        do {
            result = try OggOpusRepair.repair(input: input, output: output)
        } catch {
            throw .ogg(error, fileSize: probe.size)
        }
        switch result {
        case .alreadyFinalized(let summary):
            return RepairOutcome(status: .alreadyFinalized, container: .ogg, output: nil, videoFrames: 0,
                                 audioFrames: summary.packetCount,
                                 durationNs: SaturatingTime.nanoseconds(samples: summary.durationSamples), inputDamage: nil)
        case .repaired(let report):
            var damage: [String] = []
            if report.input.truncated { damage.append("truncated at byte \(probe.size)") }
            if !report.input.endOfStreamSeen { damage.append("no end-of-stream page") }
            if report.input.badPageCount > 0 { damage.append("\(report.input.badPageCount) corrupt pages") }
            if report.input.packetGapCount > 0 { damage.append("\(report.input.packetGapCount) missing pages") }
            if report.packetsDropped > 0 { damage.append("\(report.packetsDropped) malformed packets dropped") }
            return RepairOutcome(status: .repaired, container: .ogg, output: output, videoFrames: 0,
                                 audioFrames: report.packetsKept,
                                 durationNs: SaturatingTime.nanoseconds(samples: report.durationSamples),
                                 inputDamage: damage.isEmpty ? nil : damage.joined(separator: ", "))
        }
    }
}
