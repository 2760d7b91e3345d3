#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A continuous sine tone as 16-bit PCM frames at 48 kHz (synthetic test
/// audio). The phase carries over between frames, so frames join without
/// clicks. Interleaved: every channel carries the same tone.
public struct ToneGenerator: Sendable {
    public static let sampleRate = 48_000

    public let frequency: Double
    /// Peak amplitude, 0…1 of full scale.
    public let amplitude: Double
    public let channels: Int
    /// Samples per channel per frame: 960 (20 ms) by default.
    public let frameSamples: Int
    private var phase = 0.0

    public init(frequency: Double = 440, amplitude: Double = 0.5, channels: Int = 1, frameSamples: Int = 960) {
        precondition(channels >= 1 && frameSamples >= 1 && (0...1).contains(amplitude))
        self.frequency = frequency
        self.amplitude = amplitude
        self.channels = channels
        self.frameSamples = frameSamples
    }

    /// Writes the next frame (`frameSamples * channels` values) into `out`.
    public mutating func render(into out: UnsafeMutableBufferPointer<Int16>) {
        precondition(out.count >= frameSamples * channels, "buffer too small for one frame")
        let step = 2 * Double.pi * frequency / Double(Self.sampleRate)
        let peak = amplitude * 32767
        for i in 0..<frameSamples {
            let value = Int16((sin(phase) * peak).rounded())
            for c in 0..<channels { out[i * channels + c] = value }
            phase += step
            if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
        }
    }

    /// The next frame as a new array.
    public mutating func nextFrame() -> [Int16] {
        var frame = [Int16](repeating: 0, count: frameSamples * channels)
        frame.withUnsafeMutableBufferPointer { render(into: $0) }
        return frame
    }
}
