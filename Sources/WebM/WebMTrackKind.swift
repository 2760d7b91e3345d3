/// Which of the writer's two tracks a frame belongs to.
public enum WebMTrackKind: Sendable, Hashable {
    case video
    case audio
}
