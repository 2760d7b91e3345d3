/// A correction of one track's times that moves toward its target by a bounded
/// slew, never by a step (DESIGN.md §4 "One timeline"): at most
/// `maxSlewPerMillion` ns per million ns of media time that passes. At the
/// default 10 000 (1 %) a frame 33 ms after the one before moves at most
/// 0.33 ms (so frame intervals stay the RTP intervals to the file's 1 ms
/// tick), and a 50 ms misalignment is corrected in 5 s.
///
/// Before anything was written with it (`settle`), it may go straight to its
/// target. Saturating arithmetic throughout: targets come from peer data.
public struct SlewedCorrection: Sendable {
    /// The largest move per million ns of media time.
    public let maxSlewPerMillion: Int64
    /// Where the correction wants to be, in ns.
    public var targetNs: Int64 = 0
    /// The correction applied now, in ns.
    public private(set) var valueNs: Int64 = 0
    /// The total distance moved by slewing, in ns (for the sidecar).
    public private(set) var slewedNs: Int64 = 0
    private var lastMediaNs: Int64?

    /// Creates a correction at 0.
    public init(maxSlewPerMillion: Int64 = 10_000) {
        self.maxSlewPerMillion = max(0, maxSlewPerMillion)
    }

    /// A misalignment larger than this beyond the target (a path that delays
    /// one track by 100 ms, say) is closed at `fastSlewPerMillion` instead.
    public var fastThresholdNs: Int64 = 30_000_000
    /// The slew for gross misalignments: 5 %, 1.7 ms on a 33 ms frame.
    public var fastSlewPerMillion: Int64 = 50_000

    /// Aims at `estimateNs` known to within `deadbandNs`: the target becomes
    /// the nearest point of `estimate ± deadband` to where the correction is,
    /// so noise inside the estimate's own uncertainty moves nothing.
    public mutating func aim(at estimateNs: Int64, deadbandNs: Int64) {
        let band = max(0, deadbandNs)
        let low = estimateNs.subtractingSaturating(band), high = estimateNs.addingSaturating(band)
        targetNs = min(max(valueNs, low), high)
    }

    /// Jumps to the target: for use before any frame was placed with it.
    public mutating func settle() {
        valueNs = targetNs
    }

    /// The correction for a frame at media time `mediaNs` (the track's own
    /// uncorrected time): moves toward the target by at most the allowed slew
    /// over the media time since the previous call (none if time went back).
    public mutating func advance(toMediaNs mediaNs: Int64) -> Int64 {
        defer { lastMediaNs = mediaNs }
        guard let lastMediaNs else { return valueNs }
        let elapsed = max(0, mediaNs.subtractingSaturating(lastMediaNs))
        let distance = targetNs.subtractingSaturating(valueNs)
        let rate = distance.magnitude > fastThresholdNs.magnitude ? fastSlewPerMillion : maxSlewPerMillion
        let allowance = (elapsed / 1_000_000).multipliedSaturating(by: rate)
            .addingSaturating((elapsed % 1_000_000) * rate / 1_000_000)
        let move = distance > 0 ? min(distance, allowance) : max(distance, -allowance)
        valueNs = valueNs.addingSaturating(move)
        slewedNs = slewedNs.addingSaturating(move.magnitude > UInt64(Int64.max) ? .max : Int64(move.magnitude))
        return valueNs
    }
}
