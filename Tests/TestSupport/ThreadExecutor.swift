import Foundation

/// A task executor with a thread of its own. Tests that time a component (a timeout that must
/// or must not fire) run it here with `withTaskExecutorPreference`, so that other suites' work
/// filling the few cooperative threads cannot stretch the component's time on a busy machine.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    public init(label: String) { queue = DispatchQueue(label: label) }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
