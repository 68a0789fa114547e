import DuckDB
import Foundation

/// A DuckLake catalog whose `DATA_PATH` differs from the one it recorded when it was created.
///
/// DuckLake stores the data path it was created with and refuses an `ATTACH` that names another
/// one. The default `config/catalog.sql` builds the data path from `${ONDATRA_PROJECT_DIR}`, so
/// after `cp -r`, `mv` or a fresh `git clone` elsewhere the path differs while the data folder
/// came along. The catalog records its data files relative to the data path, so attaching with
/// `OVERRIDE_DATA_PATH true` reads the moved files. Anything else (a data path changed by hand,
/// a folder that is not there) keeps DuckLake's refusal, in words that say what to do.
struct MovedDataPath: Equatable {
    /// The data path `config/catalog.sql` gives now.
    let given: String
    /// The data path the catalog recorded.
    let stored: String

    /// Reads the two paths out of DuckLake's refusal; nil for any other error.
    init?(errorMessage message: String) {
        // Cut between DuckLake's fixed words, not at the next quote: a path may hold a `"`.
        let middle = "\" does not match existing data path in the catalog \""
        guard let start = message.range(of: "DATA_PATH parameter \""),
            let between = message.range(of: middle, range: start.upperBound..<message.endIndex)
        else { return nil }
        let end =
            message.range(of: "\". ", options: .backwards, range: between.upperBound..<message.endIndex)
            ?? message.range(of: "\"", options: .backwards, range: between.upperBound..<message.endIndex)
        guard let end else { return nil }
        given = String(message[start.upperBound..<between.lowerBound])
        stored = String(message[between.upperBound..<end.lowerBound])
    }

    init(given: String, stored: String) {
        self.given = given
        self.stored = stored
    }

    /// Whether the data folder moved with the project: the given path is a local folder that
    /// exists and has the recorded folder's name. Then the files the catalog lists (relative to
    /// the data path) are in it.
    var movedWithProject: Bool {
        guard let local = Self.localPath(given), Self.localPath(stored) != nil else { return false }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory), isDirectory.boolValue else {
            return false
        }
        return Self.lastComponent(given) == Self.lastComponent(stored) && !Self.lastComponent(given).isEmpty
    }

    /// `attach` with `OVERRIDE_DATA_PATH true` added to its options; nil when it has no options
    /// list to add to, or when its metadata lives in a database server: a copied project would
    /// then share the catalog with the original, and new files in the copy's folder would be
    /// missing for the original.
    static func overriding(_ attach: String) -> String? {
        let lowered = attach.lowercased()
        guard !lowered.contains("ducklake:postgres:"), !lowered.contains("ducklake:mysql:") else { return nil }
        guard let close = SQLStatementSplitter.lastCodeOffset(of: UInt8(ascii: ")"), in: attach) else { return nil }
        var bytes = Array(attach.utf8)
        bytes.insert(contentsOf: Array(", OVERRIDE_DATA_PATH true".utf8), at: close)
        return String(bytes: bytes, encoding: .utf8)
    }

    /// The refusal in our words, for a data path that did not move with the project.
    var refusal: String {
        let missing = Self.localPath(given).map { !FileManager.default.fileExists(atPath: $0) } ?? false
        return "the catalog's data files are under \(stored), but the ATTACH gives DATA_PATH \(given)"
            + (missing ? " (no such folder)" : "")
            + "; move the data folder there or put the old path back. If the files the catalog lists really "
            + "are under the new path, add OVERRIDE_DATA_PATH true to the ATTACH options"
    }

    /// The local file-system path of a data path, or nil for a remote one (`s3://…`).
    private static func localPath(_ path: String) -> String? {
        if path.hasPrefix("file://") { return String(path.dropFirst("file://".count)) }
        return path.contains("://") ? nil : path
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }
}
