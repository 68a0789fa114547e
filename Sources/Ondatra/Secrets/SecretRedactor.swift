import Foundation

/// Replaces known secret values with `***` in any text about to be shown or logged.
///
/// Redaction is by value, not by pattern: every value loaded from `.env` (and any value the host
/// registers later, such as an auth token) is hidden wherever it appears. Values shorter than
/// ``minimumLength`` are not treated as secrets: hiding every `1` or `on` would garble messages
/// without protecting anything.
public struct SecretRedactor: Sendable {
    /// The shortest value that is redacted.
    public static let minimumLength = 4
    /// What a secret is replaced with.
    public static let mask = "***"

    /// Longest first, so a secret that contains another is hidden whole.
    private var secrets: [String] = []

    /// Creates a redactor for `secrets`.
    public init(secrets: some Sequence<String> = []) {
        for secret in secrets { add(secret) }
    }

    /// Registers one more secret value.
    public mutating func add(_ secret: String) {
        guard secret.count >= Self.minimumLength, !secrets.contains(secret) else { return }
        secrets.append(secret)
        secrets.sort { $0.count > $1.count }
    }

    /// `text` with every secret replaced by ``mask``.
    public func redact(_ text: String) -> String {
        var output = text
        for secret in secrets where output.contains(secret) {
            output = output.replacingOccurrences(of: secret, with: Self.mask)
        }
        return output
    }
}
