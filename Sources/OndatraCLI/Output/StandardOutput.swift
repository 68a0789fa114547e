import Foundation

/// Buffered writing to standard output: text is collected and written in large blocks.
final class StandardOutput {
    private var buffer = ""
    private let handle = FileHandle.standardOutput
    private static let flushThreshold = 1 << 16

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
