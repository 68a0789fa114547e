import Foundation

/// Replaces known secret values with `***` in any text about to be shown or logged.
///
/// Redaction is by value, not by pattern: every value loaded from `.env`, every value a config
/// file pastes in with `${NAME}`, and any value the host registers later (an auth token) is hidden
/// wherever it appears, in every form it is commonly echoed in:
///
/// - the value itself;
/// - its fragments: the runs of letters and digits between other characters, when at least
///   ``minimumFragmentLength`` long. DuckDB reads an unquoted `header.payload.signature` token as a
///   qualified column name and echoes only one part; `abc-def` as a subtraction of two columns;
/// - percent-encoded (as in a URL: RFC 3986 unreserved characters kept, or a form's `+` for a
///   space, with upper- or lower-case hex digits), JSON-escaped (`\"`, `\\`, `\/`, `\u00e9`);
/// - base64, standard and URL-safe: on its own, and the characters that encode only the value
///   wherever it starts inside a longer text (a Basic auth header is base64 of `user:password`).
///
/// Values shorter than ``minimumLength`` are not treated as secrets, and shorter fragments are not
/// hidden on their own: hiding every `1`, `on` or `main` would garble messages without protecting
/// anything.
public struct SecretRedactor: Sendable {
    /// The shortest value that is redacted.
    public static let minimumLength = 4
    /// The shortest fragment of a value (a run of letters and digits) or base64 excerpt that is
    /// redacted on its own; six characters keep ordinary short words (`lake`, `main`, `user`) readable.
    public static let minimumFragmentLength = 6
    /// What a secret is replaced with.
    public static let mask = "***"

    /// The values registered, to skip repeats.
    private var secrets: Set<String> = []
    /// Every form of every secret as UTF-8, longest first, so a form that contains another is hidden whole.
    private var forms: [[UInt8]] = []

    /// Creates a redactor for `secrets`.
    public init(secrets: some Sequence<String> = []) {
        for secret in secrets { add(secret) }
    }

    /// Registers one more secret value.
    public mutating func add(_ secret: String) {
        guard secret.count >= Self.minimumLength, secrets.insert(secret).inserted else { return }
        var known = Set(forms)
        for form in Self.forms(of: secret) where known.insert(Array(form.utf8)).inserted {
            forms.append(Array(form.utf8))
        }
        forms.sort { $0.count > $1.count }
    }

    /// `text` with every form of every secret replaced by ``mask``.
    public func redact(_ text: String) -> String {
        guard !forms.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for form in forms where Self.replace(form, in: &bytes) { changed = true }
        if maskCutBeginnings(in: &bytes) { changed = true }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// DuckDB cuts long values short in its messages (`Input: "1c88…0af..."`): the beginning of
    /// a secret (at least ``minimumFragmentLength`` long) right before a `...` or `…` is hidden too.
    private func maskCutBeginnings(in bytes: inout [UInt8]) -> Bool {
        let markers = [Array("...".utf8), Array("…".utf8)]
        var changed = false
        var index = 0
        while index < bytes.count {
            guard
                let marker = markers.first(where: {
                    bytes.count - index >= $0.count && bytes[index..<(index + $0.count)].elementsEqual($0)
                })
            else {
                index += 1
                continue
            }
            var longest = 0
            for form in forms where form.count > Self.minimumFragmentLength {
                var length = min(form.count - 1, index)
                while length >= Self.minimumFragmentLength
                    && !bytes[(index - length)..<index].elementsEqual(form[0..<length])
                {
                    length -= 1
                }
                if length >= Self.minimumFragmentLength { longest = max(longest, length) }
            }
            if longest > 0 {
                bytes.replaceSubrange((index - longest)..<index, with: Self.mask.utf8)
                index += Self.mask.utf8.count - longest
                changed = true
            }
            index += marker.count
        }
        return changed
    }

    /// Replaces every occurrence of `form` in `bytes` by the mask; says whether there was one.
    private static func replace(_ form: [UInt8], in bytes: inout [UInt8]) -> Bool {
        guard let first = form.first, form.count <= bytes.count else { return false }
        var output: [UInt8] = []
        var index = 0
        var found = false
        let last = bytes.count - form.count
        while index < bytes.count {
            if index <= last, bytes[index] == first, bytes[index..<(index + form.count)].elementsEqual(form) {
                if !found {
                    output.reserveCapacity(bytes.count)
                    output.append(contentsOf: bytes[..<index])
                    found = true
                }
                output.append(contentsOf: mask.utf8)
                index += form.count
                continue
            }
            if found { output.append(bytes[index]) }
            index += 1
        }
        if found { bytes = output }
        return found
    }

    /// The forms `secret` may be echoed in (see the type's description).
    static func forms(of secret: String) -> Set<String> {
        var forms: Set<String> = [secret]
        let fragments = secret.split { !($0.isLetter || $0.isNumber) }
        if fragments.count > 1 || fragments.first?.count != secret.count {
            for fragment in fragments where fragment.count >= minimumFragmentLength { forms.insert(String(fragment)) }
        }
        for uppercase in [true, false] {
            forms.insert(percentEncoded(secret, spaceAsPlus: false, uppercase: uppercase))
            forms.insert(percentEncoded(secret, spaceAsPlus: true, uppercase: uppercase))
        }
        forms.insert(jsonEscaped(secret, slash: false, asciiOnly: false))
        forms.insert(jsonEscaped(secret, slash: true, asciiOnly: false))
        forms.insert(jsonEscaped(secret, slash: true, asciiOnly: true))
        forms.insert(jsonEscaped(secret, slash: false, asciiOnly: true))
        let whole = Data(secret.utf8).base64EncodedString()
        for encoded in [whole] + base64Excerpts(secret) {
            guard encoded.count >= minimumFragmentLength else { continue }
            forms.insert(encoded)
            forms.insert(urlSafe(encoded))
        }
        forms.insert(urlSafe(whole).replacingOccurrences(of: "=", with: ""))
        return forms.filter { $0.count >= minimumLength }
    }

    /// Percent-encoding with RFC 3986's unreserved characters kept.
    private static func percentEncoded(_ text: String, spaceAsPlus: Bool, uppercase: Bool) -> String {
        var output = ""
        for byte in text.utf8 {
            if byte.isUnreserved {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else if spaceAsPlus && byte == UInt8(ascii: " ") {
                output += "+"
            } else {
                let hex = String(byte, radix: 16, uppercase: uppercase)
                output += byte < 16 ? "%0" + hex : "%" + hex
            }
        }
        return output
    }

    /// The text of a JSON string literal without its quotes.
    private static func jsonEscaped(_ text: String, slash: Bool, asciiOnly: Bool) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "/" where slash: output += "\\/"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || (asciiOnly && !scalar.isASCII) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output
    }

    /// The base64 characters that depend only on `text`'s bytes, for each of the three positions
    /// it can start at relative to base64's 3-byte groups inside a longer text.
    private static func base64Excerpts(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return (0..<3).map { offset in
            let encoded = (Data(repeating: 0, count: offset) + Data(bytes)).base64Chars
            // Character i covers bits 6i..<6i+6; the text covers 8·offset..<8·(offset + count).
            let start = (8 * offset + 5) / 6
            let end = min((8 * (offset + bytes.count)) / 6, encoded.count)
            return start < end ? String(encoded[start..<end]) : ""
        }
    }

    private static func urlSafe(_ base64: String) -> String {
        String(base64.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}

extension Data {
    /// The standard base64 text, as characters.
    fileprivate var base64Chars: [Character] { Array(base64EncodedString()) }
}

extension UInt8 {
    /// RFC 3986's unreserved characters: letters, digits, `-`, `.`, `_`, `~`.
    fileprivate var isUnreserved: Bool {
        (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || (self >= 0x30 && self <= 0x39)
            || self == UInt8(ascii: "-") || self == UInt8(ascii: ".") || self == UInt8(ascii: "_")
            || self == UInt8(ascii: "~")
    }
}
