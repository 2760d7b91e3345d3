import Codecs

/// Counts, times and decodes the frames of one video track. VP8 and VP9
/// frames are decoded with libvpx one by one (VP9 superframes whole), H.264 (`V_MPEG4/ISO/AVC`, with its `avcC`)
/// with libavcodec; a frame that fails or comes out flagged corrupt is a
/// decode error, and an H.264 stream must give back one picture per frame.
/// Other codecs are counted but not decoded.
///
/// Not thread-safe; owned by one inspection.
final class VideoTrackAnalyzer {
    private(set) var report: TrackReport
    private var timing = FrameTiming()
    private let decoder: VP8Decoder?
    private let isVP9: Bool
    private let h264: H264Decoder?
    private let av1: AV1Decoder?
    private var av1Pictures = 0
    private var h264Pictures = 0
    private var current: (width: Int, height: Int)?
    /// Problems other than decode errors (header and picture disagree, …).
    private(set) var problems: [String] = []
    private(set) var warnings: [String] = []
    private var keyflagMismatches = 0

    init(number: UInt64, codecID: String, declaredWidth: Int, declaredHeight: Int, codecPrivate: [UInt8] = []) {
        report = TrackReport(number: number, kind: .video, codec: codecID)
        report.keyframes = 0
        report.declaredWidth = declaredWidth > 0 ? declaredWidth : nil
        report.declaredHeight = declaredHeight > 0 ? declaredHeight : nil
        var decoder: VP8Decoder?
        var h264: H264Decoder?
        var av1: AV1Decoder?
        isVP9 = codecID == "V_VP9"
        if codecID == "V_VP8" {
            do { decoder = try VP8Decoder() } catch { warnings.append("track \(number): cannot start the VP8 decoder: \(error)") }
        } else if codecID == "V_VP9" {
            do { decoder = try VP8Decoder(codec: .vp9) } catch {
                problems.append("track \(number): cannot start the VP9 decoder: \(error)")
            }
        } else if codecID == "V_AV1" {
            if codecPrivate.isEmpty {
                problems.append("track \(number): V_AV1 without CodecPrivate (av1C)")
            }
            do { av1 = try AV1Decoder(av1C: codecPrivate) } catch {
                problems.append("track \(number): cannot start the AV1 decoder with this av1C: \(error)")
            }
        } else if codecID == "V_MPEG4/ISO/AVC" {
            if codecPrivate.isEmpty {
                problems.append("track \(number): V_MPEG4/ISO/AVC without CodecPrivate (avcC)")
            }
            do { h264 = try H264Decoder(avcC: codecPrivate) } catch {
                problems.append("track \(number): cannot start the H.264 decoder with this avcC: \(error)")
            }
        } else {
            warnings.append("track \(number): codec \(codecID) is counted but not decoded")
        }
        self.decoder = decoder
        self.h264 = h264
        self.av1 = av1
        report.decoded = decoder != nil || h264 != nil || av1 != nil
        if decoder != nil && !isVP9 { report.vp8Keyframes = 0 }
    }

    /// Adds one frame in file order.
    func add(timestampNs: Int64, containerKeyframe: Bool, bytes: [UInt8]) {
        report.frames += 1
        if containerKeyframe { report.keyframes = (report.keyframes ?? 0) + 1 }
        timing.add(timestampNs)
        if let h264 {
            do {
                take(try h264.decode(bytes, pts: timestampNs))
            } catch {
                noteDecodeError("\(error)", at: timestampNs)
            }
            return
        }
        if let av1 {
            do {
                for picture in try av1.decode(bytes) {
                    av1Pictures += 1
                    note(width: picture.width, height: picture.height, at: timestampNs)
                }
            } catch {
                noteDecodeError("\(error)", at: timestampNs)
            }
            return
        }
        guard let decoder else { return }
        if isVP9 {
            addVP9(bytes, timestampNs: timestampNs, containerKeyframe: containerKeyframe, decoder: decoder)
            return
        }

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

    /// A VP9 frame (or superframe): its first frame's uncompressed header is
    /// checked against the container's keyframe flag, libvpx decodes it.
    private func addVP9(_ bytes: [UInt8], timestampNs: Int64, containerKeyframe: Bool, decoder: VP8Decoder) {
        var error: String?
        do throws(CodecsError) {
            let header = try VP9FrameHeader(parsing: bytes)
            if header.isKeyframe != containerKeyframe { keyflagMismatches += 1 }
        } catch let fault {
            error = "bad VP9 uncompressed header (\(fault))"
        }
        do {
            if let picture = try decoder.decode(bytes) {
                if picture.isCorrupted { error = error ?? "libvpx flagged the picture corrupt" }
                note(width: picture.width, height: picture.height, at: timestampNs)
            }
        } catch let e {
            error = error ?? "\(e)"
        }
        if let error { noteDecodeError(error, at: timestampNs) }
    }

    /// H.264 pictures out of the decoder (in presentation order, at their pts).
    private func take(_ pictures: [H264DecodedFrame]) {
        for picture in pictures {
            h264Pictures += 1
            if picture.isCorrupted { noteDecodeError("libavcodec flagged the picture corrupt", at: picture.pts) }
            note(width: picture.width, height: picture.height, at: picture.pts)
        }
    }

    private func noteDecodeError(_ error: String, at timestampNs: Int64) {
        report.decodeErrors += 1
        if report.firstDecodeError == nil {
            report.firstDecodeError = "frame \(report.frames - 1) at \(ReportFormatter.seconds(timestampNs)): \(error)"
        }
    }

    private func note(width: Int, height: Int, at t: Int64) {
        guard current.map({ $0 != (width, height) }) ?? true else { return }
        current = (width, height)
        report.resolutions.append(ResolutionChange(width: width, height: height, timestampNs: t))
    }

    /// The finished report.
    func finish() -> TrackReport {
        if let h264 {
            do { take(try h264.drain()) } catch { noteDecodeError("draining: \(error)", at: timing.end(lastFrameLength: nil) ?? 0) }
            if h264Pictures != report.frames {
                problems.append("track \(report.number): libavcodec gave \(h264Pictures) pictures for \(report.frames) frames")
            }
        }
        if let av1 {
            do { av1Pictures += try av1.drain().count } catch { noteDecodeError("draining: \(error)", at: timing.end(lastFrameLength: nil) ?? 0) }
            if av1Pictures != report.frames {
                problems.append("track \(report.number): dav1d gave \(av1Pictures) pictures for \(report.frames) temporal units")
            }
        }
        var r = report
        timing.apply(to: &r, lastFrameLength: nil)
        if keyflagMismatches > 0 {
            warnings.append("track \(r.number): \(keyflagMismatches) frames whose container keyframe flag disagrees with the \(isVP9 ? "VP9" : "VP8") header")
        }
        if timing.backwards > 0 {
            warnings.append("track \(r.number): \(timing.backwards) frames with a timestamp earlier than the previous frame's")
        }
        return r
    }

    var endNs: Int64? { timing.end(lastFrameLength: nil) }
}
