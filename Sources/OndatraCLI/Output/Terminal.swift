import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the process's output goes to, and the few ANSI codes the commands use.
enum Terminal {
    /// The colours status words are painted in.
    enum Colour: String {
        case green = "32"
        case yellow = "33"
        case red = "31"
    }

    /// Whether `descriptor` is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// Whether output may be coloured: only on a terminal, never with `--no-color`, nor when
    /// `NO_COLOR` is set to anything but the empty string (https://no-color.org).
    static func usesColour(noColorFlag: Bool, environment: [String: String], isTerminal: Bool) -> Bool {
        isTerminal && !noColorFlag && (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// `text` in `colour` when `enabled`, else `text` as it is.
    static func paint(_ text: String, _ colour: Colour, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The columns of the terminal `descriptor` is, or nil when it is not one (output piped).
    static func width(of descriptor: Int32) -> Int? {
        guard isTerminal(descriptor) else { return nil }
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        // A terminal that does not say: the shell's idea of it, or the classic 80.
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }
}
