import Codecs

/// Counts, times and decodes the frames of one audio track. Opus packets
/// are parsed (RFC 6716 §3) for their length and decoded with libopus; a
/// malformed packet or a failing decode is a decode error. Other codecs are
/// counted but not decoded.
///
/// Not thread-safe; owned by one inspection.
final class AudioTrackAnalyzer {
    private(set) var report: TrackReport
    private var timing = FrameTiming()
    private let decoder: OpusDecoder?
    private var lastLengthNs: Int64?
    private(set) var warnings: [String] = []
    /// Sum of the TOC lengths of the well-formed packets, in 48 kHz samples.
    private(set) var totalSamples: Int64 = 0

    /// - Parameters:
    ///   - opusHead: the OpusHead (WebM CodecPrivate or the Ogg header), used
    ///     to refuse multistream layouts a plain Opus decoder cannot read.
    init(number: UInt64, codec: String, isOpus: Bool, channels: Int, sampleRate: Double, opusHead: OpusHead?) {
        report = TrackReport(number: number, kind: .audio, codec: codec)
        report.channels = channels > 0 ? channels : nil
        // A file's SamplingFrequency may be NaN, infinite or absurd: only a
        // finite positive rate is reported (JSON cannot carry NaN or inf).
        report.sampleRate = sampleRate.isFinite && sampleRate > 0 ? sampleRate : nil
        if !sampleRate.isFinite || sampleRate < 0 {
            warnings.append("track \(number): sampling frequency \(sampleRate) is not a number of Hz; ignored")
        }
        var decoder: OpusDecoder?
        if isOpus {
            if let head = opusHead, head.mappingFamily != 0, head.channelMapping.map({ $0.streamCount != 1 }) ?? false {
                warnings.append("track \(number): multistream Opus (mapping family \(head.mappingFamily)) is counted but not decoded")
            } else {
                do {
                    decoder = try OpusDecoder(channels: min(2, max(1, channels)))
                } catch {
                    warnings.append("track \(number): cannot start the Opus decoder: \(error)")
                }
            }
        } else {
            warnings.append("track \(number): codec \(codec) is counted but not decoded")
        }
        self.decoder = decoder
        report.decoded = decoder != nil
    }

    /// Adds one frame in file order.
    func add(timestampNs: Int64, bytes: [UInt8]) {
        report.frames += 1
        timing.add(timestampNs)
        guard let decoder else { return }
        var failure: String?
        do throws(CodecsError) {
            let info = try OpusPacketInfo(parsing: bytes)
            totalSamples = SaturatingTime.add(totalSamples, Int64(info.totalSamples))
            lastLengthNs = Int64(info.totalSamples) * 1_000_000_000 / 48_000
        } catch {
            lastLengthNs = nil
            failure = "malformed Opus packet (\(error))"
        }
        do throws(CodecsError) {
            try decoder.decode(bytes)
        } catch {
            if failure == nil { failure = "\(error)" }
        }
        if let error = failure {
            report.decodeErrors += 1
            if report.firstDecodeError == nil {
                report.firstDecodeError = "frame \(report.frames - 1) at \(ReportFormatter.seconds(timestampNs)): \(error)"
            }
        }
    }

    /// Adds one packet of a stream without timestamps (Ogg): its time is the
    /// sum of the lengths of the packets before it.
    func addSequential(bytes: [UInt8]) {
        add(timestampNs: SaturatingTime.nanoseconds(samples: totalSamples), bytes: bytes)
    }

    /// The finished report.
    func finish() -> TrackReport {
        var r = report
        timing.apply(to: &r, lastFrameLength: lastLengthNs)
        if timing.backwards > 0 {
            warnings.append("track \(r.number): \(timing.backwards) frames with a timestamp earlier than the previous frame's")
        }
        return r
    }

    var endNs: Int64? { timing.end(lastFrameLength: lastLengthNs) }
}
