/// Synthetic test video: a luma gradient and a white bar that both move
/// every frame, with the frame number drawn in the top-left corner as six
/// digits of a built-in 3×5 bitmap font. `readFrameCounter(in:)` reads the
/// number back from a (decoded) picture, so tests can check which frame a
/// decoder produced.
public struct TestPattern: Sendable {
    public let width: Int
    public let height: Int
    /// Digits of the frame counter (the index modulo 10^6 is shown).
    public static let counterDigits = 6

    /// 3×5 glyphs for 0…9, row-major, most significant bit = top-left.
    static let glyphs: [UInt16] = [
        0b111_101_101_101_111, // 0
        0b010_110_010_010_111, // 1
        0b111_001_111_100_111, // 2
        0b111_001_111_001_111, // 3
        0b101_101_111_001_001, // 4
        0b111_100_111_001_111, // 5
        0b111_100_111_101_111, // 6
        0b111_001_001_001_001, // 7
        0b111_101_111_101_111, // 8
        0b111_101_111_001_111, // 9
    ]

    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
    }

    /// Side of one font pixel in picture pixels (0 when the picture is too
    /// small for a counter).
    var cell: Int {
        let byWidth = width / (Self.counterDigits * 4 + 3)
        return min(max(0, height / 60), byWidth, 16)
    }

    /// The top-left corner of the first digit.
    private var origin: (x: Int, y: Int) { (2 * cell, 2 * cell) }

    /// Renders frame `index` into a new picture.
    public func frame(_ index: Int) -> I420Image {
        var image = I420Image(width: width, height: height)
        render(index, into: &image)
        return image
    }

    /// Renders frame `index` into `image` (which must have this pattern's size).
    public func render(_ index: Int, into image: inout I420Image) {
        precondition(image.width == width && image.height == height, "image size differs from the pattern")
        let shift = index * 4
        let barWidth = max(2, width / 20)
        let barX = (index * 8) % max(1, width)
        image.y.withUnsafeMutableBufferPointer { y in
            for row in 0..<height {
                let base = row * width
                let vertical = (row * 64) / height
                for col in 0..<width {
                    let g = ((col + shift) * 160 / width + vertical) % 200
                    var value = 24 + g
                    let dx = (col - barX + width) % width
                    if dx < barWidth { value = 235 }
                    y[base + col] = UInt8(value)
                }
            }
        }
        let cw = image.chromaWidth, ch = image.chromaHeight
        for row in 0..<ch {
            for col in 0..<cw {
                image.u[row * cw + col] = UInt8(64 + (row * 128) / ch)
                image.v[row * cw + col] = UInt8(64 + (((col * 2 + shift) % width) * 128) / width)
            }
        }
        drawCounter(index, into: &image)
    }

    private func drawCounter(_ index: Int, into image: inout I420Image) {
        let s = cell
        guard s > 0 else { return }
        let (ox, oy) = origin
        // Black box with a one-cell margin around the digits.
        let boxX = ox - s, boxY = oy - s
        let boxW = (Self.counterDigits * 4 + 1) * s, boxH = 7 * s
        fill(&image, x: boxX, y: boxY, w: boxW, h: boxH, luma: 16)
        var value = ((index % 1_000_000) + 1_000_000) % 1_000_000
        var digits = [Int](repeating: 0, count: Self.counterDigits)
        for i in stride(from: Self.counterDigits - 1, through: 0, by: -1) {
            digits[i] = value % 10
            value /= 10
        }
        for (d, digit) in digits.enumerated() {
            let glyph = Self.glyphs[digit]
            for gy in 0..<5 {
                for gx in 0..<3 where glyph & (1 << (14 - (gy * 3 + gx))) != 0 {
                    fill(&image, x: ox + (d * 4 + gx) * s, y: oy + gy * s, w: s, h: s, luma: 235)
                }
            }
        }
    }

    private func fill(_ image: inout I420Image, x: Int, y: Int, w: Int, h: Int, luma: UInt8) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { image.y[row * width + col] = luma }
        }
        let cw = image.chromaWidth
        for row in max(0, y / 2)..<min(image.chromaHeight, (y + h + 1) / 2) {
            for col in max(0, x / 2)..<min(cw, (x + w + 1) / 2) {
                image.u[row * cw + col] = 128
                image.v[row * cw + col] = 128
            }
        }
    }

    /// Reads the frame counter back from a picture of this pattern's size by
    /// sampling the centre of each font cell. Returns nil when the picture
    /// has another size, is too small for a counter, or a digit does not
    /// match any glyph (e.g. a badly damaged decode).
    public func readFrameCounter(in image: I420Image) -> Int? {
        let s = cell
        guard s > 0, image.width == width, image.height == height else { return nil }
        let (ox, oy) = origin
        var value = 0
        for d in 0..<Self.counterDigits {
            var bits: UInt16 = 0
            for gy in 0..<5 {
                for gx in 0..<3 {
                    let cx = ox + (d * 4 + gx) * s + s / 2
                    let cy = oy + gy * s + s / 2
                    bits <<= 1
                    if image.y[cy * width + cx] > 128 { bits |= 1 }
                }
            }
            guard let digit = Self.glyphs.firstIndex(of: bits) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
