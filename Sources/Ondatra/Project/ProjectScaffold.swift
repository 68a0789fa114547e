import Foundation

/// Creates a new project's files (`ondatrasql init`).
public enum ProjectScaffold {
    /// The files `init` writes, relative to the project root.
    static let files: [(path: String, contents: String)] = [
        (Project.markerPath, catalogSQL),
        (".env", dotEnv),
        (".gitignore", gitignore),
        ("README.md", readme),
        ("models/raw/.gitkeep", ""),
        ("models/staging/.gitkeep", ""),
        ("models/mart/.gitkeep", ""),
        ("models/sync/.gitkeep", ""),
        ("lib/.gitkeep", ""),
    ]

    /// Writes a new project into `directory` (created if needed) and returns it.
    ///
    /// - Throws: ``OndatraError`` when `directory/config` already exists (nothing is overwritten)
    ///   or a file cannot be written.
    @discardableResult
    public static func create(at directory: URL) throws -> Project {
        let root = directory.standardizedFileURL
        let manager = FileManager.default
        guard !manager.fileExists(atPath: root.appending(path: "config").path) else {
            throw OndatraError(
                .project, "\(root.path)/config already exists; init never overwrites a project (choose an empty folder)"
            )
        }
        for file in files {
            let url = root.appending(path: file.path)
            // A file the user already has (a README, a .gitignore) is kept as it is.
            guard !manager.fileExists(atPath: url.path) else { continue }
            do {
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: url, options: .withoutOverwriting)
            } catch {
                throw OndatraError(.io, "could not write \(url.path): \(error.localizedDescription)")
            }
        }
        return try Project(root: root)
    }

    static let catalogSQL = """
        -- The DuckLake catalog every model is materialized into. ${ONDATRA_PROJECT_DIR} is the
        -- project's root folder; other ${NAME}s come from the environment or .env.
        --
        -- Default: an embedded catalog that needs no server: a SQLite metadata file (lake.sqlite)
        -- and a folder of Parquet files (lake.files/), both in the project folder.
        -- DATA_INLINING_ROW_LIMIT 0 writes every change to Parquet: with small writes kept inside
        -- the SQLite file instead, the first read of each table in a run costs about 20 ms more.
        ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake
            (DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/', DATA_INLINING_ROW_LIMIT 0);

        -- PostgreSQL metadata, for several writers on different machines:
        -- ATTACH 'ducklake:postgres:dbname=ducklake host=${PGHOST} user=${PGUSER} password=${PGPASSWORD}' AS lake
        --     (DATA_PATH '${ONDATRA_PROJECT_DIR}/lake.files/');

        -- Parquet files on S3 (put CREATE SECRET in config/secrets.sql):
        -- ATTACH 'ducklake:sqlite:${ONDATRA_PROJECT_DIR}/lake.sqlite' AS lake
        --     (DATA_PATH 's3://my-bucket/lake/');

        """

    static let dotEnv = """
        # Variables for config/*.sql (${NAME}) and lib functions (env("NAME")).
        # Real environment variables win over this file. Keep it out of git.
        # HUBSPOT_KEY=...

        """

    static let gitignore = """
        .env
        lake.sqlite*
        lake.files/
        .ondatra/

        """

    static let readme = """
        # OndatraSQL project

        - `models/`: one SQL (or Starlark) model per file; `models/staging/orders.sql` becomes `staging.orders`.
        - `lib/`: Starlark lib functions for ingesting from and pushing to APIs.
        - `config/catalog.sql`: where the DuckLake catalog lives; other `config/*.sql` files set up the session.

        Query the catalog with `ondatrasql sql "SELECT * FROM lake.snapshots()"`.

        """
}
