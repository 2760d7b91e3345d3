#!/usr/bin/env python3
"""A third-party WHIP publisher: aiortc (PyPI) sends VP8 + Opus to `capstan serve`.

    .venv-aiortc/bin/python scripts/aiortc-publish.py --url http://127.0.0.1:8080/whip \
        [--duration 5] [--token T] [--sessions 1] [--size 320x240] [--fps 30] [--json]
        [--ice-from-link] [--relay-only]

Each session: an RTCPeerConnection with a synthesized video track (a moving ramp and
block, new content every frame, paced at --fps from aiortc's own clock) and a 440 Hz tone
(Opus, 20 ms frames); the offer is POSTed once ICE gathering is complete (aiortc does not
trickle) as application/sdp, with `Authorization: Bearer` when --token is given; the 201
answer is applied; after --duration seconds of media the resource (Location) is DELETEd.
SIGTERM/SIGINT end the media early and still DELETE.

ICE runs on 127.0.0.1 only: aioice normally gathers every non-loopback interface and
aiortc adds Google's STUN server when no ICE servers are configured; both are overridden
here, so no datagram leaves the machine.

--ice-from-link: before the offer, `OPTIONS` the endpoint (with the token) and take its
ICE servers from the `Link: <url>; rel="ice-server"; username=...; credential=...` headers
(RFC 9725 §4.6); TURN credentials minted by Capstan. --relay-only: iceTransportPolicy
'relay', so every candidate is a TURN relay (no host candidates at all). The servers used
are reported as `iceServers` (URLs and usernames) and the candidate types offered as
`offeredCandidateTypes`.

--data-channel LABEL: also offer a data channel (RFC 8831) named LABEL (with
--data-protocol) and, once it is open, send --data-messages messages --data-interval
seconds apart: text `LABEL #i` alternating with binary (4 bytes of i, big-endian, then
--data-size - 4 bytes of i & 0xFF), unless --data-text-only. --data-flood N: instead send
N small text messages as fast as the channel takes them (a rate measurement or a limit
test); --data-oversize B: first send one binary message of B bytes. Every message sent is
reported under `data` (label, index, type, payload as text or base64, sentAt as Unix
seconds; at most 2,000 listed), with `dataOpened`, `dataSent` and `echoes` (messages the
far end sent back on the channel, loopback mode).

--connected-when media: count the session connected once the media's DTLS transport is
(aiortc's connectionState never reaches `connected` when the answer rejects its data
channel section: aiortc ignores port 0, keeps an unbundled ICE transport for the section
and waits for it). `answerRejectsApplication` says whether the answer did.

Prints one line per session (or, with --json, one JSON object on stdout with a `sessions`
list: id, location, times as Unix seconds — posted, answered, connected, firstVideoFrame,
mediaEnded, deleted — frames sent and statuses). Exit 0 when every session got a 201,
connected and was DELETEd with 200; 1 otherwise.
"""

import argparse
import asyncio
import base64
import fractions
import json
import math
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import re

import aioice.ice
from aiortc import (RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription,
                    MediaStreamTrack)
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame, VideoFrame

VIDEO_CLOCK = 90000
AUDIO_RATE = 48000
AUDIO_PTIME = 0.020


def loopback_only(host):
    """Host candidates on `host` only (aioice leaves 127.0.0.1 out by default)."""
    def addresses(use_ipv4, use_ipv6):
        return [host]
    aioice.ice.get_host_addresses = addresses


class PatternTrack(MediaStreamTrack):
    """Video: a diagonal ramp that scrolls and a white block that moves, so every frame
    differs from the one before (the encoder cannot skip it as static); frames paced at
    `fps` on aiortc's model (pts advance by exactly 90000/fps; sleep until due)."""

    kind = "video"

    def __init__(self, width, height, fps, stats):
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.step = VIDEO_CLOCK // fps
        self.stats = stats
        self.index = 0
        self.start = None
        ramp = bytes((x * 2) & 0xFF for x in range(2 * width + 2 * height + 512))
        self.ramp = ramp

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
            self.stats["firstVideoFrame"] = self.start
        else:
            due = self.start + self.index * self.step / VIDEO_CLOCK
            wait = due - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = VideoFrame(width=self.width, height=self.height, format="yuv420p")
        n = self.index
        luma = frame.planes[0]
        stride = luma.line_size
        rows = []
        bx = (n * 4) % max(1, self.width - 32)
        by = (n * 2) % max(1, self.height - 32)
        for y in range(self.height):
            off = (n * 3 + y) % (len(self.ramp) - self.width - 1)
            row = self.ramp[off:off + self.width]
            if by <= y < by + 32:
                row = row[:bx] + b"\xeb" * 32 + row[bx + 32:]
            rows.append(row + bytes(stride - self.width))
        luma.update(b"".join(rows))
        for i, plane in enumerate(frame.planes[1:]):
            value = (64 + n * (3 if i == 0 else 5)) & 0xFF
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = n * self.step
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.index += 1
        self.stats["videoFrames"] = self.index
        return frame


class ToneTrack(MediaStreamTrack):
    """Audio: a 440 Hz sine, 48 kHz mono s16, 20 ms frames paced like aiortc's own."""

    kind = "audio"

    def __init__(self, stats, frequency=440.0, amplitude=0.3):
        super().__init__()
        self.samples = int(AUDIO_PTIME * AUDIO_RATE)
        # One second holds a whole number of 440 Hz cycles: slice it cyclically.
        values = [int(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / AUDIO_RATE))
                  for i in range(AUDIO_RATE)]
        self.second = b"".join(v.to_bytes(2, "little", signed=True) for v in values)
        self.stats = stats
        self.index = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
        else:
            wait = self.start + self.index * AUDIO_PTIME - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = AudioFrame(format="s16", layout="mono", samples=self.samples)
        offset = (self.index * self.samples) % AUDIO_RATE * 2
        chunk = self.second[offset:offset + self.samples * 2]
        if len(chunk) < self.samples * 2:
            chunk += self.second[:self.samples * 2 - len(chunk)]
        frame.planes[0].update(chunk)
        frame.pts = self.index * self.samples
        frame.sample_rate = AUDIO_RATE
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self.index += 1
        self.stats["audioFrames"] = self.index
        if self.stats.get("firstAudioFrame") is None:
            self.stats["firstAudioFrame"] = time.time()
        return frame


def http(method, url, body=None, headers=None, timeout=10.0):
    """One HTTP request (blocking; run in a thread). Returns (status, headers, body)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --drop-every: loss on the sender's side, before SRTP, of the VP8 payload
# type only. aiortc answers the receiver's NACKs with RTX (RFC 4588) when RTX
# was negotiated — a different payload type, never dropped — so every lost
# packet can come back. Payload types to drop are learnt from each answer.
DROP = {"every": 0, "pts": set()}


def install_drop(every):
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    DROP["every"] = every
    original = RTCDtlsTransport._send_rtp

    async def lossy(self, data):
        if len(data) >= 12 and not (192 <= data[1] <= 223) and (data[1] & 0x7F) in DROP["pts"]:
            seen = getattr(self, "_capstan_seen", 0) + 1
            self._capstan_seen = seen
            if seen % DROP["every"] == 0:
                self._capstan_dropped = getattr(self, "_capstan_dropped", 0) + 1
                return
        await original(self, data)

    RTCDtlsTransport._send_rtp = lossy


LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[A-Za-z0-9_-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))*)')
PARAM = re.compile(r';\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,]*))')


def ice_servers_from_links(values):
    """RTCIceServer per `Link: <url>; rel="ice-server"[; username=".."; credential=".."]`."""
    servers = []
    for value in values:
        for match in LINK.finditer(value):
            params = {}
            for p in PARAM.finditer(match.group(2)):
                raw = p.group(2) if p.group(2) is not None else p.group(3).strip()
                params[p.group(1).lower()] = re.sub(r'\\(.)', r'\1', raw)
            if params.get("rel") != "ice-server":
                continue
            servers.append(RTCIceServer(urls=match.group(1), username=params.get("username"),
                                        credential=params.get("credential")))
    return servers


def fetch_ice_servers(url, token):
    """OPTIONS the WHIP endpoint: its Link headers (blocking; run in a thread)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, method="OPTIONS", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, ice_servers_from_links(response.headers.get_all("Link") or [])


async def session(index, args, stop):
    stats = {"index": index, "videoFrames": 0, "audioFrames": 0, "id": None, "location": None,
             "postStatus": None, "deleteStatus": None, "error": None,
             "posted": None, "answered": None, "connected": None, "firstVideoFrame": None,
             "mediaEnded": None, "deleted": None, "connectionState": None}
    servers = []
    if args.ice_from_link:
        status, servers = await asyncio.get_running_loop().run_in_executor(
            None, lambda: fetch_ice_servers(args.url, args.token))
        stats["optionsStatus"] = status
        stats["iceServers"] = [{"urls": s.urls, "username": s.username} for s in servers]
        if not servers:
            stats["error"] = "OPTIONS gave no ice-server Link"
            return stats
    policy = RTCIceTransportPolicy.RELAY if args.relay_only else RTCIceTransportPolicy.ALL
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers, iceTransportPolicy=policy))
    connected = asyncio.Event()
    failed = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        stats["connectionState"] = pc.connectionState
        if pc.connectionState == "connected" and stats["connected"] is None:
            stats["connected"] = time.time()
            connected.set()
        elif pc.connectionState in ("failed", "closed"):
            failed.set()

    channel = None
    if args.data_channel is not None:
        channel = pc.createDataChannel(args.data_channel, protocol=args.data_protocol)
        stats.update({"data": [], "dataOpened": None, "dataSent": 0, "echoes": 0, "echoed": []})

        @channel.on("message")
        def on_echo(message):
            stats["echoes"] += 1
            if len(stats["echoed"]) < 2000:
                stats["echoed"].append(message if isinstance(message, str)
                                       else {"base64": base64.b64encode(message).decode()})

    if not args.no_audio:
        pc.addTrack(ToneTrack(stats))
    if not args.no_video:
        pc.addTrack(PatternTrack(args.width, args.height, args.fps, stats))
    headers = {"Content-Type": "application/sdp"}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    loop = asyncio.get_running_loop()
    try:
        # aiortc's setLocalDescription returns once ICE gathering is complete.
        await pc.setLocalDescription(await pc.createOffer())
        stats["offeredCandidateTypes"] = sorted(set(re.findall(r"a=candidate:.* typ (\w+)", pc.localDescription.sdp)))
        stats["posted"] = time.time()
        status, reply_headers, body = await loop.run_in_executor(
            None, lambda: http("POST", args.url, pc.localDescription.sdp.encode(), headers))
        stats["postStatus"] = status
        if status != 201:
            stats["error"] = f"POST {status}: {body.decode(errors='replace').strip()}"
            return stats
        stats["answered"] = time.time()
        location = {k.lower(): v for k, v in reply_headers.items()}.get("location")
        if not location:
            stats["error"] = "201 without Location"
            return stats
        stats["location"] = urllib.parse.urljoin(args.url, location)
        stats["id"] = urllib.parse.urlparse(stats["location"]).path.rstrip("/").rsplit("/", 1)[-1]
        answer = body.decode()
        stats["answerRTX"] = " rtx/90000" in answer
        stats["answerRED"] = " red/48000/2" in answer
        if DROP["every"]:
            for line in answer.splitlines():
                if line.startswith("a=rtpmap:") and " VP8/90000" in line:
                    DROP["pts"].add(int(line[len("a=rtpmap:"):].split(" ")[0]))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        stats["answerRejectsApplication"] = bool(re.search(r"^m=application 0 ", answer, re.M))
        if args.connected_when == "media":
            # The media's (bundled) DTLS transport connected: aiortc's aggregate
            # connectionState also waits for transports of sections the answer
            # rejected (it ignores port 0 and starts an ICE transport for them).
            async def media_connected():
                while not any(t.sender.transport and t.sender.transport.state == "connected"
                              for t in pc.getTransceivers()):
                    await asyncio.sleep(0.02)
                if stats["connected"] is None:
                    stats["connected"] = time.time()
                connected.set()
            watcher = asyncio.ensure_future(media_connected())
        waiter = [asyncio.ensure_future(e.wait()) for e in (connected, failed, stop)]
        await asyncio.wait(waiter, timeout=args.connect_timeout, return_when=asyncio.FIRST_COMPLETED)
        for w in waiter:
            w.cancel()
        if args.connected_when == "media":
            watcher.cancel()
        if not connected.is_set():
            stats["error"] = f"not connected within {args.connect_timeout} s (state {pc.connectionState})"
        else:
            # Media flows from here: run for --duration (or until a signal).
            sender = asyncio.ensure_future(send_data(channel, args, stats)) if channel else None
            try:
                await asyncio.wait_for(stop.wait(), timeout=args.duration)
            except asyncio.TimeoutError:
                pass
            if sender:
                if not sender.done():
                    stats["error"] = stats["error"] or "data channel messages not all sent within --duration"
                    sender.cancel()
                elif sender.exception():
                    stats["error"] = stats["error"] or f"data channel: {sender.exception()!r}"
        stats["mediaEnded"] = time.time()
        stats["connectionStateAtEnd"] = pc.connectionState
        transports = {t.sender.transport for t in pc.getTransceivers() if t.sender and t.sender.transport}
        stats["droppedVideoPackets"] = sum(getattr(t, "_capstan_dropped", 0) for t in transports)
        status, _, body = await loop.run_in_executor(
            None, lambda: http("DELETE", stats["location"], headers={k: v for k, v in headers.items()
                                                                      if k == "Authorization"}))
        stats["deleteStatus"] = status
        stats["deleted"] = time.time()
    except Exception as error:  # noqa: BLE001 — reported, not hidden
        stats["error"] = stats["error"] or f"{type(error).__name__}: {error}"
    finally:
        stats["connectionState"] = pc.connectionState
        try:
            await asyncio.wait_for(pc.close(), timeout=5)
        except Exception:  # noqa: BLE001
            pass
    return stats


async def send_data(channel, args, stats):
    """Waits for the channel to open, then sends what the --data-* options ask for."""
    if not (args.data_messages or args.data_flood or args.data_oversize):
        return
    deadline = time.time() + args.connect_timeout
    while channel.readyState != "open":
        if time.time() > deadline:
            raise RuntimeError(f"data channel not open (state {channel.readyState})")
        await asyncio.sleep(0.01)
    stats["dataOpened"] = time.time()

    def note(index, kind, payload):
        stats["dataSent"] += 1
        if len(stats["data"]) < 2000:
            stats["data"].append({"label": channel.label, "index": index, "type": kind, "sentAt": time.time(),
                                  "payload": payload if kind == "text" else base64.b64encode(payload).decode()})

    if args.data_oversize:
        # A hostile sender: aiortc refuses to send above the answer's
        # a=max-message-size, so lift its check for this one message.
        channel.transport._remote_max_message_size = 0
        channel.send(bytes(args.data_oversize))
        note(-1, "binary", b"")
    if args.data_flood:
        for i in range(args.data_flood):
            # Keep aiortc's own queue short: wait while it holds more than 256 KiB.
            while channel.bufferedAmount > 256 * 1024:
                await asyncio.sleep(0.001)
            text = f"f{i}"
            channel.send(text)
            note(i, "text", text)
            if i % 64 == 63:
                await asyncio.sleep(0)
        return
    for i in range(args.data_messages):
        if i:
            await asyncio.sleep(args.data_interval)
        if args.data_text_only or i % 2 == 0:
            text = f"{channel.label} #{i}"
            channel.send(text)
            note(i, "text", text)
        else:
            payload = i.to_bytes(4, "big") + bytes([i & 0xFF]) * max(0, args.data_size - 4)
            channel.send(payload)
            note(i, "binary", payload)


async def main(args):
    loopback_only(args.host)
    if args.drop_every > 0:
        install_drop(args.drop_every)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    results = await asyncio.gather(*(session(i, args, stop) for i in range(args.sessions)))
    ok = all(r["postStatus"] == 201 and r["connected"] and r["deleteStatus"] == 200 and not r["error"]
             for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "sessions": results}))
    else:
        for r in results:
            sent = (r["mediaEnded"] or 0) - (r["connected"] or 0) if r["connected"] else 0
            print(f"session {r['index']} id={r['id']} post={r['postStatus']} delete={r['deleteStatus']} "
                  f"connected={'yes' if r['connected'] else 'no'} media={sent:.2f}s "
                  f"video={r['videoFrames']} audio={r['audioFrames']}"
                  + (f" error={r['error']}" if r["error"] else ""))
    sys.stdout.flush()
    return 0 if ok else 1


def parse():
    p = argparse.ArgumentParser(description="Publish synthesized VP8 + Opus over WHIP with aiortc.")
    p.add_argument("--url", required=True, help="WHIP endpoint, e.g. http://127.0.0.1:8080/whip")
    p.add_argument("--duration", type=float, default=5.0, help="seconds of media after connecting")
    p.add_argument("--token", help="bearer token")
    p.add_argument("--sessions", type=int, default=1, help="concurrent sessions")
    p.add_argument("--size", default="320x240", help="video WxH (even numbers)")
    p.add_argument("--fps", type=int, default=30)
    p.add_argument("--no-audio", action="store_true")
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--host", default="127.0.0.1", help="the one local address ICE gathers on")
    p.add_argument("--connect-timeout", type=float, default=20.0)
    p.add_argument("--drop-every", type=int, default=0,
                   help="drop every Nth outgoing VP8 RTP packet before encryption (loss for NACK/RTX to repair)")
    p.add_argument("--json", action="store_true", help="one JSON summary on stdout")
    p.add_argument("--ice-from-link", action="store_true",
                   help="take STUN/TURN servers from the Link headers of OPTIONS on --url")
    p.add_argument("--relay-only", action="store_true", help="iceTransportPolicy relay: TURN candidates only")
    p.add_argument("--connected-when", choices=["pc", "media"], default="pc",
                   help="connected means: pc.connectionState (default) or the media's DTLS transport")
    p.add_argument("--data-channel", metavar="LABEL", help="offer a data channel with this label and send messages on it")
    p.add_argument("--data-protocol", default="", help="the data channel's protocol")
    p.add_argument("--data-messages", type=int, default=10, help="messages to send on the data channel")
    p.add_argument("--data-interval", type=float, default=0.2, help="seconds between data channel messages")
    p.add_argument("--data-size", type=int, default=16, help="bytes of each binary message (at least 4)")
    p.add_argument("--data-text-only", action="store_true", help="send text messages only")
    p.add_argument("--data-flood", type=int, default=0, help="send this many small messages as fast as possible")
    p.add_argument("--data-oversize", type=int, default=0, help="first send one binary message of this many bytes")
    args = p.parse_args()
    args.width, args.height = (int(v) for v in args.size.lower().split("x"))
    if args.width % 2 or args.height % 2 or args.width < 64 or args.height < 64:
        p.error("--size: even numbers, at least 64x64")
    if not 1 <= args.fps <= 60:
        p.error("--fps: 1 to 60")
    if not 1 <= args.sessions <= 50:
        p.error("--sessions: 1 to 50")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
