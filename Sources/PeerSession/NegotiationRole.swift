/// Which side of the SDP offer/answer exchange Capstan takes in a session.
public enum NegotiationRole: String, Sendable, Codable {
    /// The peer offers, Capstan answers (WHIP, or a peer calling over WebSocket).
    case answerer
    /// Capstan offers once the called peer accepts (`POST /api/calls`).
    case offerer
}
