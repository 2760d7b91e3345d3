import CapstanTestSupport
import Foundation

/// Power of `samples` at `frequency` Hz (Goertzel algorithm), normalised by length.
func goertzelPower(_ samples: ArraySlice<Int16>, frequency: Double, sampleRate: Double = 48_000) -> Double {
    let w = 2 * Double.pi * frequency / sampleRate
    let coeff = 2 * cos(w)
    var s1 = 0.0, s2 = 0.0
    for x in samples {
        let s0 = Double(x) + coeff * s1 - s2
        s2 = s1
        s1 = s0
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / Double(samples.count * samples.count)
}

func rms(_ samples: ArraySlice<Int16>) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
    return (sum / Double(samples.count)).squareRoot()
}



typealias SeededGenerator = XorShiftStar
