import Foundation

/// Cuts a `capstan peer` run short (SIGINT/SIGTERM): the media stops and
/// every session still hangs up, so the daemon ends them `remote-hangup`
/// instead of waiting for consent to expire.
public final class PeerStopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var reason = ""
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    public init() {}

    /// Why the run was stopped, nil while it was not.
    public var stopReason: String? { lock.withLock { stopped ? reason : nil } }

    /// Stops the run; later calls do nothing.
    public func stop(reason: String) {
        let pending: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !stopped else { return [] }
            stopped = true
            self.reason = reason
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in pending { waiter.resume() }
    }

    /// Sleeps for `duration` or until `stop`, whichever comes first.
    public func sleep(for duration: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitStopped() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitStopped() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if stopped || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
