import Foundation
import Starlark

/// `starlark FILE` runs a program (all dialect options on); `starlark --test FILE…` runs
/// conformance files and ends with `N passed, N failed`.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage = "usage: starlark FILE | starlark --test [-v] FILE…"

if arguments.first == "--test" {
    var verbose = false
    var files: [String] = []
    for argument in arguments.dropFirst() {
        if argument == "-v" { verbose = true } else { files.append(argument) }
    }
    guard !files.isEmpty else {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
    let harness = Harness(verbose: verbose)
    var passed = 0
    var failed = 0
    for file in files {
        do {
            let results = try harness.run(file: file)
            let bad = results.filter { !$0.failures.isEmpty }
            passed += results.count - bad.count
            failed += bad.count
            print("\(bad.isEmpty ? "PASS" : "FAIL") \(file): \(results.count - bad.count)/\(results.count) chunks")
            if verbose || !bad.isEmpty {
                for result in bad {
                    for failure in result.failures.prefix(verbose ? 50 : 3) {
                        print("    " + failure.replacingOccurrences(of: "\n", with: "\n    "))
                    }
                }
            }
        } catch {
            failed += 1
            print("FAIL \(file): \(error)")
        }
    }
    print("\(passed) passed, \(failed) failed")
    exit(failed == 0 ? 0 : 1)
}

guard arguments.count == 1, let path = arguments.first else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
do {
    let source = try String(contentsOfFile: path, encoding: .utf8)
    let thread = StarlarkThread(name: path)
    _ = try thread.exec(
        source, file: path,
        predeclared: [
            "json": .object(JSONModule.module), "math": .object(MathModule.module), "time": .object(TimeModule.module),
        ],
        options: .all)
} catch let error as StarlarkError {
    FileHandle.standardError.write(Data((error.backtrace + "\n").utf8))
    exit(1)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
