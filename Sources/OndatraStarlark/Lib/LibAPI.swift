import Foundation
import Ondatra
import RateLimit
import Starlark

/// A lib function's `API` dict, validated: how its HTTP calls are made and how it fetches and pushes.
public struct LibAPI: Sendable, Equatable {
    /// How requests authenticate.
    public enum Auth: Sendable, Equatable {
        /// `Authorization: Bearer $VAR`.
        case bearer(variable: String)
        /// `Header: $VAR`.
        case header(name: String, variable: String)
        /// `?param=$VAR`.
        case queryParameter(name: String, variable: String)
        /// HTTP Basic from two variables.
        case basic(userVariable: String, passwordVariable: String)
        /// A managed OAuth2 token; the settings as given.
        case oauth([String: String])

        /// The variables the credentials come from (for an OAuth2 token, the settings naming one
        /// with `…_env`).
        public var variables: [String] {
            switch self {
            case .bearer(let variable), .header(_, let variable), .queryParameter(_, let variable): [variable]
            case .basic(let user, let password): [user, password]
            case .oauth(let settings): settings.filter { $0.key.hasSuffix("_env") }.map(\.value).sorted()
            }
        }
    }

    /// `rate_limit`.
    public struct RateLimitSettings: Sendable, Equatable {
        /// Requests allowed per period.
        public let requests: Int
        /// The window length.
        public let period: Duration
    }

    /// `fetch`.
    public struct FetchSettings: Sendable, Equatable {
        /// Names of the extra arguments the function takes.
        public var arguments: [String] = []
        /// Rows per page to ask for.
        public var pageSize: Int?
        /// Whether columns may differ from page to page.
        public var dynamicColumns = false
        /// Declared column types, by name, in order.
        public var columns: [(String, String)] = []
        /// The most pages one fetch may take (`max_pages`): a fetch still returning a next cursor
        /// on this page fails instead of running forever.
        public var maxPages = FetchSettings.defaultMaxPages

        /// `max_pages` when the `API` dict does not set it.
        public static let defaultMaxPages = 10_000

        /// Equal when every setting is, columns in the same order.
        public static func == (lhs: FetchSettings, rhs: FetchSettings) -> Bool {
            lhs.arguments == rhs.arguments && lhs.pageSize == rhs.pageSize && lhs.dynamicColumns == rhs.dynamicColumns
                && lhs.columns.map(\.0) == rhs.columns.map(\.0) && lhs.columns.map(\.1) == rhs.columns.map(\.1)
                && lhs.maxPages == rhs.maxPages
        }
    }

    /// `push`.
    public struct PushSettings: Sendable, Equatable {
        /// How a batch reports back.
        public enum Mode: String, Sendable { case sync, atomic, async }
        /// Rows per `push()` call.
        public var batchSize = 1
        /// How a batch reports back.
        public var mode = Mode.sync
        /// Batches in flight at once.
        public var maxConcurrent = 1
        /// How often async jobs are polled.
        public var pollInterval: Duration?
        /// How long an async job may take.
        public var pollTimeout: Duration?
        /// Names of the extra arguments the function takes.
        public var arguments: [String] = []
        /// Failed deliveries after which a row moves to the dead letters (`max_attempts`).
        public var maxAttempts: Int?
        /// The wait before a failed row's first retry, doubled for each further one (`retry_backoff`).
        public var retryBackoff: Duration?
    }

    /// Prefixed to relative URLs.
    public var baseURL: String?
    /// How requests authenticate.
    public var auth: Auth?
    /// Headers sent with every request.
    public var headers: [String: String] = [:]
    /// Seconds per request.
    public var timeout = 30.0
    /// Retries on network errors, 429 and 5xx.
    public var retry = 0
    /// Seconds before the first retry (doubled each time, with full jitter).
    public var backoff = 1.0
    /// Requests per period, shared by all calls of the lib.
    public var rateLimit: RateLimitSettings?
    /// Ingestion settings.
    public var fetch: FetchSettings?
    /// Sync settings.
    public var push: PushSettings?

    /// The keys `API` may have.
    public static let keys = [
        "base_url", "auth", "headers", "timeout", "retry", "backoff", "rate_limit", "fetch", "push",
    ]
}
