@_exported import Signalling

/// Where a call's signalling goes (the SignallingInterface of DESIGN §2):
/// transport only, no call state. The WebSocket connection implements it;
/// WHIP answers in its HTTP response and needs none.
protocol SignallingChannel: AnyObject, Sendable {
    var peerID: String { get }
    func send(_ message: SignallingMessage)
}
