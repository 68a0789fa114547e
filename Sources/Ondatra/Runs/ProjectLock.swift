import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a project, so only one process writes to it at a time: a `run`, or an
/// `ondatrasql sql` whose statements write. It is an advisory `flock` on `.ondatra/run.lock`,
/// released when the process ends, even by a crash; the file names the holder's pid and command.
public final class ProjectLock {
    private let descriptor: Int32

    /// Takes the lock, failing at once when another process holds it.
    /// - Parameter command: what takes it (`run`, `sql`), for the message another process shows.
    /// - Throws: ``OndatraError`` saying which process holds it.
    public init(project: Project, command: String = "run") throws {
        let directory = project.stateDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appending(path: "run.lock").path
        // A local until the lock is held: a class whose stored properties are all set runs its
        // deinit when its init throws, which would close the descriptor a second time (by then
        // perhaps another thread's file). Close-on-exec: a program a run starts must not keep
        // the project locked.
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw OndatraError(.io, "could not open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(opened, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            close(opened)
            throw OndatraError(.project, Self.busyMessage(holder: holder))
        }
        descriptor = opened
        _ = ftruncate(descriptor, 0)
        let owner = "\(getpid()) \(command)\n"
        _ = owner.withCString { write(descriptor, $0, strlen($0)) }
    }

    /// The message for a lock held by the process the lock file names (`pid command`, or only
    /// `pid` as older versions wrote it).
    static func busyMessage(holder: String) -> String {
        let words = holder.split(whereSeparator: \.isWhitespace)
        guard let pid = words.first, pid.allSatisfy(\.isNumber) else {
            return "another ondatrasql process is working on this project; wait for it to finish"
        }
        let command = words.count > 1 ? words[1] : "run"
        return "another ondatrasql \(command) (pid \(pid)) is working on this project; wait for it to finish"
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
