import Foundation

/// Reads the project's text files (models, config, lib files) as UTF-8, with errors that name
/// the file and the first byte that is not UTF-8.
public enum TextFile {
    /// The text of the file at `url`, shown as `path` in errors.
    /// - Parameter code: the error code of a file that is not UTF-8 text (`.config` for config
    ///   files, so the command exits 2).
    /// - Throws: ``OndatraError`` when the file cannot be read or is not UTF-8.
    public static func read(_ url: URL, path: String, code: OndatraError.Code = .project) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw OndatraError(.io, "could not read: \(error.localizedDescription)", file: path)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = ModelDiscovery.firstInvalidUTF8Byte(in: data)
            throw OndatraError(
                code,
                "is not UTF-8 text (byte 0x\(String(format: "%02X", data[offset])) at offset \(offset) is not valid UTF-8); save the file as UTF-8",
                file: path)
        }
        return text
    }
}
