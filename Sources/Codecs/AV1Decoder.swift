internal import CDav1d

/// A picture produced by `AV1Decoder`.
public struct AV1DecodedFrame: Equatable, Sendable {
    public var width: Int
    public var height: Int
}

/// dav1d's AV1 decoder, for `capstan inspect`: one thread and no frame delay
/// (a temporal unit's picture comes out with it), the highest spatial layer.
/// Input: temporal units in low-overhead format (Matroska `V_AV1` blocks);
/// the `av1C` CodecPrivate's configOBUs (the sequence header) are fed first.
/// dav1d reports what it cannot decode (a missing reference, bad syntax) as
/// an error, which is thrown.
///
/// Not thread-safe; owned by its inspection. Owns its dav1d context.
public final class AV1Decoder {
    private var context: OpaquePointer?
    private var widths = [Int32](repeating: 0, count: 16)
    private var heights = [Int32](repeating: 0, count: 16)

    /// - Parameter av1C: the `AV1CodecConfigurationRecord`, or empty.
    public init(av1C: [UInt8] = []) throws(CodecsError) {
        var ctx: OpaquePointer?
        let rc = capstan_dav1d_open(&ctx)
        guard rc == 0, let ctx else { throw .av1(operation: "dav1d_open", code: rc, message: "dav1d refused to open") }
        context = ctx
        if av1C.count > 4 {
            // configOBUs: the sequence header (and metadata) OBUs after the 4-byte record.
            _ = try decode(Array(av1C[4...]))
        }
    }

    deinit {
        capstan_dav1d_close(&context)
    }

    /// Decodes one temporal unit; returns the pictures that came out.
    public func decode(_ data: [UInt8]) throws(CodecsError) -> [AV1DecodedFrame] {
        guard !data.isEmpty else { throw .av1(operation: "dav1d_send_data", code: -22, message: "empty temporal unit") }
        return try run(data)
    }

    /// Ends the stream: pictures still held.
    public func drain() throws(CodecsError) -> [AV1DecodedFrame] { try run([]) }

    private func run(_ data: [UInt8]) throws(CodecsError) -> [AV1DecodedFrame] {
        var count: Int32 = 0
        let max = Int32(widths.count)
        let rc = data.withUnsafeBufferPointer { bytes in
            widths.withUnsafeMutableBufferPointer { w in
                heights.withUnsafeMutableBufferPointer { h in
                    capstan_dav1d_decode(context, bytes.baseAddress, bytes.count, w.baseAddress, h.baseAddress, max, &count)
                }
            }
        }
        guard rc == 0 else {
            throw .av1(operation: "dav1d_send_data/get_picture", code: rc, message: "dav1d error \(rc)")
        }
        return (0..<Int(min(count, max))).map { AV1DecodedFrame(width: Int(widths[$0]), height: Int(heights[$0])) }
            + Array(repeating: AV1DecodedFrame(width: 0, height: 0), count: Int(Swift.max(0, count - max)))
    }
}
