extension OpusPacketInfo {
    /// The smallest valid packet meaning "`frameCount` frames of
    /// `frameDuration` with no data": every frame has length zero, which
    /// RFC 6716 §3.2.1 defines as DTX or a lost frame, so a decoder runs
    /// packet-loss concealment for it.
    ///
    /// One frame is a code 0 packet (the TOC byte alone), two a code 1
    /// packet (TOC alone, two empty halves), more a code 3 CBR packet (TOC and
    /// a frame count byte). The configuration is CELT fullband for 2.5–20 ms
    /// and SILK wideband for 40/60 ms (the only modes with those sizes);
    /// decoders conceal with the mode of the previous good packet.
    ///
    /// - Throws: `CodecsError.invalidArgument` when `frameCount` is below 1
    ///   or the packet would exceed 120 ms.
    public static func lostFramePacket(frameDuration: OpusFrameDuration, frameCount: Int = 1,
                                       stereo: Bool = false) throws(CodecsError) -> [UInt8] {
        guard frameCount >= 1, frameCount <= 48,
              frameCount * frameDuration.samples <= maxSamplesPerPacket else {
            throw .invalidArgument("lost-frame packet of \(frameCount) × \(frameDuration.samples) samples exceeds 120 ms")
        }
        return emptyFramesPacket(config: lostFrameConfig(frameDuration), stereo: stereo, count: frameCount)
    }

    /// Lost-frame packets that together cover `samples` samples per channel
    /// at 48 kHz, for filling a gap in a recording: 120 ms packets of six
    /// 20 ms frames, then 20, 10, 5 and 2.5 ms frames for the rest. A
    /// remainder below 2.5 ms (120 samples) cannot be expressed and is left out.
    public static func lostFramePackets(covering samples: Int, stereo: Bool = false) -> [[UInt8]] {
        var left = max(0, samples)
        var packets: [[UInt8]] = []
        while left >= maxSamplesPerPacket {
            packets.append(emptyFramesPacket(config: lostFrameConfig(.ms20), stereo: stereo, count: 6))
            left -= maxSamplesPerPacket
        }
        for duration in [OpusFrameDuration.ms20, .ms10, .ms5, .ms2_5] {
            let count = left / duration.samples
            if count > 0 {
                packets.append(emptyFramesPacket(config: lostFrameConfig(duration), stereo: stereo, count: count))
                left -= count * duration.samples
            }
        }
        return packets
    }

    /// CELT fullband for 2.5–20 ms, SILK wideband for 40/60 ms.
    private static func lostFrameConfig(_ duration: OpusFrameDuration) -> UInt8 {
        switch duration {
        case .ms2_5: 28
        case .ms5: 29
        case .ms10: 30
        case .ms20: 31
        case .ms40: 10
        case .ms60: 11
        }
    }

    /// A packet of `count` (1…48) zero-length frames: code 0, 1 or 3 CBR.
    private static func emptyFramesPacket(config: UInt8, stereo: Bool, count: Int) -> [UInt8] {
        let toc = config << 3 | (stereo ? 0x04 : 0)
        switch count {
        case 1: return [toc]
        case 2: return [toc | 1]
        default: return [toc | 3, UInt8(count)]
        }
    }
}
