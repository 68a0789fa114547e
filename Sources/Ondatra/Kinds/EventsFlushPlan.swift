/// How a flush moves claimed buffer segments into an `events` model's table, decided without
/// I/O: segments a crashed flush already committed (their ids are in a commit's
/// `event_segments`) are only acknowledged; the others are grouped, in buffer order, into
/// commits of at most `maxBatchBytes` (a segment larger than that is a commit of its own).
struct EventsFlushPlan: Equatable, Sendable {
    /// A claimed segment as the plan sees it.
    struct Segment: Equatable, Sendable {
        let id: String
        let bytes: Int
        let events: Int
    }

    /// Segments whose events are already in the table: acknowledge them, insert nothing.
    var alreadyCommitted: [String]
    /// Commits to make, in order; each inserts its segments' events and records their ids.
    var batches: [[Segment]]

    /// Plans the flush of `claimed` (in buffer order) given the ids already `committed`.
    static func make(claimed: [Segment], committed: Set<String>, maxBatchBytes: Int) -> EventsFlushPlan {
        var plan = EventsFlushPlan(alreadyCommitted: [], batches: [])
        var current: [Segment] = []
        var size = 0
        for segment in claimed {
            if committed.contains(segment.id) {
                plan.alreadyCommitted.append(segment.id)
                continue
            }
            // An empty segment (a collector killed before its first write) holds nothing to insert.
            if segment.events == 0 {
                plan.alreadyCommitted.append(segment.id)
                continue
            }
            if !current.isEmpty && size + segment.bytes > maxBatchBytes {
                plan.batches.append(current)
                current = []
                size = 0
            }
            current.append(segment)
            size += segment.bytes
        }
        if !current.isEmpty { plan.batches.append(current) }
        return plan
    }
}
