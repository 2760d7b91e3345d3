/// A payload descriptor in front of every RTP payload of a format (VP8's
/// RFC 7741 §4.2, VP9's RFC 9628 §4.2): what `DescriptorReader` needs of it.
public protocol LeadingPayloadDescriptor: Sendable {
    init(parsing payload: UnsafeRawBufferPointer) throws(MediaPipelineError)
    /// Its length in the payload; the media data follows.
    var encodedSize: Int { get }
    /// The packet begins a frame.
    var isStartOfFrame: Bool { get }
    /// The error for a descriptor with no media data after it.
    static var emptyPayload: MediaPipelineError { get }
}

extension VP8PayloadDescriptor: LeadingPayloadDescriptor {
    public static var emptyPayload: MediaPipelineError { .emptyVP8Payload }
}

extension VP9PayloadDescriptor: LeadingPayloadDescriptor {
    public static var emptyPayload: MediaPipelineError { .malformedVP9Payload(.empty) }
}

/// Reads the leading descriptor of each packet for a `VideoPayloadFormat`
/// once: the one `startProblem` read for a frame's first packet is kept for
/// its `append`.
struct DescriptorReader<Descriptor: LeadingPayloadDescriptor>: Sendable {
    private var started: Descriptor?

    /// The descriptor, with media data after it.
    @inline(__always)
    static func read(_ payload: UnsafeRawBufferPointer) throws(MediaPipelineError) -> Descriptor {
        let descriptor = try Descriptor(parsing: payload)
        guard payload.count > descriptor.encodedSize else { throw Descriptor.emptyPayload }
        return descriptor
    }

    /// `VideoPayloadFormat.startProblem`: nil when the packet starts a frame.
    mutating func startProblem(_ payload: UnsafeRawBufferPointer) -> VideoDropReason? {
        do throws(MediaPipelineError) {
            let descriptor = try Self.read(payload)
            guard descriptor.isStartOfFrame else { return .missingStart }
            started = descriptor
            return nil
        } catch {
            return .malformed(error)
        }
    }

    /// The descriptor of the packet being appended (`first`: the frame's first).
    @inline(__always)
    mutating func descriptor(of payload: UnsafeRawBufferPointer, first: Bool) throws(MediaPipelineError) -> Descriptor {
        if first, let started {
            self.started = nil
            return started
        }
        return try Self.read(payload)
    }

    /// Whether the packet `next` starts a frame (it reads as one with S/B set).
    static func startsFrame(_ next: UnsafeRawBufferPointer) -> Bool {
        (try? read(next))?.isStartOfFrame ?? false
    }

    mutating func forget() { started = nil }
}
