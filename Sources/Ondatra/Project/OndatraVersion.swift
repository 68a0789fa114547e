/// This release of OndatraSQL.
public enum OndatraVersion {
    /// The version number, following semantic versioning.
    public static let current = "0.1.0"
}
