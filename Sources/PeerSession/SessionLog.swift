/// A bounded event log: at most `capacity` entries, the oldest dropped first
/// and counted in `droppedCount`.
public struct SessionLog: Sendable, Equatable, Codable {
    /// The kept entries, oldest first.
    public private(set) var entries: [SessionLogEntry] = []
    /// Entries dropped to stay within `capacity`.
    public private(set) var droppedCount: Int = 0
    /// Most entries kept (at least 1).
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries.reserveCapacity(min(self.capacity, 64))
    }

    /// Appends `entry`, dropping the oldest entry when full.
    public mutating func append(_ entry: SessionLogEntry) {
        if entries.count >= capacity {
            let excess = entries.count - capacity + 1
            entries.removeFirst(excess)
            droppedCount += excess
        }
        entries.append(entry)
    }
}
