/// One hot path of Capstan, measured one operation at a time.
///
/// Both runners drive a case the same way: `prepare(count:)` outside the
/// measurement (fresh keys, packets to unprotect, the next packets of a
/// stream), then `run(count:)` — the next `count` operations — inside it.
/// Stateful cases (jitter buffer, depacketizer, writers, the recording
/// pipeline) carry on from one call to the next, so after a warm-up they are
/// measured in steady state, as in a long-running session.
public protocol HotPathCase: AnyObject {
    /// Readies the next `count` operations. Not measured.
    func prepare(count: Int) throws
    /// Performs the next `count` operations. Measured.
    func run(count: Int)
    /// A check after a run that the operations did what they should (e.g.
    /// every packet unprotected, every frame assembled): nil if so, else why not.
    func verify() -> String?
}

/// A case's name, what one operation is, and how to make one.
public struct HotPathDescriptor: Sendable {
    /// A short stable name, e.g. `srtp-unprotect-gcm`.
    public let name: String
    /// What one operation is ("packet", "frame", "message").
    public let unit: String
    /// What the operation covers, for tables.
    public let summary: String
    /// Whether steady state should allocate nothing (the check in
    /// `scripts/bench-hotpaths --check`). False where allocation is expected
    /// and explained in `allocationNote`.
    public let expectsZeroAllocations: Bool
    public let allocationNote: String
    public let make: @Sendable () throws -> any HotPathCase

    public init(name: String, unit: String, summary: String, expectsZeroAllocations: Bool,
                allocationNote: String = "", make: @escaping @Sendable () throws -> any HotPathCase) {
        self.name = name
        self.unit = unit
        self.summary = summary
        self.expectsZeroAllocations = expectsZeroAllocations
        self.allocationNote = allocationNote
        self.make = make
    }
}

/// Every hot path, in pipeline order.
public enum HotPaths {
    public static let all: [HotPathDescriptor] = [
        STUNParseVerify.descriptor,
        ICELiteBinding.descriptor,
        SRTPUnprotect.descriptor(.aeadAES128GCM),
        SRTPUnprotect.descriptor(.aes128CMHMACSHA1_80),
        RTPParse.descriptor,
        JitterBufferInOrder.descriptor(reordered: false),
        JitterBufferInOrder.descriptor(reordered: true),
        VP8Depacketize.descriptor,
        H264Depacketize.descriptor,
        VP9Depacketize.descriptor,
        AV1Depacketize.descriptor,
        WebMBlockWrite.descriptor,
        OggPacketWrite.descriptor,
        RecordingPipeline.descriptor,
        RecordingPipeline.repairDescriptor,
    ]
}

/// Hands a value to code the optimizer cannot see into, so the work that made it stays.
@inline(never)
public func opaque<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
