/// The masking macros `@column` tags name, created at session start like the built-in checks; a
/// project replaces one, or adds its own `mask_…` / `hash_…` macro, in `config/macros/*.sql`.
///
/// Each takes any value (cast to text) and returns text; NULL stays NULL.
///
/// | macro | `'john.doe@example.com'` / `'123-45-6789'` |
/// |---|---|
/// | `mask` | every character a `*`: `'********************'` |
/// | `mask_email` | the first character and the domain: `'j***@example.com'`; a value without one `@` after its first character gives `'***'` |
/// | `mask_ssn` | the last four digits: `'***-**-6789'`; fewer than four digits give `'***-**-****'` |
/// | `hash_pii` | the hex SHA-256 of the text (the same value always gives the same hash, so joins still work) |
/// | `redact` | `'[REDACTED]'` |
enum MaskingMacros {
    /// The `CREATE OR REPLACE TEMP MACRO` statements.
    static let builtins = """
        CREATE OR REPLACE TEMP MACRO mask(v) AS
            CASE WHEN v IS NULL THEN NULL ELSE repeat('*', length(CAST(v AS VARCHAR))) END;
        CREATE OR REPLACE TEMP MACRO mask_email(v) AS
            CASE WHEN v IS NULL THEN NULL
                 WHEN regexp_matches(CAST(v AS VARCHAR), '^[^@]+@[^@]*$')
                 THEN left(CAST(v AS VARCHAR), 1) || '***' || regexp_extract(CAST(v AS VARCHAR), '@[^@]*$')
                 ELSE '***' END;
        CREATE OR REPLACE TEMP MACRO mask_ssn(v) AS
            CASE WHEN v IS NULL THEN NULL
                 WHEN length(regexp_replace(CAST(v AS VARCHAR), '[^0-9]', '', 'g')) >= 4
                 THEN '***-**-' || right(regexp_replace(CAST(v AS VARCHAR), '[^0-9]', '', 'g'), 4)
                 ELSE '***-**-****' END;
        CREATE OR REPLACE TEMP MACRO hash_pii(v) AS sha256(CAST(v AS VARCHAR));
        CREATE OR REPLACE TEMP MACRO redact(v) AS CASE WHEN v IS NULL THEN NULL ELSE '[REDACTED]' END;
        """
}
