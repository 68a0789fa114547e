import Ondatra

/// Every model of the differential project: the five sources and, over them, every kind in the
/// shapes incremental processing must get right (projections and filters, inner and left joins,
/// DISTINCT, UNION ALL, aggregates with GROUP BY the key or partition, aggregates over joins,
/// window functions, subqueries, and chains of incremental models).
enum ShapeCatalogue {
    /// The source models, reading the CSV files under `projectRoot`.
    static func sources(projectRoot: String) -> [ModelShape] {
        SourceTable.allCases.map { source in
            ModelShape(
                "raw.\(source.rawValue)", ModelKind(rawValue: source.kind) ?? .table, key: source.key,
                "source: \(source.kind) over \(source.file)", source.query(projectRoot: projectRoot), source: source)
        }
    }

    /// The models over the sources.
    static let derived: [ModelShape] = tables + appends + merges + tracked + scd2 + partitions

    /// Every model of the project.
    static func all(projectRoot: String) -> [ModelShape] { sources(projectRoot: projectRoot) + derived }

    static let tables: [ModelShape] = [
        ModelShape(
            "mart.t_big_orders", .table, "table: filter and projection over a tracked source",
            "SELECT order_id, customer_id, status, amount FROM raw.orders WHERE amount >= 100 OR status IS NULL"),
        ModelShape(
            "mart.t_segment_revenue", .table, "table: aggregate over a join, GROUP BY a nullable column",
            """
            SELECT c.segment, count(*) AS orders, sum(o.amount) AS revenue
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            GROUP BY c.segment
            """),
        ModelShape(
            "mart.t_notifications", .table, "table: the notifications an append posts, rebuilt every run",
            """
            SELECT o.order_id, c.name, o.amount
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            WHERE o.status = 'paid' AND o.amount >= 100
            """),
        ModelShape(
            "mart.t_ledger", .table, "table: UNION ALL of two sources",
            """
            SELECT 'order' AS src, order_id AS id, customer_id, amount FROM raw.orders
            UNION ALL
            SELECT 'refund' AS src, refund_id AS id, customer_id, -amount FROM raw.refunds
            """),
    ]

    static let appends: [ModelShape] = [
        ModelShape(
            "mart.a_orders", .append, "append: projection over a tracked source (updates and deletes upstream)",
            "SELECT order_id, customer_id, status, amount FROM raw.orders"),
        ModelShape(
            "mart.a_actions", .append, "append: filter over an append source with repeated rows",
            "SELECT event_id, customer_id, action, points FROM raw.events WHERE action <> 'view'"),
        ModelShape(
            "mart.a_notify", .append, "append over a table rebuilt every run (notifications posted once)",
            "SELECT order_id, name, amount FROM mart.t_notifications"),
        ModelShape(
            "mart.a_order_names", .append, "append: inner join orders JOIN customers",
            """
            SELECT o.order_id, o.status, c.name
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            """),
    ]

    static let merges: [ModelShape] = [
        ModelShape(
            "mart.m_orders", .merge, key: ["order_id"], "merge: filter and projection over a tracked source",
            "SELECT order_id, customer_id, upper(status) AS status, amount * 2 AS doubled FROM raw.orders WHERE day <> 'd5'"
        ),
        ModelShape(
            "mart.m_customer_totals", .merge, key: ["customer_id"], "merge: aggregate GROUP BY the key",
            "SELECT customer_id, sum(amount) AS total, count(*) AS n FROM raw.orders GROUP BY customer_id"),
        ModelShape(
            "mart.m_order_customers", .merge, key: ["order_id"], "merge: inner join orders JOIN customers",
            """
            SELECT o.order_id, o.amount, c.name, c.segment
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            """),
        ModelShape(
            "mart.m_order_countries", .merge, key: ["order_id"], "merge: orders LEFT JOIN customers",
            """
            SELECT o.order_id, o.amount, c.name, c.country
            FROM raw.orders AS o LEFT JOIN raw.customers AS c ON o.customer_id = c.customer_id
            """),
        ModelShape(
            "mart.m_ledger", .merge, key: ["src", "id"], "merge: UNION ALL of two sources, a two-column key",
            """
            SELECT 'order' AS src, order_id AS id, customer_id, amount FROM raw.orders
            UNION ALL
            SELECT 'refund' AS src, refund_id AS id, customer_id, amount FROM raw.refunds
            """),
        ModelShape(
            "mart.m_customer_days", .merge, key: ["customer_id", "day"], "merge: DISTINCT, key columns only",
            "SELECT DISTINCT customer_id, day FROM raw.orders"),
        ModelShape(
            "mart.m_order_ranks", .merge, key: ["order_id"], "merge: window functions over a tracked source",
            """
            SELECT order_id, customer_id, amount,
                row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC NULLS LAST, order_id) AS rank_in_customer,
                sum(amount) OVER (PARTITION BY customer_id) AS customer_total
            FROM raw.orders
            """),
        ModelShape(
            "mart.m_gold_orders", .merge, key: ["order_id"], "merge: IN subquery over another source",
            """
            SELECT order_id, customer_id, amount FROM raw.orders
            WHERE customer_id IN (SELECT customer_id FROM raw.customers WHERE segment = 'gold')
            """),
        ModelShape(
            "mart.m_customer_order_counts", .merge, key: ["customer_id"], "merge: correlated scalar subquery",
            """
            SELECT c.customer_id, c.name,
                (SELECT count(*) FROM raw.orders AS o WHERE o.customer_id = c.customer_id) AS orders
            FROM raw.customers AS c
            """),
        ModelShape(
            "mart.m_country_revenue", .merge, key: ["country"], "merge: aggregate over a join, GROUP BY the key",
            """
            SELECT c.country, sum(o.amount) AS revenue, count(*) AS orders
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            GROUP BY c.country
            """),
        ModelShape(
            "mart.m_customer_points", .merge, key: ["customer_id"], "merge: aggregate over an append source",
            "SELECT customer_id, sum(points) AS points, count(*) AS events FROM raw.events GROUP BY customer_id"),
        ModelShape(
            "mart.m_customer_discounts", .merge, key: ["customer_id"],
            "merge: LEFT JOIN a rebuilt table source on the right",
            """
            SELECT c.customer_id, c.segment, s.discount
            FROM raw.customers AS c LEFT JOIN raw.segments AS s ON c.segment = s.segment
            """),
        ModelShape(
            "mart.m_customer_tiers", .merge, key: ["customer_id"], "merge over a merge model (chain)",
            """
            SELECT customer_id, total,
                CASE WHEN total >= 1000 THEN 'gold' WHEN total >= 300 THEN 'silver' ELSE 'bronze' END AS tier
            FROM mart.m_customer_totals
            """),
    ]

    static let tracked: [ModelShape] = [
        ModelShape(
            "mart.tr_customer_orders", .tracked, key: ["customer_id"], "tracked: groups of orders per customer",
            "SELECT customer_id, order_id, status, amount FROM raw.orders"),
        ModelShape(
            "mart.tr_country_orders", .tracked, key: ["country"], "tracked: groups over a join",
            """
            SELECT c.country, c.customer_id, o.order_id
            FROM raw.customers AS c JOIN raw.orders AS o ON o.customer_id = c.customer_id
            """),
    ]

    static let scd2: [ModelShape] = [
        ModelShape(
            "mart.s_orders", .scd2, key: ["order_id"], "scd2: keys that vanish and come back",
            "SELECT order_id, customer_id, status, amount FROM raw.orders"),
        ModelShape(
            "mart.s_customers", .scd2, key: ["customer_id"], "scd2 over a merge source (country not tracked)",
            "SELECT customer_id, name, segment FROM raw.customers"),
        ModelShape(
            "mart.s_customer_totals", .scd2, key: ["customer_id"], "scd2: aggregate GROUP BY the key",
            "SELECT customer_id, sum(amount) AS total FROM raw.orders GROUP BY customer_id"),
    ]

    static let partitions: [ModelShape] = [
        ModelShape(
            "mart.p_orders_by_day", .partition, key: ["day"], "partition: rows that move between partitions",
            "SELECT day, order_id, customer_id, amount FROM raw.orders"),
        ModelShape(
            "mart.p_day_totals", .partition, key: ["day"], "partition: aggregate GROUP BY the partition column",
            "SELECT day, count(*) AS orders, sum(amount) AS revenue FROM raw.orders GROUP BY day"),
        ModelShape(
            "mart.p_country_orders", .partition, key: ["country"], "partition: inner join, partition from the right",
            """
            SELECT c.country, o.order_id, o.amount
            FROM raw.orders AS o JOIN raw.customers AS c ON o.customer_id = c.customer_id
            """),
        ModelShape(
            "mart.p_tier_counts", .partition, key: ["tier"], "partition aggregate over a merge chain",
            "SELECT tier, count(*) AS customers, sum(total) AS total FROM mart.m_customer_tiers GROUP BY tier"),
        ModelShape(
            "mart.p_action_points", .partition, key: ["action"], "partition: aggregate over an append source",
            """
            SELECT action, customer_id, sum(points) AS points, count(*) AS events
            FROM raw.events GROUP BY action, customer_id
            """),
    ]
}
