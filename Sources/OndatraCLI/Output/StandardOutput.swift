import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Buffered writing to standard output: text is collected and written in large blocks.
final class StandardOutput {
    private var buffer = ""
    private let handle = FileHandle.standardOutput
    private static let flushThreshold = 1 << 16
    /// The terminal's columns when standard output is one; nil when it is piped (tables are then
    /// printed in full).
    let width = Terminal.width(of: STDOUT_FILENO)

    /// Appends text, writing the buffer out once it is large.
    func write(_ text: String) {
        buffer += text
        if buffer.utf8.count >= Self.flushThreshold { flush() }
    }

    /// Writes whatever is buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }
}
