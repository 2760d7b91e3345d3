import Codecs
import Ogg

extension MediaInspector {
    static func inspectOgg(path: String, probe: FileProbe, into report: inout InspectionReport) {
        // An Ogg page header is 27 bytes at least (RFC 3533 §6).
        if probe.size < 27 {
            report.problems.append(InspectionError.ogg(.truncatedHeader, fileSize: probe.size).description)
            return
        }
        let reader: OggOpusReader
        do {
            reader = try OggOpusReader(path: path)
        } catch {
            report.problems.append(InspectionError.ogg(error, fileSize: probe.size).description)
            return
        }
        let head = reader.head
        let audio = AudioTrackAnalyzer(number: 1, codec: "opus", isOpus: true, channels: Int(head.channels),
                                       sampleRate: Double(OpusDecoder.sampleRate), opusHead: head)
        // The first page's granule minus the samples it completes gives the
        // stream's starting sample (RFC 7845 §4.5).
        var startSamples: Int64?
        var readError: String?
        do {
            while let packet = try reader.nextPacket() {
                audio.addSequential(bytes: packet.data)
                if startSamples == nil && packet.granulePosition >= 0 {
                    startSamples = packet.granulePosition - audio.totalSamples
                }
            }
        } catch {
            readError = error.description
        }
        let summary = reader.summary

        var track = audio.finish()
        // Granule positions and sample counts come from the file: every sum
        // and product saturates (granules past OggOpusReader.maxGranulePosition
        // are refused by the reader, a problem below).
        let shift = SaturatingTime.nanoseconds(samples: SaturatingTime.subtract(startSamples ?? 0, Int64(head.preSkip)))
        track.firstTimestampNs = track.firstTimestampNs.map { SaturatingTime.add($0, shift) }
        track.lastTimestampNs = track.lastTimestampNs.map { SaturatingTime.add($0, shift) }
        track.largestGapAtNs = track.largestGapAtNs.map { SaturatingTime.add($0, shift) }
        report.tracks = [track]
        report.warnings += audio.warnings

        if let readError { report.problems.append(readError) }
        if summary.truncated {
            report.problems.append("truncated at byte \(probe.size): the last Ogg page or packet is incomplete")
        }
        if summary.badPageCount > 0 {
            report.problems.append("\(summary.badPageCount) corrupt Ogg pages or losses of sync (CRC mismatch or garbage between pages)")
        }
        if summary.badGranuleCount > 0 {
            report.problems.append("\(summary.badGranuleCount) pages whose granule position goes backwards or is negative (RFC 7845 §4)")
        }
        if summary.packetGapCount > 0 {
            report.problems.append("\(summary.packetGapCount) holes in the packet sequence (pages missing)")
        }
        if summary.packetCount == 0 {
            report.problems.append("no audio packets")
        }
        if track.decodeErrors > 0 {
            report.problems.append("track 1 (opus): \(track.decodeErrors) of \(track.frames) packets failed to decode; first: \(track.firstDecodeError ?? "?")")
        }
        if summary.tags == nil {
            report.warnings.append("no OpusTags header packet")
        }
        if summary.foreignPageCount > 0 {
            report.warnings.append("\(summary.foreignPageCount) pages of other logical streams ignored")
        }
        report.finalized = summary.endOfStreamSeen && !summary.truncated
        if !summary.endOfStreamSeen && !summary.truncated {
            report.warnings.append("not finalized: no end-of-stream page (capstan repair adds it)")
        }
        if summary.lastGranulePosition > 0 {
            report.durationNs = SaturatingTime.nanoseconds(samples: summary.durationSamples)
        }
        if track.frames > 0 {
            report.computedDurationNs = SaturatingTime.nanoseconds(samples: max(0, SaturatingTime.subtract(audio.totalSamples, Int64(head.preSkip))))
        }
        if let d = report.durationNs, let c = report.computedDurationNs,
           SaturatingTime.magnitude(SaturatingTime.subtract(d, c)) > durationTolerance {
            report.warnings.append("granule duration \(ReportFormatter.seconds(d)) differs from the packets' \(ReportFormatter.seconds(c))")
        }
    }
}
