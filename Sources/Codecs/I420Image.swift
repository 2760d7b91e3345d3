#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A planar YUV 4:2:0 picture (I420): a full-size luma plane and two chroma
/// planes of `(width + 1) / 2 × (height + 1) / 2`, each tightly packed
/// (stride = plane width).
public struct I420Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var y: [UInt8]
    public var u: [UInt8]
    public var v: [UInt8]

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    /// A black picture (Y 16, U/V 128, video range).
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "I420Image needs positive dimensions")
        self.width = width
        self.height = height
        y = [UInt8](repeating: 16, count: width * height)
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        u = [UInt8](repeating: 128, count: cw * ch)
        v = [UInt8](repeating: 128, count: cw * ch)
    }

    /// Wraps existing planes; returns nil when a plane has the wrong size.
    public init?(width: Int, height: Int, y: [UInt8], u: [UInt8], v: [UInt8]) {
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        guard width > 0, height > 0, y.count == width * height, u.count == cw * ch, v.count == cw * ch else { return nil }
        self.width = width
        self.height = height
        self.y = y
        self.u = u
        self.v = v
    }

    /// Peak signal-to-noise ratio of the luma planes in dB (infinity when equal),
    /// or nil when the sizes differ.
    public func lumaPSNR(against other: I420Image) -> Double? {
        guard width == other.width, height == other.height else { return nil }
        var sum = 0
        for i in 0..<y.count {
            let d = Int(y[i]) - Int(other.y[i])
            sum += d * d
        }
        if sum == 0 { return .infinity }
        let mse = Double(sum) / Double(y.count)
        return 10 * log10(255 * 255 / mse)
    }
}
