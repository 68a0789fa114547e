import Foundation

/// A libpq connection string (`dbname=lake host=db user=me`, or a `postgresql://` URI), read to
/// name another database on the same server: `sandbox` copies a PostgreSQL catalog with
/// `CREATE DATABASE … TEMPLATE` and attaches the copy.
struct PostgresConnection: Equatable {
    /// The `keyword=value` pairs in order; empty for a URI.
    private var pairs: [(key: String, value: String)]
    /// The URI form, when the string is one.
    private var uri: URLComponents?

    /// Reads `text`; nil when it is neither a URI nor `keyword=value` pairs.
    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            guard let components = URLComponents(string: trimmed) else { return nil }
            uri = components
            pairs = []
            return
        }
        uri = nil
        pairs = []
        let characters = Array(trimmed)
        var index = 0
        func skipSpaces() { while index < characters.count, characters[index].isWhitespace { index += 1 } }
        while true {
            skipSpaces()
            guard index < characters.count else { break }
            var key = ""
            while index < characters.count, characters[index] != "=", !characters[index].isWhitespace {
                key.append(characters[index])
                index += 1
            }
            skipSpaces()
            guard !key.isEmpty, index < characters.count, characters[index] == "=" else { return nil }
            index += 1
            skipSpaces()
            var value = ""
            if index < characters.count, characters[index] == "'" {
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "\\", index + 1 < characters.count {
                        value.append(characters[index + 1])
                        index += 2
                    } else if characters[index] == "'" {
                        index += 1
                        closed = true
                        break
                    } else {
                        value.append(characters[index])
                        index += 1
                    }
                }
                guard closed else { return nil }
            } else {
                while index < characters.count, !characters[index].isWhitespace {
                    if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                    value.append(characters[index])
                    index += 1
                }
            }
            pairs.append((key.lowercased(), value))
        }
    }

    /// The database it names (`dbname`, or the URI's path); nil when it names none (libpq would
    /// then use the user's name).
    var database: String? {
        if let uri {
            let path = uri.path.hasPrefix("/") ? String(uri.path.dropFirst()) : uri.path
            return path.isEmpty ? nil : path
        }
        return pairs.last { $0.key == "dbname" }?.value
    }

    /// The same connection to database `name` on the same server, as the same user.
    func connecting(to name: String) -> PostgresConnection {
        var copy = self
        if var components = uri {
            components.path = "/" + name
            copy.uri = components
        } else {
            copy.pairs = pairs.filter { $0.key != "dbname" } + [("dbname", name)]
        }
        return copy
    }

    /// The connection string, values quoted where libpq needs it.
    var text: String {
        if let uri { return uri.string ?? "" }
        return pairs.map { pair in
            let plain = !pair.value.isEmpty && !pair.value.contains { $0.isWhitespace || $0 == "'" || $0 == "\\" }
            let value =
                plain
                ? pair.value
                : "'"
                    + pair.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                    + "'"
            return "\(pair.key)=\(value)"
        }.joined(separator: " ")
    }

    static func == (lhs: PostgresConnection, rhs: PostgresConnection) -> Bool { lhs.text == rhs.text }
}
