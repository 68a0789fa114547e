import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a project, so only one `run` works on it at a time. It is an advisory
/// `flock` on `.ondatra/run.lock`, released when the process ends, even by a crash.
public final class ProjectLock {
    private let descriptor: Int32

    /// Takes the lock, failing at once when another process holds it.
    /// - Throws: ``OndatraError`` saying which process holds it.
    public init(project: Project) throws {
        let directory = project.stateDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appending(path: "run.lock").path
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw OndatraError(.io, "could not open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder =
                (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                ?? ""
            close(descriptor)
            throw OndatraError(
                .project,
                "another ondatrasql run is working on this project\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it to finish"
            )
        }
        _ = ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
