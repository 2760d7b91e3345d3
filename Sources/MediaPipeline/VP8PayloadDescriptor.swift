/// The VP8 payload descriptor at the start of every RTP VP8 payload (RFC 7741 §4.2).
///
/// ```
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   | (present when M = 1: 15-bit PictureID)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// ```
/// X: extended control bits present. N: non-reference frame. S: start of a VP8
/// partition. PID: partition index (3 bits). I/L/T/K: PictureID, TL0PICIDX, TID and
/// KEYIDX present (the T/K octet is present when T or K is set). R and RSV are
/// reserved: written as 0, ignored on parse.
///
/// Parsing does not allocate. Serialization round-trips byte for byte for
/// descriptors with zero reserved bits whose X bit is set only when an optional
/// field follows (what every sender produces).
public struct VP8PayloadDescriptor: Hashable, Sendable {
    /// N: the frame can be discarded without affecting other frames.
    public var isNonReference: Bool
    /// S: this packet starts a VP8 partition.
    public var isStartOfPartition: Bool
    /// PID: the partition index, 0...7.
    public var partitionIndex: UInt8
    /// The PictureID (I bit), 7 or 15 bits.
    public var pictureID: VP8PictureID?
    /// TL0PICIDX (L bit): the running index of the temporal base layer frames.
    public var tl0PictureIndex: UInt8?
    /// TID (T bit): the temporal layer index, 0...3.
    public var temporalLayerIndex: UInt8?
    /// Y: layer sync; meaningful when the T/K octet is present.
    public var isLayerSync: Bool
    /// KEYIDX (K bit): the temporal key frame index, 0...31.
    public var keyIndex: UInt8?

    /// Creates a descriptor.
    public init(
        isNonReference: Bool = false, isStartOfPartition: Bool, partitionIndex: UInt8 = 0,
        pictureID: VP8PictureID? = nil, tl0PictureIndex: UInt8? = nil, temporalLayerIndex: UInt8? = nil,
        isLayerSync: Bool = false, keyIndex: UInt8? = nil
    ) {
        self.isNonReference = isNonReference
        self.isStartOfPartition = isStartOfPartition
        self.partitionIndex = partitionIndex & 0x07
        self.pictureID = pictureID
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayerIndex = temporalLayerIndex.map { $0 & 0x03 }
        self.isLayerSync = isLayerSync
        self.keyIndex = keyIndex.map { $0 & 0x1F }
    }

    /// True when this packet holds the first octets of a frame: S = 1 and PID = 0
    /// (RFC 7741 §4.2, the packet that carries the VP8 payload header of §4.3).
    @inlinable
    public var isStartOfFrame: Bool { isStartOfPartition && partitionIndex == 0 }

    private var hasExtension: Bool {
        pictureID != nil || tl0PictureIndex != nil || temporalLayerIndex != nil || keyIndex != nil
    }

    /// The descriptor's length on the wire: 1 to 6 octets.
    public var encodedSize: Int {
        guard hasExtension else { return 1 }
        var size = 2 + (pictureID?.encodedSize ?? 0)
        if tl0PictureIndex != nil { size += 1 }
        if temporalLayerIndex != nil || keyIndex != nil { size += 1 }
        return size
    }

    /// Parses the descriptor at the start of `payload`; the VP8 data starts at
    /// `encodedSize`. Does not allocate.
    ///
    /// - Throws: `MediaPipelineError.truncatedVP8Descriptor` when the payload is
    ///   empty or ends inside an optional field.
    public init(parsing payload: UnsafeRawBufferPointer) throws(MediaPipelineError) {
        let count = payload.count
        guard count >= 1 else { throw .truncatedVP8Descriptor }
        let b0 = payload[0]
        isNonReference = b0 & 0x20 != 0
        isStartOfPartition = b0 & 0x10 != 0
        partitionIndex = b0 & 0x07
        pictureID = nil
        tl0PictureIndex = nil
        temporalLayerIndex = nil
        isLayerSync = false
        keyIndex = nil
        guard b0 & 0x80 != 0 else { return }
        guard count >= 2 else { throw .truncatedVP8Descriptor }
        let x = payload[1]
        var offset = 2
        if x & 0x80 != 0 {  // I
            guard count > offset else { throw .truncatedVP8Descriptor }
            let p0 = payload[offset]
            if p0 & 0x80 != 0 {  // M: 15-bit PictureID
                guard count > offset + 1 else { throw .truncatedVP8Descriptor }
                pictureID = .long(UInt16(p0 & 0x7F) << 8 | UInt16(payload[offset + 1]))
                offset += 2
            } else {
                pictureID = .short(p0)
                offset += 1
            }
        }
        if x & 0x40 != 0 {  // L
            guard count > offset else { throw .truncatedVP8Descriptor }
            tl0PictureIndex = payload[offset]
            offset += 1
        }
        if x & 0x30 != 0 {  // T or K
            guard count > offset else { throw .truncatedVP8Descriptor }
            let tk = payload[offset]
            if x & 0x20 != 0 { temporalLayerIndex = tk >> 6 }
            isLayerSync = tk & 0x20 != 0
            if x & 0x10 != 0 { keyIndex = tk & 0x1F }
        }
    }

    /// Parses the descriptor at the start of `payload`.
    public init(parsing payload: [UInt8]) throws(MediaPipelineError) {
        let result: Result<VP8PayloadDescriptor, MediaPipelineError> = payload.withUnsafeBytes { raw in
            do throws(MediaPipelineError) { return .success(try VP8PayloadDescriptor(parsing: raw)) } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Writes the descriptor at the start of `buffer`; returns `encodedSize`.
    ///
    /// - Precondition: `buffer.count >= encodedSize`.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let size = encodedSize
        precondition(buffer.count >= size, "buffer of \(buffer.count) bytes is smaller than encodedSize \(size)")
        var b0: UInt8 = partitionIndex & 0x07
        if isNonReference { b0 |= 0x20 }
        if isStartOfPartition { b0 |= 0x10 }
        guard hasExtension else {
            buffer[0] = b0
            return 1
        }
        buffer[0] = b0 | 0x80
        var x: UInt8 = 0
        if pictureID != nil { x |= 0x80 }
        if tl0PictureIndex != nil { x |= 0x40 }
        if temporalLayerIndex != nil { x |= 0x20 }
        if keyIndex != nil { x |= 0x10 }
        buffer[1] = x
        var offset = 2
        switch pictureID {
        case .short(let v):
            buffer[offset] = v & 0x7F
            offset += 1
        case .long(let v):
            buffer[offset] = 0x80 | UInt8(truncatingIfNeeded: (v >> 8) & 0x7F)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: v)
            offset += 2
        case nil:
            break
        }
        if let tl0PictureIndex {
            buffer[offset] = tl0PictureIndex
            offset += 1
        }
        if temporalLayerIndex != nil || keyIndex != nil {
            var tk: UInt8 = (temporalLayerIndex ?? 0) << 6
            if isLayerSync { tk |= 0x20 }
            tk |= (keyIndex ?? 0) & 0x1F
            buffer[offset] = tk
            offset += 1
        }
        assert(offset == size)
        return size
    }

    /// Appends the descriptor to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        let start = bytes.count
        let size = encodedSize
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { raw in
            _ = write(into: UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + size]))
        }
    }

    /// The descriptor as a new array.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        write(to: &bytes)
        return bytes
    }
}
