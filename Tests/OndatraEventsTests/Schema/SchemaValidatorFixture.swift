import Foundation
import OndatraEvents

/// Validators and events for the validator's tests (in a namespace, so other test files of the
/// module can name their helpers freely).
enum SchemaValidatorFixture {
    /// A fixed receive time: 2024-02-29T12:34:56.789012Z.
    static let receivedAt = Date(timeIntervalSince1970: 1_709_210_096.789012)

    /// A validator for declarations written as in a model file.
    static func validator(
        _ declarations: String, checkOther: @escaping @Sendable (String, String) -> String? = { _, _ in nil }
    ) throws -> EventValidator {
        let columns = try EventDeclarations.parse(declarations, file: "test.sql", firstLine: 1)
        return EventValidator(columns: columns, checkOther: checkOther)
    }

    /// Validates one event given as JSON text: the line without its `\n`, or the rejection message.
    static func check(_ validator: EventValidator, _ json: String) -> Result<String, EventRejection> {
        do {
            let object = try EventJSON.parseObject(Array(json.utf8))
            let line = try validator.validate(object, receivedAt: receivedAt)
            return .success(String(decoding: line.dropLast(), as: UTF8.self))
        } catch let error as EventRejection {
            return .failure(error)
        } catch {
            return .failure(EventRejection(message: "unexpected \(error)", field: nil))
        }
    }

    /// The normalized JSON of `value` for a single column `a` of `type`, or the rejection message.
    static func value(_ type: String, _ valueJSON: String) -> String {
        do {
            return value(try validator("a \(type)"), valueJSON)
        } catch {
            return "! declaration: \(error)"
        }
    }

    /// The same for a column built by hand (types a declaration refuses).
    static func value(of type: EventType, _ valueJSON: String) -> String {
        value(EventValidator(columns: [EventColumn(name: "a", type: type)]), valueJSON)
    }

    private static func value(_ validator: EventValidator, _ valueJSON: String) -> String {
        switch check(validator, "{\"a\": \(valueJSON)}") {
        case .success(let line):
            // `{"a":VALUE}` → VALUE
            return String(line.dropFirst(5).dropLast())
        case .failure(let rejection): return "! " + rejection.message
        }
    }
}
