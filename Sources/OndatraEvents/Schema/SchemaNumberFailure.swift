/// Why a number does not fit a type.
enum SchemaNumberFailure: Error {
    /// It has a fraction and the type is an integer.
    case fraction
    /// It has too many digits for the type.
    case tooLarge
}
