#!/usr/bin/python3
"""Publishes H.264 or VP9 + Opus to a WHIP endpoint with GStreamer 1.22's webrtcbin.

A third-party sender for Capstan's tests (issue 12). Video: videotestsrc →
`--codec h264`: x264enc (zerolatency, no B-frames, constrained baseline, a
keyframe every second) → rtph264pay (packetization-mode 1, SPS/PPS before every
IDR); `--codec vp9`: vp9enc (libvpx real time, no lag, a keyframe every
second) → rtpvp9pay. Audio: audiotestsrc → opusenc → rtpopuspay. Both go into
one webrtcbin (max-bundle). The offer is POSTed whole (ICE gathering complete,
no trickle) to the WHIP URL (RFC 9725); the answer is applied; after
--seconds the resource is DELETEd.

ICE on loopback: libnice leaves loopback addresses out when it gathers, so on
a machine whose other interfaces Capstan does not announce, ICE would fail.
The script gives webrtcbin's ICE agent the address to gather on
(`add-local-ip-address`, GStreamer ≥ 1.22), by default the WHIP URL's host
when it is an IP literal (127.0.0.1 in the tests); libnice then gathers only
that. The Python binding of webrtcbin's `ice-agent` property drops a reference
it does not own (the agent is freed under webrtcbin, then GLib criticals), so
the script takes one with g_object_ref first.

Prints one JSON line to stdout: {"codec": C, "videoFramesSent": N,
"audioPacketsSent": M, "resource": URL, "connected": bool, "error": E}; exits 1
when the call never connected. Encoded video is held back (a gate before the
payloader) until the call is connected and a keyframe comes (one is asked for
then); from there every frame goes out until the end, when the gate closes:
videoFramesSent counts the frames that went out, the first a keyframe.

Debian packages: gstreamer1.0-plugins-bad (webrtcbin), -good (rtph264pay,
rtpvp9pay, rtpopuspay, vp9enc), -ugly (x264enc), -base (opusenc),
gstreamer1.0-nice, python3-gi, gir1.2-gst-plugins-bad-1.0 (scripts/setup --test
installs them).

Usage: gst-whip.py --whip http://127.0.0.1:8080/whip [--codec h264|vp9] [--token T] [--seconds 6]
"""
import argparse
import ctypes
import ipaddress
import json
import sys
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstVideo", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstVideo, GstWebRTC  # noqa: E402


def host_literal(url):
    """The URL's host when it is an IP address literal, else None."""
    host = urllib.parse.urlsplit(url).hostname
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--whip", required=True)
    parser.add_argument("--codec", choices=["h264", "vp9"], default="h264")
    parser.add_argument("--ice-address", help="the address libnice gathers on (default: the WHIP host if an IP)")
    parser.add_argument("--token")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--connect-timeout", type=float, default=15)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    Gst.init(None)
    if args.codec == "h264":
        video = ("x264enc name=enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max=30 bitrate=600 "
                 "! video/x-h264,profile=constrained-baseline "
                 "! rtph264pay name=vpay config-interval=-1 pt=102 aggregate-mode=zero-latency "
                 "! application/x-rtp,media=video,encoding-name=H264,payload=102")
    else:
        video = ("vp9enc name=enc deadline=1 cpu-used=8 lag-in-frames=0 keyframe-max-dist=30 end-usage=cbr "
                 "target-bitrate=600000 threads=2 "
                 "! rtpvp9pay name=vpay pt=98 picture-id-mode=15-bit "
                 "! application/x-rtp,media=video,encoding-name=VP9,payload=98")
    pipeline = Gst.parse_launch(
        "webrtcbin name=wb bundle-policy=max-bundle "
        f"videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate=30/1 "
        f"! videoconvert ! {video} ! wb. "
        "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc "
        "! rtpopuspay name=apay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! wb."
    )
    webrtc = pipeline.get_by_name("wb")
    address = args.ice_address or host_literal(args.whip)
    if address:
        agent = webrtc.get_property("ice-agent")
        # The binding returns the agent without a reference of its own (see above).
        ctypes.CDLL("libgobject-2.0.so.0").g_object_ref(ctypes.c_void_p(hash(agent)))
        if not agent.emit("add-local-ip-address", address):
            print(f"gst-whip: cannot gather on {address}", file=sys.stderr)
            sys.exit(1)
    loop = GLib.MainLoop()
    state = {"video": 0, "audio": 0, "resource": None, "connected": False, "error": None,
             "sending": False, "keyframe": False}

    # A gate before the payloader: encoded frames are dropped until the call
    # is connected, then from the first keyframe on (one is asked for at
    # once) every frame passes, until the end, when the gate closes again.
    # So the first frame the receiver gets is a keyframe and every frame
    # passed reaches it: videoFramesSent counts them.
    def gate(_pad, info):
        if not state["sending"]:
            return Gst.PadProbeReturn.DROP
        if not state["keyframe"]:
            if info.get_buffer().has_flags(Gst.BufferFlags.DELTA_UNIT):
                return Gst.PadProbeReturn.DROP
            state["keyframe"] = True
        state["video"] += 1
        return Gst.PadProbeReturn.OK

    def count_audio(_pad, _info):
        if state["sending"]:
            state["audio"] += 1
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("vpay").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, gate)
    pipeline.get_by_name("apay").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, count_audio)

    def fail(message):
        state["error"] = message
        loop.quit()
        return False

    def post_offer():
        offer = webrtc.get_property("local-description").sdp.as_text()
        headers = {"Content-Type": "application/sdp"}
        if args.token:
            headers["Authorization"] = f"Bearer {args.token}"
        request = urllib.request.Request(args.whip, data=offer.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.read().decode()
                state["resource"] = urllib.parse.urljoin(args.whip, response.headers.get("Location", ""))
        except Exception as error:  # noqa: BLE001 - reported as the result
            body = error.read().decode() if hasattr(error, "read") else ""
            return fail(f"WHIP POST failed: {error} {body}".strip())
        _, message = GstSdp.SDPMessage.new_from_text(answer)
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, message)
        webrtc.emit("set-remote-description", description, Gst.Promise.new())
        return False

    def on_gathering(_element, _pspec):
        if webrtc.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(post_offer)

    def on_offer(promise, _data):
        reply = promise.get_reply()
        offer = reply.get_value("offer")
        webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def on_negotiation_needed(_element):
        webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))

    def on_connection(_element, _pspec):
        connection = webrtc.get_property("connection-state")
        if connection == GstWebRTC.WebRTCPeerConnectionState.CONNECTED and not state["connected"]:
            state["connected"] = True
            state["sending"] = True
            pipeline.get_by_name("enc").send_event(
                GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, 0))
            GLib.timeout_add(int(args.seconds * 1000), stop)
        elif connection == GstWebRTC.WebRTCPeerConnectionState.FAILED:
            fail("connection failed")

    def stop():
        # Close the gate; a moment for the last packets to leave.
        state["sending"] = False
        GLib.timeout_add(300, loop.quit)
        return False

    def connect_timeout():
        if not state["connected"]:
            fail(f"not connected after {args.connect_timeout} s")
        return False

    def on_bus(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            fail(f"GStreamer error: {error.message} ({debug})")

    webrtc.connect("on-negotiation-needed", on_negotiation_needed)
    webrtc.connect("notify::ice-gathering-state", on_gathering)
    webrtc.connect("notify::connection-state", on_connection)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_bus)
    GLib.timeout_add(int(args.connect_timeout * 1000), connect_timeout)
    GLib.timeout_add(int((args.connect_timeout + args.seconds + 10) * 1000), stop)  # hard bound
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)

    if state["resource"]:
        request = urllib.request.Request(state["resource"], method="DELETE",
                                         headers={"Authorization": f"Bearer {args.token}"} if args.token else {})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except Exception as error:  # noqa: BLE001
            print(f"gst-whip: DELETE failed: {error}", file=sys.stderr)
    print(json.dumps({"codec": args.codec, "videoFramesSent": state["video"], "audioPacketsSent": state["audio"],
                      "resource": state["resource"], "connected": state["connected"], "error": state["error"]}))
    sys.exit(0 if state["connected"] and not state["error"] else 1)


if __name__ == "__main__":
    main()
