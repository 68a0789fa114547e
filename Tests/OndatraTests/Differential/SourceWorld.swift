/// The rows every source file holds now, and the seeded changes a round makes to them: inserts,
/// updates (values set to NULL and back, orders moved to another customer or day, changes to
/// columns only some models read), deletes, reinserted keys, repeated and rotated log rows.
struct SourceWorld {
    /// A row of `raw.orders`.
    struct Order: Equatable {
        var orderID: Int
        var customerID: Int
        var day: String
        var status: String?
        var amountCents: Int?
        var qty: Int?
    }

    /// A row of `raw.customers`.
    struct Customer: Equatable {
        var customerID: Int
        var name: String
        var segment: String?
        var country: String
    }

    /// A row of `raw.refunds`.
    struct Refund: Equatable {
        var refundID: Int
        var orderID: Int
        var customerID: Int
        var reason: String
        var amountCents: Int?
    }

    /// A row of `raw.events`.
    struct Event: Equatable {
        var eventID: Int
        var customerID: Int
        var action: String
        var points: Int?
    }

    static let days = ["d1", "d2", "d3", "d4", "d5"]
    static let statuses: [String?] = ["new", "paid", "shipped", nil]
    static let segmentNames = ["gold", "silver", "bronze"]
    static let countries = ["SE", "NO", "FI", "DK"]
    static let reasons = ["damaged", "late", "other"]
    static let actions = ["view", "click", "buy"]

    private(set) var orders: [Int: Order] = [:]
    private(set) var customers: [Int: Customer] = [:]
    private(set) var refunds: [Int: Refund] = [:]
    private(set) var events: [Event] = []
    private(set) var segments: [String: Int] = [:]
    /// Each order's and customer's value before its latest update, so a later update can set it back.
    private var previousOrders: [Int: Order] = [:]
    private var previousCustomers: [Int: Customer] = [:]
    /// Orders deleted so far, which an insert may bring back (same key, old or new values).
    private var deletedOrders: [Int: Order] = [:]
    private var nextOrderID = 1
    private var nextCustomerID = 1
    private var nextRefundID = 1
    private var nextEventID = 1
    private var nameVersion = 0

    /// The first contents: a few hundred rows over all sources.
    init(rng: inout SplitMix64) {
        for _ in 0..<30 { insertCustomer(&rng) }
        for _ in 0..<150 { insertOrder(&rng) }
        for _ in 0..<20 { insertRefund(&rng) }
        for _ in 0..<60 { appendEvent(&rng) }
        for name in Self.segmentNames { segments[name] = rng.int(in: 0...30) }
    }

    /// The rows of `source`, as the cells of its CSV file.
    func rows(of source: SourceTable) -> [[String?]] {
        switch source {
        case .orders:
            orders.keys.sorted().compactMap { orders[$0] }.map {
                [
                    String($0.orderID), String($0.customerID), $0.day, $0.status, $0.amountCents.map(Self.decimal),
                    $0.qty.map(String.init),
                ]
            }
        case .customers:
            customers.keys.sorted().compactMap { customers[$0] }.map {
                [String($0.customerID), $0.name, $0.segment, $0.country]
            }
        case .refunds:
            refunds.keys.sorted().compactMap { refunds[$0] }.map {
                [
                    String($0.refundID), String($0.orderID), String($0.customerID), $0.reason,
                    $0.amountCents.map(Self.decimal),
                ]
            }
        case .events:
            events.map { [String($0.eventID), String($0.customerID), $0.action, $0.points.map(String.init)] }
        case .segments:
            segments.keys.sorted().map { [$0, segments[$0].map(String.init)] }
        }
    }

    /// Cents as a DECIMAL(10,2) literal.
    static func decimal(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    // MARK: - Changes

    /// Applies one round of seeded changes to the sources `plan` names.
    /// - Returns: what changed, one short clause per source, for failure messages.
    mutating func apply(_ plan: ChangePlan, rng: inout SplitMix64) -> String {
        var clauses: [String] = []
        for source in SourceTable.allCases where plan.sources.contains(source) {
            switch source {
            case .orders: clauses.append("orders " + changeOrders(&rng))
            case .customers: clauses.append("customers " + changeCustomers(&rng))
            case .refunds: clauses.append("refunds " + changeRefunds(&rng))
            case .events: clauses.append("events " + changeEvents(&rng))
            case .segments: clauses.append("segments " + changeSegments(&rng))
            }
        }
        return clauses.isEmpty ? "no source changed" : clauses.joined(separator: "; ")
    }

    /// Customer ids orders point at: every customer so far and two that do not exist yet, so
    /// some orders have no customer until one appears.
    private func customerIDRange() -> ClosedRange<Int> { 1...(nextCustomerID + 1) }

    private mutating func insertOrder(_ rng: inout SplitMix64) {
        if !deletedOrders.isEmpty, rng.percent(20) {
            // A deleted key comes back, with its old values or new ones.
            let id = rng.pick(deletedOrders.keys.sorted())
            var order = deletedOrders.removeValue(forKey: id) ?? randomOrder(id: id, &rng)
            if rng.percent(50) { order.amountCents = randomAmount(&rng) }
            orders[id] = order
            return
        }
        orders[nextOrderID] = randomOrder(id: nextOrderID, &rng)
        nextOrderID += 1
    }

    private func randomOrder(id: Int, _ rng: inout SplitMix64) -> Order {
        Order(
            orderID: id, customerID: rng.int(in: customerIDRange()), day: rng.pick(Self.days),
            status: rng.pick(Self.statuses), amountCents: randomAmount(&rng),
            qty: rng.percent(10) ? nil : rng.int(in: 1...5))
    }

    private func randomAmount(_ rng: inout SplitMix64) -> Int? {
        rng.percent(10) ? nil : rng.int(in: 500...30_000)
    }

    private mutating func changeOrders(_ rng: inout SplitMix64) -> String {
        let inserts = rng.int(in: 0...5)
        let updates = rng.int(in: 1...8)
        let deletes = rng.int(in: 0...3)
        var what: [String] = []
        for _ in 0..<inserts { insertOrder(&rng) }
        for _ in 0..<updates {
            guard !orders.isEmpty else { break }
            var change = rng.pick(["amount", "amount null/back", "status", "customer", "day", "qty", "back", "move"])
            // "back" sets an order to its value before its latest update, so it needs one.
            let updated = previousOrders.keys.filter { orders[$0] != nil }.sorted()
            if change == "back" && updated.isEmpty { change = "amount" }
            let id = rng.pick(change == "back" ? updated : orders.keys.sorted())
            guard var order = orders[id] else { continue }
            switch change {
            case "amount": order.amountCents = rng.int(in: 500...30_000)
            case "amount null/back":
                order.amountCents = order.amountCents == nil ? rng.int(in: 500...30_000) : nil
            case "status": order.status = rng.pick(Self.statuses)
            case "customer": order.customerID = rng.int(in: customerIDRange())
            case "day": order.day = rng.pick(Self.days)
            case "qty": order.qty = order.qty == nil ? rng.int(in: 1...5) : (rng.percent(30) ? nil : rng.int(in: 1...5))
            case "back": if let previous = previousOrders[id] { order = previous }
            default:
                // Another customer and another day at once, with a new amount.
                order.customerID = rng.int(in: customerIDRange())
                order.day = rng.pick(Self.days)
                order.amountCents = randomAmount(&rng)
            }
            what.append(change)
            if order != orders[id] { previousOrders[id] = orders[id] }
            orders[id] = order
        }
        for _ in 0..<deletes {
            guard orders.count > 10 else { break }
            let id = rng.pick(orders.keys.sorted())
            deletedOrders[id] = orders.removeValue(forKey: id)
            previousOrders[id] = nil
        }
        return "+\(inserts) ~\(updates) (\(what.joined(separator: ", "))) -\(deletes)"
    }

    private mutating func insertCustomer(_ rng: inout SplitMix64) {
        nameVersion += 1
        customers[nextCustomerID] = Customer(
            customerID: nextCustomerID, name: "c\(nextCustomerID)_v\(nameVersion)",
            segment: rng.percent(20) ? nil : rng.pick(Self.segmentNames), country: rng.pick(Self.countries))
        nextCustomerID += 1
    }

    private mutating func changeCustomers(_ rng: inout SplitMix64) -> String {
        let inserts = rng.int(in: 0...2)
        let updates = rng.int(in: 1...4)
        let deletes = rng.percent(15) ? 1 : 0
        var what: [String] = []
        for _ in 0..<inserts { insertCustomer(&rng) }
        for _ in 0..<updates {
            var change = rng.pick(["name", "segment", "segment null/back", "country", "back"])
            let updated = previousCustomers.keys.filter { customers[$0] != nil }.sorted()
            if change == "back" && updated.isEmpty { change = "name" }
            let id = rng.pick(change == "back" ? updated : customers.keys.sorted())
            guard var customer = customers[id] else { continue }
            switch change {
            case "name":
                nameVersion += 1
                customer.name = "c\(id)_v\(nameVersion)"
            case "segment": customer.segment = rng.pick(Self.segmentNames)
            case "segment null/back": customer.segment = customer.segment == nil ? rng.pick(Self.segmentNames) : nil
            case "country": customer.country = rng.pick(Self.countries)
            default: if let previous = previousCustomers[id] { customer = previous }
            }
            what.append(change)
            if customer != customers[id] { previousCustomers[id] = customers[id] }
            customers[id] = customer
        }
        for _ in 0..<deletes where customers.count > 10 {
            // Gone from the file; raw.customers (merge) keeps it.
            let id = rng.pick(customers.keys.sorted())
            customers[id] = nil
            previousCustomers[id] = nil
        }
        return "+\(inserts) ~\(updates) (\(what.joined(separator: ", "))) -\(deletes)"
    }

    private mutating func insertRefund(_ rng: inout SplitMix64) {
        guard let order = orders[rng.pick(orders.keys.sorted())] else { return }
        refunds[nextRefundID] = Refund(
            refundID: nextRefundID, orderID: order.orderID, customerID: order.customerID,
            reason: rng.pick(Self.reasons), amountCents: rng.percent(10) ? nil : rng.int(in: 100...5_000))
        nextRefundID += 1
    }

    private mutating func changeRefunds(_ rng: inout SplitMix64) -> String {
        let inserts = rng.int(in: 0...2)
        let updates = rng.int(in: inserts == 0 ? 1...3 : 0...3)
        let deletes = rng.int(in: 0...1)
        for _ in 0..<inserts { insertRefund(&rng) }
        for _ in 0..<updates {
            guard !refunds.isEmpty else { break }
            let id = rng.pick(refunds.keys.sorted())
            guard var refund = refunds[id] else { continue }
            if rng.percent(40) {
                refund.reason = rng.pick(Self.reasons)  // moves to another partition of raw.refunds
            } else {
                refund.amountCents = refund.amountCents != nil && rng.percent(15) ? nil : rng.int(in: 100...5_000)
            }
            refunds[id] = refund
        }
        for _ in 0..<deletes where refunds.count > 5 {
            refunds[rng.pick(refunds.keys.sorted())] = nil
        }
        return "+\(inserts) ~\(updates) -\(deletes)"
    }

    private mutating func appendEvent(_ rng: inout SplitMix64) {
        events.append(
            Event(
                eventID: nextEventID, customerID: rng.int(in: customerIDRange()), action: rng.pick(Self.actions),
                points: rng.percent(15) ? nil : rng.int(in: 0...20)))
        nextEventID += 1
    }

    private mutating func changeEvents(_ rng: inout SplitMix64) -> String {
        let appended = rng.int(in: 1...6)
        for _ in 0..<appended { appendEvent(&rng) }
        var clause = "+\(appended)"
        if rng.percent(50), !events.isEmpty {
            // The same row once more: an append keeps repeats.
            let repeated = rng.pick(events)
            events.append(repeated)
            clause += " repeated event \(repeated.eventID)"
        }
        if rng.percent(15), events.count > 20 {
            // The log is rotated: old rows leave the file but stay appended.
            let dropped = rng.int(in: 1...3)
            events.removeFirst(dropped)
            clause += " rotated -\(dropped)"
        }
        return clause
    }

    private mutating func changeSegments(_ rng: inout SplitMix64) -> String {
        let missing = Self.segmentNames.filter { segments[$0] == nil }
        if !missing.isEmpty, rng.percent(60) {
            let name = rng.pick(missing)
            segments[name] = rng.int(in: 0...30)
            return "+\(name)"
        }
        if segments.count > 1, rng.percent(25) {
            let name = rng.pick(segments.keys.sorted())
            segments[name] = nil
            return "-\(name)"
        }
        let name = rng.pick(segments.keys.sorted())
        segments[name] = rng.int(in: 0...30)
        return "~\(name)"
    }
}
