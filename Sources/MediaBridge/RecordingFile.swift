#if canImport(Glibc)
import Glibc
#endif
import Codecs
import MediaPipeline
import Ogg
import WebM

/// The file a `MediaBridge` writes: a `WebMWriter` (VP8 + Opus into WebM,
/// H.264 + Opus into Matroska; timestamps in the blocks) or an `OggOpusWriter` (Opus only; time is the sample
/// count, so audio must be continuous, which `AudioGapFiller` sees to).
///
/// Not thread-safe; owned by its bridge.
final class RecordingFile {
    enum Writer {
        case webm(WebMWriter)
        case ogg(OggOpusWriter)
    }

    struct Outcome {
        var bytes: UInt64
        var durationNs: Int64
        /// The write error that stopped the recording, if any.
        var writeError: String?
    }

    let path: String
    let container: RecordingContainer
    private let writer: Writer
    private var audioSamples: Int64 = 0
    private let preSkip: Int64

    static let appName = "Capstan"

    /// Creates the file and writes its headers.
    init(path: String, container: RecordingContainer, video: WebMVideoTrack?, audioChannels: Int?,
         preSkip: UInt16) throws(MediaBridgeError) {
        self.path = path
        self.container = container
        self.preSkip = Int64(preSkip)
        let head = OpusHead(channels: UInt8(max(1, min(2, audioChannels ?? 1))), preSkip: preSkip)
        do {
            switch container {
            case .webm, .matroska:
                writer = .webm(try WebMWriter(
                    path: path,
                    video: video,
                    audio: audioChannels == nil ? nil : WebMAudioTrack.opus(opusHead: head.serialize()),
                    muxingApp: Self.appName, writingApp: Self.appName))
            case .ogg:
                writer = .ogg(try OggOpusWriter(path: path, head: head, vendor: Self.appName))
            }
        } catch {
            throw .storage("cannot create \(path): \(error)")
        }
    }

    func writeVideo(_ data: [UInt8], timeNs: Int64, keyframe: Bool) throws(MediaBridgeError) {
        guard case .webm(let webm) = writer else { return }
        do { try webm.writeFrame(track: .video, timestampNs: timeNs, keyframe: keyframe, data: data) } catch {
            throw .storage(Self.describe(error))
        }
    }

    func writeAudio(_ data: UnsafeRawBufferPointer, timeNs: Int64, samples: Int) throws(MediaBridgeError) {
        do {
            switch writer {
            case .webm(let webm): try webm.writeFrame(track: .audio, timestampNs: timeNs, keyframe: true, data: data)
            case .ogg(let ogg): try ogg.write(packet: data)
            }
        } catch {
            throw .storage(Self.describe(error))
        }
        audioSamples &+= Int64(samples)
    }

    /// Puts what is held in memory on disk (the open WebM cluster), so a
    /// crash loses at most what came since. Ogg pages already go out at
    /// least once a second.
    func flush() throws(MediaBridgeError) {
        guard case .webm(let webm) = writer else { return }
        do { try webm.flush() } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// Closes the file as far as it got.
    func finalize() -> Outcome {
        switch writer {
        case .webm(let webm):
            do {
                let summary = try webm.finalize()
                return Outcome(bytes: summary.bytes, durationNs: summary.durationNs,
                               writeError: summary.writeErrno.map { Self.describe(WebMError.writeFailed(errno: $0)) })
            } catch {
                return Outcome(bytes: Self.size(of: path), durationNs: 0, writeError: Self.describe(error))
            }
        case .ogg(let ogg):
            var failure: String?
            do { try ogg.finalize() } catch { failure = Self.describe(error) }
            return Outcome(bytes: Self.size(of: path),
                           durationNs: SenderReportClock.nanoseconds(ticks: max(0, audioSamples &- preSkip), rate: 48_000),
                           writeError: failure)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case WebMError.writeFailed(let e): "write failed: \(String(cString: strerror(e)))"
        case OggError.writeFailed(let e): "write failed: \(String(cString: strerror(e)))"
        default: "\(error)"
        }
    }

    static func size(of path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }
}
