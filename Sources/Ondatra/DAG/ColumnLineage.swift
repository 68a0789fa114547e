/// Which source column each output column of a `SELECT` comes from, when it is a plain column
/// reference (`name` or `name AS label`). Used to tell a renamed column from a dropped one.
public enum ColumnLineage {
    /// Output column → source column, for the top-level select list of a statement parsed by
    /// `json_serialize_sql` (empty for other statements).
    public static func of(tree: JSONValue) -> [String: String] {
        guard let node = tree["statements"]?.arrayValue?.first?["node"], node["type"]?.stringValue == "SELECT_NODE",
            let list = node["select_list"]?.arrayValue
        else { return [:] }
        var lineage: [String: String] = [:]
        for item in list where item["class"]?.stringValue == "COLUMN_REF" {
            guard let source = item["column_names"]?.arrayValue?.last?.stringValue else { continue }
            let alias = item["alias"]?.stringValue ?? ""
            lineage[(alias.isEmpty ? source : alias).lowercased()] = source.lowercased()
        }
        return lineage
    }
}
