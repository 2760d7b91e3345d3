import Codecs

/// Puts VP8 frames back together from the RTP packets of one SSRC (RFC 7741 §4).
///
/// Feed it packets in sequence order (the output of a `JitterBuffer`) and tell it
/// about gaps. A frame starts with a packet whose descriptor has S = 1 and PID = 0,
/// takes every following packet with the same RTP timestamp and contiguous sequence
/// numbers, and ends at the packet with the RTP marker bit. Keyframe flag and size
/// come from the VP8 payload header at the start of the frame (RFC 7741 §4.3, read
/// with `VP8FrameHeader`, which also checks that the first partition fits).
///
/// Packets that cannot make a complete frame — a frame whose start is missing, a
/// hole inside a frame, a frame cut off by a gap, malformed descriptors or payload
/// headers — are reported as `.dropped` and never emitted. A frame whose packets
/// all arrived but that follows such a loss is emitted with `followsLoss` set, so a
/// `VideoGate` can hold it back until the next keyframe.
///
/// A marker bit that never comes (some senders omit it) is tolerated: when a new
/// frame starts at the very next sequence number, the previous frame is complete.
///
/// Runs, gaps, discard records and allocation are `VideoFrameAssembler`'s;
/// `VP8PayloadFormat` says what is VP8's.
public typealias VP8Depacketizer = VideoFrameAssembler<VP8PayloadFormat>

extension VideoFrameAssembler where Format == VP8PayloadFormat {
    /// Creates a depacketizer.
    ///
    /// - Parameter maxFrameSize: the largest frame accepted (default 4 MiB).
    public init(maxFrameSize: Int = 4 << 20) {
        self.init(format: VP8PayloadFormat(), maxFrameSize: maxFrameSize)
    }
}

/// VP8's part of `VP8Depacketizer` (RFC 7741): the payload descriptor in front
/// of every payload, a frame starting at S = 1 with PID = 0, keyframe flag and
/// size from the payload header.
public struct VP8PayloadFormat: VideoPayloadFormat {
    private var descriptors = DescriptorReader<VP8PayloadDescriptor>()
    private var pictureID: VP8PictureID?

    public init() {}

    public mutating func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        descriptors.startProblem(payload)
    }

    public mutating func append(_ payload: UnsafeRawBufferPointer, first: Bool, to buffer: inout [UInt8],
                                maxFrameSize: Int) -> VideoDropReason? {
        let descriptor: VP8PayloadDescriptor
        do throws(MediaPipelineError) {
            descriptor = try descriptors.descriptor(of: payload, first: first)
        } catch {
            return .malformed(error)
        }
        if first {
            pictureID = descriptor.pictureID
        } else if descriptor.isStartOfFrame {
            return .missingEnd  // a second start under one timestamp: the frame's end was lost
        }
        let data = UnsafeRawBufferPointer(rebasing: payload[descriptor.encodedSize...])
        guard buffer.count + data.count <= maxFrameSize else { return .malformed(.vp8FrameTooLarge(limit: maxFrameSize)) }
        buffer.append(contentsOf: data)
        return nil
    }

    /// A frame ends at its marker, or — marker lost — when the next packet starts a frame.
    public func unfinished(next: UnsafeRawBufferPointer?) -> VideoDropReason? {
        guard let next else { return nil }
        return DescriptorReader<VP8PayloadDescriptor>.startsFrame(next) ? nil : .missingEnd
    }

    public mutating func abandon() { descriptors.forget() }

    public mutating func complete(_ buffer: inout [UInt8], maxFrameSize: Int) -> VideoFrameCompletion {
        do throws(CodecsError) {
            let header = try VP8FrameHeader(parsing: buffer)
            return .frame(isKeyframe: header.isKeyframe, width: header.width, height: header.height, pictureID: pictureID)
        } catch {
            if case .malformedVP8Frame(let fault) = error { return .dropped(.malformed(.malformedVP8PayloadHeader(fault))) }
            return .dropped(.malformed(.malformedVP8PayloadHeader(.truncated)))
        }
    }
}
