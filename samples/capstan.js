// Capstan browser sample: publish camera + microphone over WHIP (RFC 9725),
// show the echo in loopback mode, live session stats, hang up, and link the
// finalized recording. Plain JavaScript, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { pc: null, resource: null, sessionId: null, poll: null, stream: null };
// Exposed for automated tests (headless Chromium reads it).
window.capstan = state;

function headers(extra = {}) {
  const token = $("token").value.trim();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function preferCodec(transceiver, kind, mimeType) {
  if (!RTCRtpSender.getCapabilities || !transceiver.setCodecPreferences) return;
  const codecs = RTCRtpSender.getCapabilities(kind).codecs;
  const preferred = codecs.filter((c) => c.mimeType.toLowerCase() === mimeType);
  const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== mimeType);
  if (preferred.length) transceiver.setCodecPreferences([...preferred, ...rest]);
}

function gatheringComplete(pc, timeoutMs = 3000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { pc.removeEventListener("icegatheringstatechange", check); resolve(); };
    const check = () => { if (pc.iceGatheringState === "complete") done(); };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(done, timeoutMs);
  });
}

async function start() {
  $("start").disabled = true;
  $("recording").textContent = "";
  const loopback = document.querySelector('input[name="mode"]:checked').value === "loopback";
  try {
    setStatus("asking for camera and microphone…");
    state.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    $("local").srcObject = state.stream;

    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    state.pc = pc;
    const direction = loopback ? "sendrecv" : "sendonly";
    for (const track of state.stream.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction, streams: [state.stream] });
      preferCodec(transceiver, track.kind, track.kind === "video" ? "video/vp8" : "audio/opus");
    }
    pc.ontrack = (event) => {
      if (event.track.kind !== "video") return;
      $("echo").srcObject = event.streams[0] || new MediaStream([event.track]);
      $("echoFigure").hidden = false;
    };
    pc.onconnectionstatechange = () => setStatus(`connection: ${pc.connectionState}`);

    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc);
    setStatus("offering over WHIP…");
    const response = await fetch(loopback ? "/whip?mode=loopback" : "/whip", {
      method: "POST", headers: headers({ "Content-Type": "application/sdp" }), body: pc.localDescription.sdp,
    });
    if (response.status !== 201) throw new Error(`WHIP ${response.status}: ${(await response.text()).trim()}`);
    state.resource = response.headers.get("Location");
    state.sessionId = state.resource.split("/").pop();
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    $("hangup").disabled = false;
    state.poll = setInterval(showStats, 1000);
  } catch (error) {
    setStatus(error.message || String(error), true);
    cleanUp();
  }
}

async function showStats() {
  if (!state.sessionId) return;
  const response = await fetch(`/api/sessions/${state.sessionId}`, { headers: headers() });
  if (!response.ok) return;
  const session = await response.json();
  const rows = [
    ["session", session.id], ["state", session.state + (session.endReason ? ` (${session.endReason})` : "")],
    ["RTP packets in", session.stats.rtpPacketsIn], ["bytes in", session.stats.rtpBytesIn],
    ["SRTP profile", session.stats.srtpProfile || "–"], ["peer address", session.stats.selectedRemote || "–"],
  ];
  if (session.recording) rows.push(["recording", session.recording.path || session.recording.file || ""]);
  $("stats").innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("");
  state.lastSession = session;
  if (session.state === "ended") {
    clearInterval(state.poll);
    state.poll = null;
    await showRecording();
  }
}

async function showRecording() {
  const response = await fetch("/api/recordings", { headers: headers() });
  if (!response.ok) return;
  const recordings = await response.json();
  const list = Array.isArray(recordings) ? recordings : (recordings.recordings || []);
  const mine = list.find((r) => r.sessionId === state.sessionId || r.id === state.sessionId);
  if (!mine) { $("recording").textContent = "no recording for this session"; return; }
  const name = mine.file;
  // A signed link (GET /api/recordings gives one per recording, valid for
  // signedURLSeconds): a download or a <video> element cannot send the token.
  const href = mine.url || `/recordings/${encodeURIComponent(name)}`;
  $("recording").innerHTML = `Recording finalized: <a href="${href}">${name}</a>`;
  state.recording = mine;
}

function cleanUp() {
  if (state.pc) state.pc.close();
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.pc = null;
  $("start").disabled = false;
  $("hangup").disabled = true;
}

async function hangUp() {
  $("hangup").disabled = true;
  try {
    if (state.resource) await fetch(state.resource, { method: "DELETE", headers: headers() });
  } finally {
    cleanUp();
    setStatus("hung up");
    await showStats();
  }
}

$("start").addEventListener("click", start);
$("hangup").addEventListener("click", hangUp);

// Signalling by hand: an offer pasted in, the answer shown to copy out.
// Non-trickle: the offer must carry its candidates (gathering complete).
const manual = { resource: null, sessionId: null };
window.capstanManual = manual;

function setManualStatus(text, isError = false) {
  $("manualStatus").textContent = text;
  $("manualStatus").className = isError ? "error" : "";
}

async function manualAnswer() {
  // Browsers' textareas turn CRLF into LF; SDP wants CRLF (Capstan takes either).
  const offer = $("manualOffer").value.trim().split(/\r?\n/).join("\r\n") + "\r\n";
  if (!offer.startsWith("v=0")) { setManualStatus("paste an SDP offer (it starts with v=0)", true); return; }
  const loopback = document.querySelector('input[name="mode"]:checked').value === "loopback";
  $("manualAnswer").disabled = true;
  setManualStatus("offering over WHIP…");
  try {
    const response = await fetch(loopback ? "/whip?mode=loopback" : "/whip", {
      method: "POST", headers: headers({ "Content-Type": "application/sdp" }), body: offer,
    });
    const body = await response.text();
    if (response.status !== 201) throw new Error(`WHIP ${response.status}: ${body.trim()}`);
    manual.resource = response.headers.get("Location");
    manual.sessionId = manual.resource.split("/").pop();
    $("manualAnswerText").value = body;
    $("manualCopy").disabled = false;
    $("manualHangup").disabled = false;
    setManualStatus(`answered: session ${manual.sessionId}`);
  } catch (error) {
    setManualStatus(error.message || String(error), true);
  } finally {
    $("manualAnswer").disabled = false;
  }
}

async function manualCopy() {
  try {
    await navigator.clipboard.writeText($("manualAnswerText").value);
    setManualStatus("answer copied");
  } catch (error) {
    $("manualAnswerText").select();
    setManualStatus("select-all is done: copy with Ctrl+C");
  }
}

async function manualHangup() {
  if (!manual.resource) return;
  const response = await fetch(manual.resource, { method: "DELETE", headers: headers() });
  setManualStatus(`hung up (${response.status})`);
  manual.resource = null;
  $("manualHangup").disabled = true;
}

$("manualAnswer").addEventListener("click", manualAnswer);
$("manualCopy").addEventListener("click", manualCopy);
$("manualHangup").addEventListener("click", manualHangup);
