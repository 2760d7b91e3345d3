import Foundation
import Testing

/// A recording opened in headless Chromium's `<video>` the way a person
/// opens it: through the signed link `GET /api/recordings` lists (a
/// `<video>` cannot send a bearer token), on a page of the daemon's own
/// origin. It loads, seeks to the middle, shows a frame there, and plays
/// to the end at 4× speed.
struct BrowserPlayback: CustomStringConvertible {
    /// `<video>.duration` once the metadata loaded, seconds.
    var duration: Double
    /// `currentTime` when `seeked` fired after seeking to `duration / 2`.
    var afterSeek: Double
    /// `readyState` after the seek, once a frame there is ready (≥ 2, HAVE_CURRENT_DATA).
    var readyStateAfterSeek: Int
    /// `videoWidth` × `videoHeight`.
    var width: Int
    var height: Int
    /// `ended` after playing from the middle.
    var ended: Bool
    /// `getVideoPlaybackQuality().totalVideoFrames` at the end.
    var framesShown: Int

    var description: String {
        "duration \(duration) s, seek → \(afterSeek) s (readyState \(readyStateAfterSeek)), \(width)x\(height), "
            + "ended \(ended), \(framesShown) frames shown"
    }

    /// The script: finds the session's signed link, plays, returns JSON.
    static func script(sessionID id: String, token: String?) -> String {
        let authorization = token.map { "{ Authorization: 'Bearer \($0)' }" } ?? "{}"
        return """
            (async () => {
              const list = await (await fetch('/api/recordings', { headers: \(authorization) })).json();
              const mine = (Array.isArray(list) ? list : (list.recordings || [])).find(r => r.sessionId === '\(id)' || r.id === '\(id)');
              if (!mine || !mine.url) throw new Error('no signed link for \(id): ' + JSON.stringify(list).slice(0, 300));
              const v = document.createElement('video'); v.muted = true; document.body.appendChild(v);
              v.src = mine.url;
              await new Promise((ok, fail) => { v.onloadedmetadata = ok;
                v.onerror = () => fail(new Error('load: ' + (v.error && (v.error.code + ' ' + v.error.message)))); });
              const duration = v.duration;
              v.currentTime = duration / 2;
              await new Promise((ok, fail) => { v.onseeked = ok; setTimeout(() => fail(new Error('no seeked')), 15000); });
              const afterSeek = v.currentTime;
              if (v.readyState < 2) await new Promise((ok, fail) => { v.onloadeddata = ok; v.oncanplay = ok;
                setTimeout(() => fail(new Error('no frame after the seek: readyState ' + v.readyState)), 15000); });
              const readyStateAfterSeek = v.readyState;
              v.playbackRate = 4;
              await v.play();
              await new Promise((ok, fail) => { if (v.ended) return ok(); v.onended = ok;
                setTimeout(() => fail(new Error('no end at ' + v.currentTime + ' of ' + v.duration)), 30000); });
              return JSON.stringify({ duration, afterSeek, readyStateAfterSeek, width: v.videoWidth, height: v.videoHeight,
                                      ended: v.ended, framesShown: v.getVideoPlaybackQuality().totalVideoFrames });
            })()
            """
    }

    /// Plays session `id`'s recording on `page` (a page of the daemon's origin).
    static func play(sessionID id: String, on page: DevToolsPage, token: String?) async throws -> BrowserPlayback {
        let text = try #require(try await page.evaluate(script(sessionID: id, token: token), timeout: .seconds(90)) as? String)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
        return BrowserPlayback(
            duration: json["duration"] as? Double ?? .nan, afterSeek: json["afterSeek"] as? Double ?? .nan,
            readyStateAfterSeek: json["readyStateAfterSeek"] as? Int ?? 0,
            width: json["width"] as? Int ?? 0, height: json["height"] as? Int ?? 0,
            ended: json["ended"] as? Bool ?? false, framesShown: json["framesShown"] as? Int ?? 0)
    }

    /// Plays session `id`'s recording in a Chromium of its own, on the
    /// daemon's `/samples/` page (start the daemon with `CAPSTAN_SAMPLES`).
    static func play(sessionID id: String, daemon: DaemonProcess, token: String? = nil) async throws -> BrowserPlayback {
        let browser = try HeadlessChromium(url: daemon.httpBase.appendingPathComponent("samples/").absoluteString)
        defer { browser.stop() }
        let page = try await browser.page()
        defer { page.close() }
        #expect(try await page.waitFor("document.readyState === 'complete'"))
        return try await play(sessionID: id, on: page, token: token)
    }

    /// Where headless Chromium is installed: plays session `id`'s recording
    /// (`play(sessionID:daemon:token:)`) and expects it correct; prints what it saw.
    static func expectPlays(sessionID id: String, daemon: DaemonProcess, fileDurationSeconds: Double,
                            size: (width: Int, height: Int)? = nil, label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard HeadlessChromium.available else { return }
        let playback = try await play(sessionID: id, daemon: daemon)
        playback.expectCorrect(fileDurationSeconds: fileDurationSeconds, size: size, sourceLocation: sourceLocation)
        print("\(label) in <video>: \(playback)")
    }

    /// What a correct recording does in `<video>`: a finite duration within
    /// 0.5 s of the file's (`capstan inspect`), the seek lands within 1.5 s of
    /// the middle with a frame to show, the picture has `size` when given
    /// (else any), and it plays to the end.
    func expectCorrect(fileDurationSeconds: Double, size: (width: Int, height: Int)? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(duration.isFinite && abs(duration - fileDurationSeconds) <= 0.5,
                "file \(fileDurationSeconds) s; \(self)", sourceLocation: sourceLocation)
        #expect(abs(afterSeek - duration / 2) <= 1.5, "\(self)", sourceLocation: sourceLocation)
        #expect(readyStateAfterSeek >= 2, "\(self)", sourceLocation: sourceLocation)
        if let size {
            #expect(width == size.width && height == size.height, "expected \(size.width)x\(size.height); \(self)",
                    sourceLocation: sourceLocation)
        } else {
            #expect(width > 0 && height > 0, "\(self)", sourceLocation: sourceLocation)
        }
        #expect(ended, "\(self)", sourceLocation: sourceLocation)
        #expect(framesShown > 0, "\(self)", sourceLocation: sourceLocation)
    }
}
