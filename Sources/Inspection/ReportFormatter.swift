/// Renders inspection reports as the human-readable table of `capstan inspect`.
public enum ReportFormatter {
    /// One block per report: a summary line, a table of tracks, then the
    /// A/V offset, problems and warnings.
    public static func table(_ reports: [InspectionReport]) -> String {
        reports.map(table).joined(separator: "\n")
    }

    /// The block of one report.
    public static func table(_ r: InspectionReport) -> String {
        var lines: [String] = []
        var summary = "\(r.path): \(r.container.rawValue), \(r.valid ? "valid" : "INVALID")"
        if !r.tracks.isEmpty {
            summary += r.finalized ? ", finalized" : ", not finalized"
        }
        summary += ", \(r.fileSize) bytes"
        if let d = r.durationNs { summary += ", duration \(seconds(d))" }
        if let c = r.computedDurationNs { summary += " (frames: \(seconds(c)))" }
        lines.append(summary)
        if !r.tracks.isEmpty {
            let header = ["#", "kind", "codec", "frames", "key", "first", "max gap", "errors", "details"]
            var rows = [header]
            for t in r.tracks {
                var details: [String] = []
                if !t.resolutions.isEmpty {
                    details.append(t.resolutions.map { "\($0.width)x\($0.height)@\(seconds($0.timestampNs))" }
                        .joined(separator: " → "))
                } else if let w = t.declaredWidth, let h = t.declaredHeight {
                    details.append("\(w)x\(h) (declared)")
                }
                if let rate = t.sampleRate { details.append("\(Int(exactly: rate.rounded()).map(String.init) ?? "\(rate)") Hz") }
                if let ch = t.channels { details.append("\(ch) ch") }
                if !t.decoded { details.append("not decoded") }
                rows.append([
                    "\(t.number)", t.kind.rawValue, t.codec, "\(t.frames)",
                    t.keyframes.map(String.init) ?? "-",
                    t.firstTimestampNs.map(seconds) ?? "-",
                    t.largestGapNs.map(seconds) ?? "-",
                    "\(t.decodeErrors)", details.joined(separator: ", "),
                ])
            }
            let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { c, cell in
                    c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
                }
                lines.append("  " + cells.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        if let offset = r.avStartOffsetNs {
            lines.append("  A/V start offset (video − audio): \(offset >= 0 ? "+" : "")\(seconds(offset))")
        }
        for p in r.problems { lines.append("  problem: \(p)") }
        for w in r.warnings { lines.append("  warning: \(w)") }
        return lines.joined(separator: "\n")
    }

    /// Seconds with millisecond precision: "12.345 s".
    static func seconds(_ ns: Int64) -> String {
        let negative = ns < 0
        // ns comes from the file: |Int64.min| and the rounding must not trap.
        let ms = SaturatingTime.add(SaturatingTime.magnitude(ns), 500_000) / 1_000_000
        let frac = String(ms % 1000)
        return "\(negative ? "-" : "")\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac) s"
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
