import Codecs
import WebM

extension MediaInspector {
    static func inspectWebM(path: String, probe: FileProbe, into report: inout InspectionReport) {
        let header = probe.ebmlHeaderEnd()
        if header.end.map({ probe.size < $0 }) ?? (probe.size < UInt64(max(5, header.sizeFieldEnd))) {
            report.problems.append(InspectionError.ebmlHeaderTruncated(fileSize: probe.size, headerEnd: header.end).description)
            return
        }

        // Pass 1: headers, clusters and cues (the frame callback has no track table).
        let info: WebMFileInfo
        do {
            info = try WebMReader.info(path: path)
        } catch let error as WebMError {
            report.problems.append(InspectionError.webm(error, fileSize: probe.size).description)
            return
        } catch {
            report.problems.append("cannot read the WebM file: \(error)")
            return
        }

        var videos: [UInt64: VideoTrackAnalyzer] = [:]
        var audios: [UInt64: AudioTrackAnalyzer] = [:]
        var order: [UInt64] = []
        var others: [UInt64: TrackReport] = [:]
        for track in info.tracks where videos[track.number] == nil && audios[track.number] == nil && others[track.number] == nil {
            order.append(track.number)
            switch track.type {
            case .video:
                videos[track.number] = VideoTrackAnalyzer(number: track.number, codecID: track.codecID,
                                                          declaredWidth: track.width, declaredHeight: track.height,
                                                          codecPrivate: track.codecPrivate)
            case .audio:
                let isOpus = track.codecID == "A_OPUS"
                let head = isOpus ? try? OpusHead(parsing: track.codecPrivate) : nil
                if isOpus && head == nil {
                    report.warnings.append("track \(track.number): A_OPUS without a valid OpusHead in CodecPrivate")
                }
                audios[track.number] = AudioTrackAnalyzer(
                    number: track.number, codec: track.codecID, isOpus: isOpus,
                    channels: track.channels > 0 ? track.channels : Int(head?.channels ?? 0),
                    sampleRate: track.sampleRate, opusHead: head)
            case .other(let type):
                others[track.number] = TrackReport(number: track.number, kind: .other, codec: track.codecID)
                report.warnings.append("track \(track.number): type \(type) (\(track.codecID)) is counted but not decoded")
            }
        }

        // Pass 2: every frame, decoded.
        var unknownTrackFrames = 0
        let second: WebMFileInfo
        do {
            second = try WebMReader.read(path: path) { frame in
                if let v = videos[frame.trackNumber] {
                    v.add(timestampNs: frame.timestampNs, containerKeyframe: frame.isKeyframe, bytes: frame.bytes)
                } else if let a = audios[frame.trackNumber] {
                    a.add(timestampNs: frame.timestampNs, bytes: frame.bytes)
                } else if others[frame.trackNumber] != nil {
                    others[frame.trackNumber]?.frames += 1
                } else {
                    unknownTrackFrames += 1
                }
            }
        } catch {
            report.problems.append("the WebM file changed while it was read: \(error)")
            return
        }

        var videoEnd: Int64?, audioEnd: Int64?
        for number in order {
            if let v = videos[number] {
                report.tracks.append(v.finish())
                report.problems += v.problems
                report.warnings += v.warnings
                if videoEnd == nil { videoEnd = v.endNs }
            } else if let a = audios[number] {
                report.tracks.append(a.finish())
                report.warnings += a.warnings
                if audioEnd == nil { audioEnd = a.endNs }
            } else if let o = others[number] {
                report.tracks.append(o)
            }
        }
        if unknownTrackFrames > 0 {
            report.warnings.append("\(unknownTrackFrames) frames belong to no track in the Tracks element")
        }

        // Integrity.
        if let error = second.parseError {
            if error.isTruncation {
                if let end = second.lastCompleteClusterEnd {
                    report.problems.append("truncated at byte \(second.fileSize): last complete cluster ends at \(end)")
                } else {
                    report.problems.append("truncated at byte \(second.fileSize): no cluster is complete")
                }
            } else {
                report.problems.append("malformed element at byte \(error.offset) (\(InspectionError.parseCodeName(error.code))); nothing after it was read")
            }
        }
        if second.frameCount == 0 {
            report.problems.append("no frames")
        }
        for t in report.tracks where t.frames == 0 && second.frameCount > 0 {
            report.warnings.append("track \(t.number) (\(t.codec)) has no frames")
        }
        for t in report.tracks where t.decodeErrors > 0 {
            report.problems.append("track \(t.number) (\(t.codec)): \(t.decodeErrors) of \(t.frames) frames failed to decode; first: \(t.firstDecodeError ?? "?")")
        }

        report.finalized = second.isFinalized
        if !second.isFinalized && second.parseError == nil {
            var missing: [String] = []
            if second.durationNs == nil { missing.append("Duration") }
            if second.cuePointCount == 0 { missing.append("Cues") }
            report.warnings.append("not finalized: no \(missing.joined(separator: " and ")) (capstan repair adds them)")
        }

        report.durationNs = second.durationNs
        let ends = [videoEnd, audioEnd].compactMap { $0 } + report.tracks.compactMap { t in
            t.kind == .other ? t.lastTimestampNs : nil
        }
        report.computedDurationNs = ends.max()
        if let d = report.durationNs, let c = report.computedDurationNs,
           SaturatingTime.magnitude(SaturatingTime.subtract(d, c)) > durationTolerance {
            report.warnings.append("container duration \(ReportFormatter.seconds(d)) differs from the frames' \(ReportFormatter.seconds(c))")
        }
        if let v = report.track(.video)?.firstTimestampNs, let a = report.track(.audio)?.firstTimestampNs {
            report.avStartOffsetNs = SaturatingTime.subtract(v, a)
        }
    }
}
