/// One `<type>=<value>` line of SDP text (RFC 8866 §5), with its 1-based number.
struct SDPLine {
    var number: Int
    var type: Character
    var value: Substring

    /// Splits text into lines, accepting `\r\n` or bare `\n` (RFC 8866 §5
    /// asks parsers to be tolerant of `\n`), skipping blank lines, and
    /// enforcing the limits. Never traps.
    static func split(_ text: String, limits: SDPLimits) throws(SDPError) -> [SDPLine] {
        let size = text.utf8.count
        guard size <= limits.maxSize else {
            throw .limitExceeded(reason: "description is \(size) bytes, limit \(limits.maxSize)")
        }
        var lines: [SDPLine] = []
        var number = 0
        // Split on bytes: in Swift "\r\n" is one Character and would not match "\n".
        for rawLine in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard number <= limits.maxLines else {
                throw .limitExceeded(reason: "more than \(limits.maxLines) lines")
            }
            let bytes = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            if bytes.isEmpty { continue }
            guard bytes.count <= limits.maxLineLength else {
                throw .limitExceeded(reason: "line \(number) is longer than \(limits.maxLineLength) bytes")
            }
            guard !bytes.contains(where: { $0 == 0 || $0 == 0x0D }) else {
                throw .malformedLine(line: number, reason: "contains NUL or a stray carriage return")
            }
            guard bytes.count >= 2, let first = bytes.first, first >= 0x61, first <= 0x7A,
                  bytes[bytes.index(after: bytes.startIndex)] == 0x3D else {
                throw .malformedLine(line: number, reason: "expected '<letter>=<value>', found '\(Substring(bytes).prefix(40))'")
            }
            let value = Substring(bytes.dropFirst(2))
            lines.append(SDPLine(number: number, type: Character(Unicode.Scalar(first)), value: value))
        }
        return lines
    }
}
