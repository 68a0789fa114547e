import Foundation
import Starlark

/// Percent-encoding and form encoding shared by `http` and `url`.
public enum URLEncoding {
    /// Bytes left as they are: RFC 3986's unreserved characters.
    private static let unreserved = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// `text` with every byte outside the unreserved set as `%XX`.
    public static func component(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    /// `a=1&b=x%20y` from a dict; a list value repeats its key; None values are left out.
    public static func form(_ value: Value, function: String, parameter: String) throws -> String {
        guard let entries = value.dictEntries else {
            throw StarlarkError("\(function): \(parameter) must be a dict, got \(value.typeName)")
        }
        var pairs: [String] = []
        for (key, element) in entries {
            guard case .string(let name) = key else {
                throw StarlarkError("\(function): \(parameter) keys must be strings, got \(key.typeName)")
            }
            let values: [Value]
            if case .list = element {
                values = element.arrayValue ?? []
            } else if case .tuple = element {
                values = element.arrayValue ?? []
            } else {
                values = [element]
            }
            for item in values where item != .none {
                pairs.append(
                    component(name) + "=" + component(try text(item, function: function, parameter: parameter)))
            }
        }
        return pairs.joined(separator: "&")
    }

    /// A scalar as text for a URL or header: strings as they are, numbers in decimal, booleans
    /// as `true`/`false`.
    public static func text(_ value: Value, function: String, parameter: String) throws -> String {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .int, .bigInt, .float: return value.str
        default:
            throw StarlarkError(
                "\(function): \(parameter) values must be strings, numbers or bools, got \(value.typeName)")
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
