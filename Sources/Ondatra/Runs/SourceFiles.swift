import Crypto
import DuckDB
import Foundation

/// The local files a model reads, summed up as one fingerprint of their paths, sizes and
/// modification times and file numbers, so a run can tell whether a file source changed without reading it.
enum SourceFiles {
    /// The fingerprint of the files matching `patterns` (globs resolved by DuckDB, as its readers
    /// would), or nil when a pattern names a remote location, whose changes cannot be seen here.
    static func fingerprint(_ patterns: [String], session: Session) throws -> String? {
        var lines: [String] = []
        for pattern in patterns {
            if pattern.contains("://") { return nil }
            let matches = try session.query("SELECT file FROM glob(\(SQLLiteral.quote(pattern))) ORDER BY file")
                .allRows().compactMap { $0[0].string }
            for path in matches {
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                // The file number catches a replaced file whose size and time stayed the same.
                let inode = (attributes?[.systemFileNumber] as? NSNumber)?.int64Value ?? -1
                lines.append("\(path)\t\(size)\t\(modified)\t\(inode)")
            }
            // A pattern that matches nothing now may match a file later: it is part of the fingerprint.
            lines.append(pattern)
        }
        var hasher = SHA256()
        hasher.update(data: Data(lines.joined(separator: "\n").utf8))
        return hasher.finalize().hexString
    }
}
