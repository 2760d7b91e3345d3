extension SessionDescription {
    /// Parses SDP text (RFC 8866 §5). Tolerates `\n` or `\r\n` and blank
    /// lines; rejects unknown line types (RFC 8866 §5), input over
    /// `limits`, and malformed required lines, with a reason.
    public init(parsing text: String, limits: SDPLimits = .default) throws(SDPError) {
        let lines = try SDPLine.split(text, limits: limits)
        guard let first = lines.first else { throw .missingField(reason: "empty session description") }
        guard first.type == "v" else {
            throw .malformedLine(line: first.number, reason: "first line must be v=0")
        }
        guard first.value == "0" else {
            throw .malformedLine(line: first.number, reason: "unsupported version '\(first.value.prefix(10))'")
        }
        var origin: SDPOrigin?
        var sessionName: String?
        var information: String?
        var uri: String?
        var emails: [String] = []
        var phones: [String] = []
        var connection: SDPConnection?
        var bandwidths: [String] = []
        var timings: [SDPTiming] = []
        var timeZones: String?
        var encryptionKey: String?
        var attributes: [SDPAttribute] = []
        var media: [MediaDescription] = []

        func once<T>(_ existing: T?, _ line: SDPLine) throws(SDPError) {
            if existing != nil { throw .malformedLine(line: line.number, reason: "duplicate \(line.type)= line") }
        }

        for line in lines.dropFirst() {
            do throws(SDPError) {
                if var section = media.popLast() {
                    // Media level (RFC 8866 §5: i, c, b, k, a after m=).
                    switch line.type {
                    case "m":
                        media.append(section)
                        guard media.count < limits.maxMediaSections else {
                            throw SDPError.limitExceeded(reason: "more than \(limits.maxMediaSections) media sections")
                        }
                        media.append(try MediaDescription(parsingMediaLine: line.value, limits: limits))
                        continue
                    case "i": try once(section.title, line); section.title = String(line.value)
                    case "c": try once(section.connection, line); section.connection = try SDPConnection(parsing: line.value)
                    case "b": section.bandwidths.append(String(line.value))
                    case "k": try once(section.encryptionKey, line); section.encryptionKey = String(line.value)
                    case "a": section.attributes.append(SDPAttribute(parsing: line.value))
                    default:
                        throw SDPError.malformedLine(line: line.number, reason: "'\(line.type)=' is not allowed in a media section")
                    }
                    media.append(section)
                    continue
                }
                switch line.type {
                case "v": throw SDPError.malformedLine(line: line.number, reason: "duplicate v= line")
                case "o": try once(origin, line); origin = try SDPOrigin(parsing: line.value)
                case "s": try once(sessionName, line); sessionName = String(line.value)
                case "i": try once(information, line); information = String(line.value)
                case "u": try once(uri, line); uri = String(line.value)
                case "e": emails.append(String(line.value))
                case "p": phones.append(String(line.value))
                case "c": try once(connection, line); connection = try SDPConnection(parsing: line.value)
                case "b": bandwidths.append(String(line.value))
                case "t": timings.append(try SDPTiming(parsing: line.value))
                case "r":
                    guard !timings.isEmpty else {
                        throw SDPError.malformedLine(line: line.number, reason: "r= before any t= line")
                    }
                    timings[timings.count - 1].repeats.append(String(line.value))
                case "z": try once(timeZones, line); timeZones = String(line.value)
                case "k": try once(encryptionKey, line); encryptionKey = String(line.value)
                case "a": attributes.append(SDPAttribute(parsing: line.value))
                case "m":
                    guard limits.maxMediaSections > 0 else {
                        throw SDPError.limitExceeded(reason: "more than \(limits.maxMediaSections) media sections")
                    }
                    media.append(try MediaDescription(parsingMediaLine: line.value, limits: limits))
                default:
                    throw SDPError.malformedLine(line: line.number, reason: "unknown line type '\(line.type)='")
                }
            } catch {
                switch error {
                case .invalidAttribute(_, let reason): throw .malformedLine(line: line.number, reason: reason)
                default: throw error
                }
            }
        }
        guard let origin else { throw .missingField(reason: "missing o= line") }
        guard let sessionName else { throw .missingField(reason: "missing s= line") }
        guard !timings.isEmpty else { throw .missingField(reason: "missing t= line") }
        self.init(version: 0, origin: origin, sessionName: sessionName, information: information, uri: uri,
                  emails: emails, phones: phones, connection: connection, bandwidths: bandwidths,
                  timings: timings, timeZones: timeZones, encryptionKey: encryptionKey,
                  attributes: attributes, media: media)
    }

    /// Parses SDP bytes, checking the size limit before decoding and
    /// rejecting invalid UTF-8.
    public init(parsing bytes: some Collection<UInt8>, limits: SDPLimits = .default) throws(SDPError) {
        guard bytes.count <= limits.maxSize else {
            throw .limitExceeded(reason: "description is \(bytes.count) bytes, limit \(limits.maxSize)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformedLine(line: 0, reason: "description is not valid UTF-8")
        }
        try self.init(parsing: text, limits: limits)
    }
}
