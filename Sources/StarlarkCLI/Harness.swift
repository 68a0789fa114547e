import Foundation
import Starlark

/// Runs conformance files in the chunked format starlark-go's tests use: chunks split by a
/// line `---`, `### "regex"` marking the line where an error is expected, `option:NAME` switching
/// a dialect option on for a chunk, and `load("assert.star", "assert")` for assertions.
struct Harness {
    struct Expectation {
        let line: Int
        let pattern: String
    }

    struct ChunkResult {
        let firstLine: Int
        var failures: [String] = []
    }

    let verbose: Bool

    /// Runs every chunk of `path`; returns the results per chunk.
    func run(file path: String) throws -> [ChunkResult] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let name = (path as NSString).lastPathComponent
        var results: [ChunkResult] = []
        var line = 1
        for chunk in text.components(separatedBy: "\n---\n") {
            let source = String(repeating: "\n", count: line - 1) + chunk
            var result = ChunkResult(firstLine: line)
            var expectations: [Int: String] = [:]
            for (offset, chunkLine) in chunk.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let marker = chunkLine.range(of: "###") else { continue }
                let quoted = chunkLine[marker.upperBound...].trimmingCharacters(in: .whitespaces)
                if let pattern = GoQuoted.unquote(quoted) {
                    expectations[line + offset] = pattern
                } else {
                    result.failures.append("\(name):\(line + offset): not a quoted regexp: \(quoted)")
                }
            }
            runChunk(source, file: name, expectations: &expectations, result: &result)
            for (expectedLine, pattern) in expectations.sorted(by: { $0.key < $1.key }) {
                result.failures.append("\(name):\(expectedLine): expected error matching \(GoQuoted.quote(pattern))")
            }
            results.append(result)
            line += chunk.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        }
        return results
    }

    private func runChunk(_ source: String, file: String, expectations: inout [Int: String], result: inout ChunkResult)
    {
        let options = DialectOptions(
            set: source.contains("option:set"), whileLoops: source.contains("option:while"),
            topLevelControl: source.contains("option:toplevelcontrol"),
            globalReassign: source.contains("option:globalreassign"),
            loadBindsGlobally: source.contains("option:loadbindsglobally"),
            recursion: source.contains("option:recursion"))
        let reporter = Reporter()
        let thread = StarlarkThread(name: file)
        thread.print = { _, text in print(text) }
        thread.locals[Reporter.key] = reporter
        thread.load = { thread, module in
            switch module {
            case "assert.star": return try AssertModule.load(on: thread)
            case "json.star": return ["json": .object(JSONModule.module)]
            case "math.star": return ["math": .object(MathModule.module)]
            case "time.star": return ["time": .object(TimeModule.module)]
            default: throw StarlarkError("no such module: \(module)")
            }
        }
        do {
            _ = try thread.exec(source, file: file, predeclared: HarnessBuiltins.predeclared, options: options)
        } catch let error as StarlarkSyntaxError {
            record(error.message, line: error.position.line, file: file, expectations: &expectations, result: &result)
        } catch let error as StarlarkError {
            // The innermost frame in the test file is where the error belongs (assert.star frames are skipped).
            let line = error.callStack.last { $0.position.file == file }?.position.line ?? error.position?.line ?? 0
            let unexpected = expectations[line] == nil
            record(error.message, line: line, file: file, expectations: &expectations, result: &result)
            if verbose, unexpected { result.failures.append(error.backtrace) }
        } catch {
            result.failures.append("\(file): unexpected error \(error)")
        }
        result.failures.append(contentsOf: reporter.messages)
    }

    private func record(
        _ message: String, line: Int, file: String, expectations: inout [Int: String], result: inout ChunkResult
    ) {
        guard let pattern = expectations.removeValue(forKey: line) else {
            result.failures.append("\(file):\(line): unexpected error: \(message)")
            return
        }
        if !Pattern.matches(pattern, message) {
            result.failures.append(
                "\(file):\(line): error \(GoQuoted.quote(message)) does not match pattern \(GoQuoted.quote(pattern))")
        }
    }
}

/// Collects the failures `error()` reports while a chunk runs.
final class Reporter: @unchecked Sendable {
    static let key = "harness.reporter"
    var messages: [String] = []
}

/// Regular expressions in the test files (Go's RE2 syntax, which Swift's Regex accepts for these).
enum Pattern {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return text.contains(pattern) }
        return text.contains(regex)
    }
}

/// Go string literals, as the `###` markers write their patterns.
enum GoQuoted {
    static func unquote(_ text: String) -> String? {
        if text.hasPrefix("`"), text.hasSuffix("`"), text.count >= 2 { return String(text.dropFirst().dropLast()) }
        guard text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 else { return nil }
        var output = ""
        var iterator = text.dropFirst().dropLast().makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                output.append(character)
                continue
            }
            guard let escaped = iterator.next() else { return nil }
            switch escaped {
            case "n": output.append("\n")
            case "t": output.append("\t")
            case "r": output.append("\r")
            case "\\": output.append("\\")
            case "\"": output.append("\"")
            default: output.append(escaped)
            }
        }
        return output
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
