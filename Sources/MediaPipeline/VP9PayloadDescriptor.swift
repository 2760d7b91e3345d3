/// The VP9 payload descriptor at the start of every RTP VP9 payload
/// (RFC 9628 §4.2), flexible (F = 1) and non-flexible (F = 0) mode.
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |I|P|L|F|B|E|V|Z| (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PICTURE ID  | (M = 1: 15-bit PICTURE ID, one more octet)
///      +-+-+-+-+-+-+-+-+
/// L:   | TID |U| SID |D| (+ TL0PICIDX octet when F = 0)
///      +-+-+-+-+-+-+-+-+
/// F&P: | P_DIFF      |N| (up to 3, N = 1: another follows)
///      +-+-+-+-+-+-+-+-+
/// V:   | SS            | scalability structure (§4.2.1)
/// ```
/// B / E: the packet starts / ends a layer frame (one spatial layer of a
/// picture). P: inter-picture predicted (clear on the first layer frame of a
/// keyframe). Z: not used for inter-layer prediction.
///
/// Parsing does not allocate: the scalability structure is left in the
/// payload (`scalabilityStructure`), its layer sizes read with
/// `layerSize(_:in:)`.
public struct VP9PayloadDescriptor: Sendable, Equatable {
    public var isInterPicturePredicted: Bool
    public var isFlexible: Bool
    public var isStartOfFrame: Bool
    public var isEndOfFrame: Bool
    public var isNotUpperReference: Bool
    public var pictureID: UInt16?
    /// L: temporal and spatial layer (0 when absent).
    public var temporalID: UInt8
    public var spatialID: UInt8
    public var isSwitchingUp: Bool
    public var isInterLayerDependent: Bool
    public var tl0PictureIndex: UInt8?
    /// The number of P_DIFF reference indices (flexible mode).
    public var referenceCount: Int
    /// Where the scalability structure starts and how long it is (V = 1).
    public var scalabilityStructure: Range<Int>?
    /// Spatial layers the SS describes (N_S + 1), 0 without SS.
    public var ssSpatialLayers: Int
    /// The SS carries layer sizes (Y = 1).
    public var ssHasSizes: Bool
    /// The descriptor's length; the VP9 data starts here.
    public var encodedSize: Int

    /// Parses the descriptor at the start of `payload`.
    /// - Throws: `.truncatedVP9Descriptor` when a field runs past the payload.
    public init(parsing payload: UnsafeRawBufferPointer) throws(MediaPipelineError) {
        guard payload.count >= 1 else { throw .truncatedVP9Descriptor }
        let first = payload[0]
        let hasPictureID = first & 0x80 != 0
        isInterPicturePredicted = first & 0x40 != 0
        let hasLayers = first & 0x20 != 0
        isFlexible = first & 0x10 != 0
        isStartOfFrame = first & 0x08 != 0
        isEndOfFrame = first & 0x04 != 0
        let hasSS = first & 0x02 != 0
        isNotUpperReference = first & 0x01 != 0
        var offset = 1
        pictureID = nil
        if hasPictureID {
            guard offset < payload.count else { throw .truncatedVP9Descriptor }
            let b = payload[offset]
            if b & 0x80 != 0 {
                guard offset + 1 < payload.count else { throw .truncatedVP9Descriptor }
                pictureID = UInt16(b & 0x7F) << 8 | UInt16(payload[offset + 1])
                offset += 2
            } else {
                pictureID = UInt16(b)
                offset += 1
            }
        }
        temporalID = 0; spatialID = 0; isSwitchingUp = false; isInterLayerDependent = false; tl0PictureIndex = nil
        if hasLayers {
            guard offset < payload.count else { throw .truncatedVP9Descriptor }
            let b = payload[offset]
            temporalID = b >> 5
            isSwitchingUp = b & 0x10 != 0
            spatialID = (b >> 1) & 0x07
            isInterLayerDependent = b & 0x01 != 0
            offset += 1
            if !isFlexible {
                guard offset < payload.count else { throw .truncatedVP9Descriptor }
                tl0PictureIndex = payload[offset]
                offset += 1
            }
        }
        referenceCount = 0
        if isFlexible && isInterPicturePredicted {
            while true {
                guard offset < payload.count, referenceCount < 3 else { throw .truncatedVP9Descriptor }
                let b = payload[offset]
                offset += 1
                referenceCount += 1
                if b & 0x01 == 0 { break }
            }
        }
        scalabilityStructure = nil
        ssSpatialLayers = 0
        ssHasSizes = false
        if hasSS {
            let start = offset
            guard offset < payload.count else { throw .truncatedVP9Descriptor }
            let b = payload[offset]
            offset += 1
            ssSpatialLayers = Int(b >> 5) + 1
            ssHasSizes = b & 0x10 != 0
            let hasGroup = b & 0x08 != 0
            if ssHasSizes { offset += 4 * ssSpatialLayers }
            if hasGroup {
                guard offset < payload.count else { throw .truncatedVP9Descriptor }
                let groups = Int(payload[offset])
                offset += 1
                for _ in 0..<groups {
                    guard offset < payload.count else { throw .truncatedVP9Descriptor }
                    let r = Int((payload[offset] >> 2) & 0x03)
                    offset += 1 + r
                }
            }
            guard offset <= payload.count else { throw .truncatedVP9Descriptor }
            scalabilityStructure = start..<offset
        }
        encodedSize = offset
    }

    /// The width and height the SS gives spatial layer `layer` (Y = 1), read from `payload`.
    public func layerSize(_ layer: Int, in payload: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        guard let ss = scalabilityStructure, ssHasSizes, layer >= 0, layer < ssSpatialLayers else { return nil }
        let at = ss.lowerBound + 1 + 4 * layer
        guard at + 4 <= ss.upperBound else { return nil }
        let w = Int(payload[at]) << 8 | Int(payload[at + 1])
        let h = Int(payload[at + 2]) << 8 | Int(payload[at + 3])
        return w > 0 && h > 0 ? (w, h) : nil
    }
}
