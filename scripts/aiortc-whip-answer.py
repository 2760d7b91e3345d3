#!/usr/bin/env python3
"""A third-party WHIP *server*: aiortc (PyPI) answers WHIP offers and counts what arrives.

    .venv-aiortc/bin/python scripts/aiortc-whip-answer.py [--port 0] [--fault MODE] [--ice-server URL]...

It is the answering side `capstan peer` publishes to in the interop tests: a full ICE agent
(aioice, controlled, not lite) and a DTLS client (aiortc answers `a=setup:active` to
`actpass`), so it exercises the parts of RFC 8445 and RFC 9725 an ICE-lite Capstan daemon
never does (checks from the server, peer-reflexive candidates, the server's DTLS
ClientHello).

HTTP (HTTP/1.1, one request per connection, loopback only):
  POST   /whip                     application/sdp offer -> 201, answer, Location: /whip/resource/ID
                                   (relative, as RFC 9725 allows), ETag, a Link per --ice-server
  DELETE /whip/resource/ID         -> 200, the PeerConnection is closed
  PATCH  /whip/resource/ID         -> 405 (no trickle: candidates go in the offer or come as
                                   peer-reflexive from the checks)
  OPTIONS /whip                    -> 204
  GET    /stats                    -> the JSON report so far

Each session decodes what it receives (VP8 frames and 20 ms Opus frames) and counts them.

--fault MODE makes the server misbehave on purpose (for the tests that need a failing run):
  none             (default) a normal answer
  bad-fingerprint  every a=fingerprint of the answer is altered: DTLS cannot verify the server
  blackhole        the answer's only candidate is a UDP socket that reads and drops
                   everything (ICE checks never answered); aiortc's own agent is closed
  close-after:S    the PeerConnection closes S seconds after it connects (DTLS close_notify;
                   no more consent answers)

Prints "listening http://127.0.0.1:PORT/whip" on stderr (and in --port-file if given) once
ready. SIGTERM/SIGINT: closes every session and prints one JSON object on stdout:
  {"sessions": [{"id", "posted", "connected", "deleted", "closed", "connectionState",
                 "videoFrames", "audioFrames", "firstFrame", "lastFrame",
                 "videoPackets", "audioPackets", "error"}], "fault": MODE}
Exit 0.
"""

import argparse
import asyncio
import json
import re
import secrets
import signal
import socket
import sys
import time

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError


def loopback_only(host):
    """Host candidates on `host` only (aioice leaves 127.0.0.1 out by default)."""
    def addresses(use_ipv4, use_ipv6):
        return [host]
    aioice.ice.get_host_addresses = addresses


class Session:
    def __init__(self, sid):
        self.id = sid
        self.pc = None
        self.report = {
            "id": sid, "posted": time.time(), "connected": None, "deleted": None, "closed": None,
            "connectionState": "new", "videoFrames": 0, "audioFrames": 0,
            "firstFrame": None, "lastFrame": None, "videoPackets": None, "audioPackets": None,
            "error": None,
        }
        self.tasks = []
        self.blackhole = None

    async def consume(self, track):
        kind = track.kind
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            except Exception as e:  # noqa: BLE001
                self.report["error"] = "%s track: %r" % (kind, e)
                return
            now = time.time()
            if self.report["firstFrame"] is None:
                self.report["firstFrame"] = now
            self.report["lastFrame"] = now
            if kind == "video":
                self.report["videoFrames"] += 1
            else:
                self.report["audioFrames"] += 1

    async def stats(self):
        if self.pc is None:
            return
        try:
            report = await self.pc.getStats()
        except Exception:  # noqa: BLE001
            return
        for s in report.values():
            if getattr(s, "type", None) == "inbound-rtp":
                key = "videoPackets" if s.kind == "video" else "audioPackets"
                self.report[key] = (self.report[key] or 0) + s.packetsReceived

    async def close(self):
        if self.report["closed"] is not None:
            return
        await self.stats()
        self.report["closed"] = time.time()
        if self.pc is not None:
            await self.pc.close()
        if self.blackhole is not None:
            self.blackhole.close()
        for t in self.tasks:
            t.cancel()


class Server:
    def __init__(self, args):
        self.args = args
        self.sessions = {}
        self.fault = args.fault
        self.close_after = None
        if self.fault.startswith("close-after:"):
            self.close_after = float(self.fault.split(":", 1)[1])
        elif self.fault not in ("none", "bad-fingerprint", "blackhole"):
            raise SystemExit("unknown --fault %s" % self.fault)

    def report(self):
        return {"fault": self.fault, "sessions": [s.report for s in self.sessions.values()]}

    async def answer(self, offer_sdp):
        sid = secrets.token_hex(6)
        session = Session(sid)
        self.sessions[sid] = session
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        session.pc = pc

        @pc.on("track")
        def on_track(track):
            session.tasks.append(asyncio.ensure_future(session.consume(track)))

        @pc.on("connectionstatechange")
        async def on_state():
            session.report["connectionState"] = pc.connectionState
            if pc.connectionState == "connected" and session.report["connected"] is None:
                session.report["connected"] = time.time()
                if self.close_after is not None:
                    async def later():
                        await asyncio.sleep(self.close_after)
                        await session.close()
                    session.tasks.append(asyncio.ensure_future(later()))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        sdp = pc.localDescription.sdp
        if self.fault == "bad-fingerprint":
            def flip(m):
                value = m.group(2)
                last = "00" if value[-2:] != "00" else "11"
                return m.group(1) + value[:-2] + last
            sdp = re.sub(r"(a=fingerprint:[\w-]+ )([0-9A-Fa-f:]+)", flip, sdp)
        elif self.fault == "blackhole":
            hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            hole.bind(("127.0.0.1", 0))
            hole.setblocking(False)
            loop = asyncio.get_running_loop()
            loop.add_reader(hole.fileno(), lambda: hole.recv(2048))
            session.blackhole = _Hole(hole, loop)
            port = hole.getsockname()[1]
            lines = [ln for ln in sdp.split("\r\n") if not ln.startswith("a=candidate:")]
            out = []
            for ln in lines:
                out.append(ln)
                if ln.startswith("a=ice-pwd:"):
                    out.append("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host" % port)
            sdp = "\r\n".join(out)
            sdp = re.sub(r"(m=\w+ )\d+", lambda m: m.group(1) + str(port), sdp)
            await pc.close()   # aiortc's own agent must not answer either
            session.pc = None
        return session, sdp

    async def handle(self, reader, writer):
        try:
            await self._handle(reader, writer)
        except Exception as e:  # noqa: BLE001
            print("aiortc-whip-answer: request failed: %r" % e, file=sys.stderr)
            try:
                await self._respond(writer, 500, {"Content-Type": "text/plain"}, repr(e).encode())
            except Exception:  # noqa: BLE001
                pass
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def _handle(self, reader, writer):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > 1 << 20:
            return await self._respond(writer, 413, {}, b"")
        body = await asyncio.wait_for(reader.readexactly(length), 10) if length else b""
        path = path.split("?", 1)[0]
        if method == "POST" and path == "/whip":
            if not headers.get("content-type", "").startswith("application/sdp"):
                return await self._respond(writer, 415, {"Content-Type": "text/plain"}, b"application/sdp only")
            try:
                session, sdp = await self.answer(body.decode("utf-8"))
            except Exception as e:  # noqa: BLE001
                return await self._respond(writer, 400, {"Content-Type": "text/plain"}, ("bad offer: %r" % e).encode())
            extra = {"Content-Type": "application/sdp", "Location": "/whip/resource/" + session.id,
                     "ETag": '"%s"' % session.id}
            links = ['<%s>; rel="ice-server"' % url for url in self.args.ice_server]
            if links:
                extra["Link"] = ", ".join(links)
            return await self._respond(writer, 201, extra, sdp.encode())
        m = re.fullmatch(r"/whip/resource/([0-9a-f]+)", path)
        if m and method == "DELETE":
            session = self.sessions.get(m.group(1))
            if session is None:
                return await self._respond(writer, 404, {}, b"")
            session.report["deleted"] = time.time()
            await session.close()
            return await self._respond(writer, 200, {}, b"")
        if m and method == "PATCH":
            return await self._respond(writer, 405, {"Allow": "POST, DELETE"}, b"")
        if method == "OPTIONS" and path == "/whip":
            return await self._respond(writer, 204, {"Accept-Post": "application/sdp"}, b"")
        if method == "GET" and path == "/stats":
            for s in self.sessions.values():
                if s.report["closed"] is None:
                    s.report["videoPackets"] = s.report["audioPackets"] = None
                    await s.stats()
            return await self._respond(writer, 200, {"Content-Type": "application/json"},
                                       json.dumps(self.report()).encode())
        return await self._respond(writer, 404, {}, b"")

    async def _respond(self, writer, status, headers, body):
        reasons = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found",
                   405: "Method Not Allowed", 413: "Content Too Large", 415: "Unsupported Media Type",
                   500: "Internal Server Error"}
        out = ["HTTP/1.1 %d %s" % (status, reasons.get(status, "Status"))]
        headers = dict(headers, **{"Content-Length": str(len(body)), "Connection": "close"})
        out += ["%s: %s" % kv for kv in headers.items()]
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()


class _Hole:
    def __init__(self, sock, loop):
        self.sock, self.loop = sock, loop

    def close(self):
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--fault", default="none")
    ap.add_argument("--ice-server", action="append", default=[], help="advertise in a Link header")
    ap.add_argument("--max-seconds", type=float, default=600, help="exit (with the report) after this long")
    args = ap.parse_args()
    # A parent may hand us SIGTERM/SIGINT blocked (a thread's mask survives fork and exec): the
    # report on SIGTERM is this script's only way out, so take them back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    with open("/proc/self/status") as f:
        masks = {k: v.strip() for k, v in (ln.split(":", 1) for ln in f if ln.startswith(("SigBlk", "SigIgn")))}
    print("aiortc-whip-answer: signal masks %s" % masks, file=sys.stderr, flush=True)
    loopback_only(args.host)
    server = Server(args)
    tcp = await asyncio.start_server(server.handle, args.host, args.port)
    port = tcp.sockets[0].getsockname()[1]
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print("listening http://%s:%d/whip" % (args.host, port), file=sys.stderr, flush=True)
    try:
        await asyncio.wait_for(done.wait(), args.max_seconds)
    except asyncio.TimeoutError:
        print("aiortc-whip-answer: --max-seconds reached", file=sys.stderr)
    tcp.close()
    for s in list(server.sessions.values()):
        await s.close()
    print(json.dumps(server.report()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
