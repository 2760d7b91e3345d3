extension MediaDescription {
    /// The offered RTX format (RFC 4588 §8.6: `a=rtpmap:<pt> rtx/<rate>` with
    /// `a=fmtp:<pt> apt=<codec pt>`) that retransmits `codec`, if the `m=`
    /// line lists one. Among several, the offerer's first.
    func retransmissionFormat(for codec: RTPMap) -> RTPMap? {
        let maps = rtpMaps
        for format in formats {
            guard let pt = UInt8(format), pt != codec.payloadType,
                  let map = maps.first(where: { $0.payloadType == pt }),
                  map.encodingName.lowercased() == "rtx", map.clockRate == codec.clockRate,
                  let apt = SupportedCodec.parameter("apt", in: formatParameters(for: pt)?.parameters),
                  UInt8(apt) == codec.payloadType else { continue }
            return map
        }
        return nil
    }

    /// The offered RED format (RFC 2198 §5, `red/48000/2` for Opus) whose `a=fmtp` names only `codec`'s payload type
    /// (`111/111`: primary and redundant blocks are both Opus), if the `m=`
    /// line lists one.
    func redundancyFormat(for codec: RTPMap) -> RTPMap? {
        let maps = rtpMaps
        for format in formats {
            guard let pt = UInt8(format), pt != codec.payloadType,
                  let map = maps.first(where: { $0.payloadType == pt }),
                  map.encodingName.lowercased() == "red", map.clockRate == codec.clockRate,
                  map.channels == codec.channels,
                  let parameters = formatParameters(for: pt)?.parameters else { continue }
            let blocks = parameters.split(separator: "/", omittingEmptySubsequences: false)
            guard !blocks.isEmpty, blocks.allSatisfy({ UInt8($0.filter { $0 != " " }) == codec.payloadType }) else {
                continue
            }
            return map
        }
        return nil
    }

    /// The repair SSRCs (RTX) paired with `media` by `a=ssrc-group:FID`
    /// (RFC 4588 §8.1, RFC 5576 §4.2: the first SSRC is the media, the
    /// second its retransmission stream).
    func retransmissionSSRCs(of media: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        for group in ssrcGroups where group.semantics == "FID" && group.ssrcs.count >= 2 {
            guard media.contains(group.ssrcs[0]) else { continue }
            for ssrc in group.ssrcs.dropFirst() where !result.contains(ssrc) && !media.contains(ssrc) {
                result.append(ssrc)
            }
        }
        return result
    }
}
