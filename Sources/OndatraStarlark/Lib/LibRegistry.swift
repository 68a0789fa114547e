import Foundation
import Ondatra
import RateLimit
import Starlark
import StarlarkHTTP

/// A lib function: `lib/NAME.star` with a top-level `API` dict.
public struct LibFunction: Sendable {
    /// The name SQL and `@sink` use.
    public let name: String
    /// The file, relative to the project root.
    public let path: String
    /// The validated `API` dict.
    public let api: LibAPI
}

/// Finds the lib functions of a project and validates their `API` dicts statically: nothing is run,
/// so a bad key is reported before any model starts.
public enum LibRegistry {
    /// A project's lib files: the lib functions, and the files whose `API` dict (or syntax) has
    /// mistakes, which fail only the models that use them.
    public struct Libraries: Sendable {
        /// Every `lib/*.star` with a valid `API` dict, by lower-cased name.
        public var functions: [String: LibFunction] = [:]
        /// Every lib file that does not parse or whose `API` dict has mistakes, by lower-cased
        /// name: the error listing all of them.
        public var broken: [String: OndatraError] = [:]
    }

    /// Every `lib/*.star` with an `API` dict, by lower-cased name; files without one are helper
    /// modules for `load()`. A file with mistakes is kept aside with its error, so only the models
    /// that use it fail.
    public static func load(_ project: Project) -> Libraries {
        let folder = project.url("lib")
        // Hidden files (editor swap files, macOS `._name` copies) are not libs.
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasSuffix(".star") && !$0.hasPrefix(".")
        }.sorted()
        var libraries = Libraries()
        for file in files {
            let path = "lib/\(file)"
            let name = String(file.dropLast(5))
            do {
                let text = try TextFile.read(folder.appending(path: file), path: path)
                if let api = try parse(text, file: path) {
                    libraries.functions[name.lowercased()] = LibFunction(name: name, path: path, api: api)
                }
            } catch let error as OndatraError {
                libraries.broken[name.lowercased()] = error
            } catch {
                libraries.broken[name.lowercased()] = OndatraError(.project, "\(error)", file: path)
            }
        }
        return libraries
    }

    /// The `API` dict of one file, or nil when the file has none.
    public static func parse(_ text: String, file: String) throws -> LibAPI? {
        let syntax: FileSyntax
        do {
            syntax = try Parser.parse(text, file: file)
        } catch let error as StarlarkSyntaxError {
            throw OndatraError(.project, error.message, file: file, line: error.position.line)
        }
        for statement in syntax.statements {
            guard case .assign(.identifier(let id), let value, let position) = statement, id.name == "API" else {
                continue
            }
            guard case .dict = value else {
                throw OndatraError(.project, "API must be a dict literal", file: file, line: position.line)
            }
            let literal = try LiteralValue.read(value, file: file, path: "API")
            let validator = Validator(file: file, line: position.line)
            let api = try validator.api(literal)
            // Every mistake at once, so one edit fixes them all.
            switch validator.mistakes.count {
            case 0: return api
            case 1: throw OndatraError(.project, validator.mistakes[0], file: file, line: position.line)
            default:
                throw OndatraError(
                    .project,
                    "\(validator.mistakes.count) mistakes in the API dict: "
                        + validator.mistakes.joined(separator: "; "),
                    file: file, line: position.line)
            }
        }
        return nil
    }

    /// Checks the literal's keys and types, naming the offending key; collects the mistakes of
    /// every key instead of stopping at the first.
    private final class Validator {
        let file: String
        let line: Int
        /// What is wrong, one message per key.
        private(set) var mistakes: [String] = []

        init(file: String, line: Int) {
            self.file = file
            self.line = line
        }

        /// Runs the check of one key, noting its mistake rather than stopping.
        func collecting(_ check: () throws -> Void) {
            do {
                try check()
            } catch let error as OndatraError {
                mistakes.append(error.message)
            } catch {
                mistakes.append("\(error)")
            }
        }

        func fail(_ path: String, _ message: String) -> OndatraError {
            OndatraError(.project, "\(path): \(message)", file: file, line: line)
        }

        func members(_ value: LiteralValue, _ path: String, allowed: [String]) throws -> [(String, LiteralValue)] {
            guard case .dict(let members) = value else { throw fail(path, "must be a dict, not \(value.kind)") }
            for (key, _) in members where !allowed.contains(key) {
                mistakes.append(
                    fail("\(path).\(key)", "unknown key (allowed: \(allowed.joined(separator: ", ")))").message)
            }
            return members.filter { allowed.contains($0.0) }
        }

        func string(_ value: LiteralValue, _ path: String) throws -> String {
            guard case .string(let text) = value else { throw fail(path, "must be a string, not \(value.kind)") }
            return text
        }

        func int(_ value: LiteralValue, _ path: String, minimum: Int) throws -> Int {
            guard case .int(let number) = value else { throw fail(path, "must be an int, not \(value.kind)") }
            guard number >= minimum else { throw fail(path, "must be at least \(minimum), not \(number)") }
            return number
        }

        func number(_ value: LiteralValue, _ path: String) throws -> Double {
            switch value {
            case .int(let number) where number >= 0 && number <= Int(HTTPLimits.maxSeconds): return Double(number)
            case .float(let number) where number >= 0 && number <= HTTPLimits.maxSeconds: return number
            default: throw fail(path, "must be a number of seconds from 0 to \(Int(HTTPLimits.maxSeconds))")
            }
        }

        func duration(_ value: LiteralValue, _ path: String) throws -> Duration {
            let text = try string(value, path)
            guard let nanoseconds = try? DurationText.parse(text), nanoseconds > 0 else {
                throw fail(path, "'\(text)' is not a positive duration (write e.g. '10s', '500ms', '1m')")
            }
            return .nanoseconds(nanoseconds)
        }

        func strings(_ value: LiteralValue, _ path: String) throws -> [String] {
            guard case .list(let items) = value else {
                throw fail(path, "must be a list of strings, not \(value.kind)")
            }
            return try items.enumerated().map { try string($1, "\(path)[\($0)]") }
        }

        func api(_ value: LiteralValue) throws -> LibAPI {
            var api = LibAPI()
            for (key, member) in try members(value, "API", allowed: LibAPI.keys) {
                let path = "API.\(key)"
                collecting { try apply(key, member, path, to: &api) }
            }
            return api
        }

        /// Reads one top-level key of the `API` dict into `api`.
        private func apply(_ key: String, _ member: LiteralValue, _ path: String, to api: inout LibAPI) throws {
            switch key {
            case "base_url":
                let url = try string(member, path)
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw fail(path, "must start with http:// or https://")
                }
                api.baseURL = url
            case "auth": api.auth = try auth(member, path)
            case "headers":
                for (name, header) in try members(member, path, allowed: dictKeys(member)) {
                    api.headers[name] = try string(header, "\(path).\(name)")
                }
            case "timeout":
                api.timeout = try number(member, path)
                guard api.timeout > 0 else { throw fail(path, "must be more than 0 seconds") }
            case "retry": api.retry = try int(member, path, minimum: 0)
            case "backoff": api.backoff = try number(member, path)
            case "rate_limit":
                let settings = try members(member, path, allowed: ["requests", "per"])
                guard let requests = settings.first(where: { $0.0 == "requests" })?.1,
                    let per = settings.first(where: { $0.0 == "per" })?.1
                else { throw fail(path, "needs requests and per, e.g. {\"requests\": 100, \"per\": \"10s\"}") }
                api.rateLimit = LibAPI.RateLimitSettings(
                    requests: try int(requests, "\(path).requests", minimum: 1),
                    period: try duration(per, "\(path).per"))
            case "fetch": api.fetch = try fetch(member, path)
            default: api.push = try push(member, path)
            }
        }

        private func dictKeys(_ value: LiteralValue) -> [String] {
            if case .dict(let members) = value { return members.map(\.0) }
            return []
        }

        private func auth(_ value: LiteralValue, _ path: String) throws -> LibAPI.Auth {
            let settings = try members(
                value, path, allowed: ["env", "header", "param", "env_user", "env_pass", "oauth"])
            func text(_ key: String) throws -> String? {
                try settings.first { $0.0 == key }.map { try string($0.1, "\(path).\(key)") }
            }
            if let oauth = settings.first(where: { $0.0 == "oauth" })?.1 {
                var values: [String: String] = [:]
                let allowed = ["token_url", "client_id_env", "client_secret_env", "refresh_token_env", "scope"]
                for (key, setting) in try members(oauth, "\(path).oauth", allowed: allowed) {
                    values[key] = try string(setting, "\(path).oauth.\(key)")
                }
                for required in ["token_url", "client_id_env", "client_secret_env"] where values[required] == nil {
                    throw fail("\(path).oauth", "needs \(required)")
                }
                return .oauth(values)
            }
            if let user = try text("env_user") {
                guard let password = try text("env_pass") else { throw fail(path, "env_user needs env_pass") }
                return .basic(userVariable: user, passwordVariable: password)
            }
            guard let variable = try text("env") else {
                throw fail(path, "needs env (a variable name), env_user and env_pass, or oauth")
            }
            if let header = try text("header") { return .header(name: header, variable: variable) }
            if let parameter = try text("param") { return .queryParameter(name: parameter, variable: variable) }
            return .bearer(variable: variable)
        }

        private func fetch(_ value: LiteralValue, _ path: String) throws -> LibAPI.FetchSettings {
            var settings = LibAPI.FetchSettings()
            let allowed = ["args", "page_size", "max_pages", "dynamic_columns", "columns"]
            for (key, member) in try members(value, path, allowed: allowed) {
                switch key {
                case "args": settings.arguments = try strings(member, "\(path).args")
                case "page_size": settings.pageSize = try int(member, "\(path).page_size", minimum: 1)
                case "max_pages": settings.maxPages = try int(member, "\(path).max_pages", minimum: 1)
                case "dynamic_columns":
                    guard case .bool(let flag) = member else {
                        throw fail("\(path).dynamic_columns", "must be True or False")
                    }
                    settings.dynamicColumns = flag
                default:
                    for (column, type) in try members(member, "\(path).columns", allowed: dictKeys(member)) {
                        settings.columns.append((column, try string(type, "\(path).columns.\(column)")))
                    }
                }
            }
            return settings
        }

        private func push(_ value: LiteralValue, _ path: String) throws -> LibAPI.PushSettings {
            var settings = LibAPI.PushSettings()
            let allowed = [
                "batch_size", "batch_mode", "max_concurrent", "poll_interval", "poll_timeout", "args", "max_attempts",
                "retry_backoff",
            ]
            for (key, member) in try members(value, path, allowed: allowed) {
                let memberPath = "\(path).\(key)"
                switch key {
                case "batch_size": settings.batchSize = try int(member, memberPath, minimum: 1)
                case "batch_mode":
                    let mode = try string(member, memberPath)
                    guard let parsed = LibAPI.PushSettings.Mode(rawValue: mode) else {
                        throw fail(memberPath, "'\(mode)' is not a batch mode (allowed: sync, atomic, async)")
                    }
                    settings.mode = parsed
                case "max_concurrent": settings.maxConcurrent = try int(member, memberPath, minimum: 1)
                case "poll_interval": settings.pollInterval = try duration(member, memberPath)
                case "poll_timeout": settings.pollTimeout = try duration(member, memberPath)
                case "max_attempts": settings.maxAttempts = try int(member, memberPath, minimum: 1)
                case "retry_backoff": settings.retryBackoff = try duration(member, memberPath)
                default: settings.arguments = try strings(member, memberPath)
                }
            }
            if settings.maxConcurrent > 1 && settings.mode != .sync {
                throw fail(
                    "\(path).max_concurrent",
                    "is \(settings.maxConcurrent), but only batch_mode \"sync\" runs batches at once (this lib's is \"\(settings.mode.rawValue)\"); remove max_concurrent or use sync"
                )
            }
            return settings
        }
    }
}
