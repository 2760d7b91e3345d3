import Codecs
import Ogg
import WebM

/// Inspects media files: detects the container from its magic bytes, parses
/// it whole, decodes every frame, and reports counts, timing, resolutions,
/// integrity and decode errors (`capstan inspect`).
///
/// Never throws and never traps on bad input: whatever is wrong becomes a
/// problem in the report.
public enum MediaInspector {
    /// Inspects the file at `path`.
    public static func inspect(path: String) -> InspectionReport {
        let probe: FileProbe
        do {
            probe = try FileProbe(path: path)
        } catch {
            var report = InspectionReport(path: path, container: .unknown, fileSize: 0)
            report.problems.append(error.description)
            return report
        }
        var report = InspectionReport(path: path, container: probe.container, fileSize: probe.size)
        if probe.size == 0 {
            report.problems.append(InspectionError.emptyFile.description)
            return report
        }
        switch probe.container {
        case .webm: inspectWebM(path: path, probe: probe, into: &report)
        case .ogg: inspectOgg(path: path, probe: probe, into: &report)
        case .unknown: report.problems.append(InspectionError.notMediaFile(leadingBytes: probe.leading).description)
        }
        return report
    }

    /// Inspects several files in order.
    public static func inspect(paths: [String]) -> [InspectionReport] {
        paths.map { inspect(path: $0) }
    }

    /// Durations that differ by more than this are reported as a warning.
    static let durationTolerance: Int64 = 500_000_000
}
