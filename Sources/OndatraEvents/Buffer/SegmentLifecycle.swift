#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creating, sealing and giving up active segments; all on the writer thread.
extension CommitLoop {
    /// A `.new-` file left this long by a writer that died before renaming it is removed.
    static let staleNewFileSeconds = 60

    /// `folder`'s active segment, created when there is none: made under a private `.new-` name,
    /// locked, renamed to `open-<id>.ndjson`, and the folder synced so the file survives a crash
    /// before its first append is acknowledged. A reader never sees it unlocked.
    func activeSegment(for folder: String) throws(EventBufferError) -> ActiveSegment {
        if let segment = active[folder] { return segment }
        let directory = core.root + "/" + folder
        do throws(EventBufferError) {
            let floor = try prepare(folder, directory)
            let id = SegmentID.next(notBefore: floor)
            let newPath = directory + "/" + SegmentFile.newName(id)
            let openPath = directory + "/" + SegmentFile.openName(id)
            let fd = try Posix.open(newPath, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, verb: "create")
            let lock = Posix.tryLock(fd)
            let info = lock == 0 ? Posix.status(fd) : nil
            guard let info, rename(newPath, openPath) == 0 else {
                let (verb, code) = lock != 0 ? ("lock", lock) : ("rename", errno)
                unlink(newPath)
                Posix.close(fd)
                throw .io(verb, newPath, code)
            }
            do throws(EventBufferError) {
                core.tallies.withLock { $0.directorySyncs += 1 }
                try Posix.syncDirectory(directory)
            } catch {
                unlink(openPath)
                Posix.close(fd)
                throw error
            }
            let segment = ActiveSegment(id: id, fd: fd, path: openPath, file: FileID(info))
            active[folder] = segment
            core.ledger.commit(
                folder: folder, name: SegmentFile.openName(id), file: segment.file, size: 0, events: 0, accepted: 0)
            return segment
        } catch {
            prepared[folder] = nil
            throw error
        }
    }

    /// Makes `folder` exist (syncing the root when it is new) and, the first time, finds the time
    /// floor for new ids and removes `.new-` files a dead writer left behind. A folder prepared
    /// before is looked for again (one `stat`): it may have been deleted, or the whole root, since
    /// its last segment was sealed.
    private func prepare(_ folder: String, _ directory: String) throws(EventBufferError) -> Int64 {
        if let floor = prepared[folder], Posix.isDirectory(directory) { return floor }
        try Posix.makeDirectories(directory)
        var floor: Int64 = 0
        for name in try Posix.list(directory) ?? [] {
            if let entry = SegmentFile.parse(name), let millis = SegmentID.millis(of: entry.id) {
                floor = max(floor, millis + 1)
            } else if name.hasPrefix(SegmentFile.newPrefix) {
                removeStaleNewFile(directory + "/" + name)
            }
        }
        prepared[folder] = floor
        return floor
    }

    /// Removes an empty `.new-` file nobody holds that is older than ``staleNewFileSeconds``.
    private func removeStaleNewFile(_ path: String) {
        guard let fd = try? Posix.open(path, O_RDONLY, verb: "open") else { return }
        defer { Posix.close(fd) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        guard Posix.tryLock(fd) == 0, let info = Posix.status(fd), info.st_size == 0,
            now.tv_sec - info.st_mtim.tv_sec > Self.staleNewFileSeconds
        else { return }
        unlink(path)
    }

    /// Seals `folder`'s active segment: sync, rename `open-` → `seg-`, sync the folder, release
    /// the lock. A segment that cannot be renamed is closed where it is: an unlocked `open-`
    /// file, which a flush takes as an orphan. One that lost its name (deleted or replaced under
    /// the writer) is only closed: its name may stand for another file now. One whose descriptor
    /// was closed by someone else is left as an orphan too (every group acknowledged in it was
    /// synced through the descriptor while it was still the segment's), and the descriptor, now
    /// another file's, is not closed.
    func seal(_ folder: String) {
        guard let segment = active.removeValue(forKey: folder) else { return }
        let directory = core.root + "/" + folder
        let openName = SegmentFile.openName(segment.id)
        let sealedName = SegmentFile.sealedName(segment.id)
        core.tallies.withLock { $0.dataSyncs += 1 }
        let held = segment.holdsFile
        let synced = held && Posix.dataSync(segment.fd) == 0
        let named = Posix.names(segment.path, segment.file)
        if synced, named, rename(segment.path, directory + "/" + sealedName) == 0 {
            core.tallies.withLock { $0.directorySyncs += 1 }
            try? Posix.syncDirectory(directory)
            core.tallies.withLock { $0.seals += 1 }
            core.ledger.settle(
                folder: folder, name: sealedName, replacing: openName, file: segment.file, size: segment.size,
                events: segment.events)
        } else if named {
            core.ledger.settle(
                folder: folder, name: openName, replacing: nil, file: segment.file, size: segment.size,
                events: segment.events)
        } else {
            core.ledger.forget(folder: folder, name: openName)
        }
        if held { Posix.close(segment.fd) }
    }

    /// Gives up `folder`'s active segment after a failed write or sync, or after it lost its name
    /// or its descriptor: cuts it back to `good` bytes (the last acknowledged line) and closes it,
    /// so no later append builds on a partial line and no unacknowledged group stays in a file
    /// that may still be found (renamed rather than deleted). An empty one is removed when its
    /// name is still its own; otherwise it stays as an unlocked `open-` file for a flush to take.
    /// A descriptor someone else closed (``ActiveSegment/holdsFile``) is left alone, and the file
    /// is cut back through its name instead. The next append starts a new segment.
    func retire(_ folder: String, keeping good: Int) {
        guard let segment = active.removeValue(forKey: folder) else { return }
        let named = Posix.names(segment.path, segment.file)
        if segment.holdsFile {
            let linked = named || (Posix.status(segment.fd)?.st_nlink ?? 0) > 0
            if linked { cut(segment, through: segment.fd, to: good, named: named) }
            Posix.close(segment.fd)
        } else if named, let fd = try? Posix.open(segment.path, O_WRONLY, verb: "open") {
            if Posix.status(fd).map(FileID.init) == segment.file { cut(segment, through: fd, to: good, named: true) }
            Posix.close(fd)
        }
        // Whatever is left under the name is counted again by reading it.
        core.ledger.forget(folder: folder, name: SegmentFile.openName(segment.id))
    }

    /// Cuts `segment`'s file (open as `fd`) back to `good` bytes and syncs it, or removes it when
    /// that leaves it empty and `named` (its path is still its own).
    private func cut(_ segment: ActiveSegment, through fd: Int32, to good: Int, named: Bool) {
        guard ftruncate(fd, off_t(good)) == 0 else { return }
        if good == 0, named {
            unlink(segment.path)
        } else {
            _ = Posix.dataSync(fd)
        }
    }

    /// Seals the active segment of every folder whose flush asked for it (a `seal-request` file),
    /// then removes the request; that removal tells the flush the segment is sealed and unlocked.
    func answerSealRequests() {
        for folder in prepared.keys {
            let request = core.root + "/" + folder + "/" + SegmentFile.sealRequest
            guard Posix.exists(request) else { continue }
            seal(folder)
            unlink(request)
        }
    }
}
