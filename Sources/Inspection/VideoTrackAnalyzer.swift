import Codecs

/// Counts, times and decodes the frames of one video track. VP8 frames are
/// decoded with libvpx one by one; a frame that fails or comes out flagged
/// corrupt is a decode error. Other codecs are counted but not decoded.
///
/// Not thread-safe; owned by one inspection.
final class VideoTrackAnalyzer {
    private(set) var report: TrackReport
    private var timing = FrameTiming()
    private let decoder: VP8Decoder?
    private var current: (width: Int, height: Int)?
    /// Problems other than decode errors (header and picture disagree, …).
    private(set) var problems: [String] = []
    private(set) var warnings: [String] = []
    private var keyflagMismatches = 0

    init(number: UInt64, codecID: String, declaredWidth: Int, declaredHeight: Int) {
        report = TrackReport(number: number, kind: .video, codec: codecID)
        report.keyframes = 0
        report.declaredWidth = declaredWidth > 0 ? declaredWidth : nil
        report.declaredHeight = declaredHeight > 0 ? declaredHeight : nil
        var decoder: VP8Decoder?
        if codecID == "V_VP8" {
            do { decoder = try VP8Decoder() } catch { warnings.append("track \(number): cannot start the VP8 decoder: \(error)") }
        } else {
            warnings.append("track \(number): codec \(codecID) is counted but not decoded")
        }
        self.decoder = decoder
        report.decoded = decoder != nil
        if decoder != nil { report.vp8Keyframes = 0 }
    }

    /// Adds one frame in file order.
    func add(timestampNs: Int64, containerKeyframe: Bool, bytes: [UInt8]) {
        report.frames += 1
        if containerKeyframe { report.keyframes = (report.keyframes ?? 0) + 1 }
        timing.add(timestampNs)
        guard let decoder else { return }

        // A bad header is an error; libvpx still gets the frame (one error per frame).
        var header: VP8FrameHeader?
        var error: String?
        do throws(CodecsError) {
            header = try VP8FrameHeader(parsing: bytes)
        } catch let fault {
            error = "bad VP8 frame header (\(fault))"
        }
        if let header {
            if header.isKeyframe { report.vp8Keyframes = (report.vp8Keyframes ?? 0) + 1 }
            if header.isKeyframe != containerKeyframe { keyflagMismatches += 1 }
        }
        do {
            if let picture = try decoder.decode(bytes) {
                if picture.isCorrupted { error = error ?? "libvpx flagged the picture corrupt" }
                if let header, header.isKeyframe, let w = header.width, let h = header.height,
                   (w, h) != (picture.width, picture.height) {
                    problems.append("track \(report.number): keyframe at \(ReportFormatter.seconds(timestampNs)) says \(w)x\(h) but decodes to \(picture.width)x\(picture.height)")
                }
                note(width: picture.width, height: picture.height, at: timestampNs)
            } else if let header, header.isKeyframe, let w = header.width, let h = header.height {
                note(width: w, height: h, at: timestampNs)
            }
        } catch let e {
            error = error ?? "\(e)"
        }
        if let error {
            report.decodeErrors += 1
            if report.firstDecodeError == nil {
                report.firstDecodeError = "frame \(report.frames - 1) at \(ReportFormatter.seconds(timestampNs)): \(error)"
            }
        }
    }

    private func note(width: Int, height: Int, at t: Int64) {
        guard current.map({ $0 != (width, height) }) ?? true else { return }
        current = (width, height)
        report.resolutions.append(ResolutionChange(width: width, height: height, timestampNs: t))
    }

    /// The finished report.
    func finish() -> TrackReport {
        var r = report
        timing.apply(to: &r, lastFrameLength: nil)
        if keyflagMismatches > 0 {
            warnings.append("track \(r.number): \(keyflagMismatches) frames whose container keyframe flag disagrees with the VP8 header")
        }
        if timing.backwards > 0 {
            warnings.append("track \(r.number): \(timing.backwards) frames with a timestamp earlier than the previous frame's")
        }
        return r
    }

    var endNs: Int64? { timing.end(lastFrameLength: nil) }
}
