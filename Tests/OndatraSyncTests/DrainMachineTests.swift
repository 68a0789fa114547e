import Foundation
import OndatraSync
import Testing

private typealias F = DrainFixture

/// The report of the single `.finish` in `actions`.
private func finished(_ actions: [DrainMachine.Action]) -> DrainReport? {
    guard actions.count == 1, case .finish(let report) = actions[0] else { return nil }
    return report
}

private let wantStatuses = #"return a dict of statuses keyed "<rowid>:<change_type>""#

@Suite struct DrainMachineTests {
    // MARK: - Claiming and concurrency

    @Test func startAsksToRecoverOnceThenClaims() {
        var machine = DrainMachine(target: "main.t", settings: F.settings(), now: F.t0)
        #expect(machine.start() == [.recover])
        #expect(machine.start() == [])
        #expect(machine.handle(.recovered([], now: F.t0)) == [.claim])
        #expect(machine.handle(.recovered([], now: F.t0)) == [])
    }

    @Test func claimsOneAtATimeUpToMaxConcurrentAndNumbersPushesInClaimOrder() {
        var machine = F.running(F.settings(maxConcurrent: 3))
        let batches = (1...4).map { F.batch("b\($0)", [Int64($0)]) }
        #expect(
            machine.handle(.claimed(batches[0], nextDue: nil, now: F.at(1))) == [.push(batches[0], number: 1), .claim])
        #expect(
            machine.handle(.claimed(batches[1], nextDue: nil, now: F.at(2))) == [.push(batches[1], number: 2), .claim])
        #expect(machine.handle(.claimed(batches[2], nextDue: nil, now: F.at(3))) == [.push(batches[2], number: 3)])
        #expect(machine.inFlight == 3)
        let log = BatchLogEntry(
            batch: "b2", started: F.at(2), duration: .seconds(2), rows: 1, delivered: 1, retried: 0, dead: 0, error: nil
        )
        #expect(
            machine.handle(.pushReturned("b2", .statuses(F.statuses([(2, "ok")])), now: F.at(4)))
                == [.complete("b2", outcomes: [F.key(2): .delivered(warning: nil)], log: log)])
        #expect(machine.inFlight == 3)
        #expect(machine.handle(.completed("b2", now: F.at(5))) == [.claim])
        #expect(machine.handle(.claimed(batches[3], nextDue: nil, now: F.at(6))) == [.push(batches[3], number: 4)])
    }

    @Test func atomicAndAsyncModesPushOneBatchAtATime() {
        for mode in [BatchMode.atomic, .async] {
            var machine = F.running(F.settings(mode, maxConcurrent: 4))
            #expect(machine.limit == 1)
            let batch = F.batch("b1", [1])
            #expect(machine.handle(.claimed(batch, nextDue: nil, now: F.at(1))) == [.push(batch, number: 1)])
        }
        #expect(DrainMachine(target: "t", settings: F.settings(maxConcurrent: 0), now: F.t0).limit == 1)
    }

    @Test func anEmptyClaimStopsClaimingUntilABatchCompletes() {
        var machine = F.running(F.settings(maxConcurrent: 2))
        let batch = F.batch("b1", [1])
        #expect(machine.handle(.claimed(batch, nextDue: nil, now: F.at(1))) == [.push(batch, number: 1), .claim])
        #expect(machine.handle(.claimed(nil, nextDue: F.at(3), now: F.at(2))) == [])
        _ = machine.handle(.pushReturned("b1", .statuses(F.statuses([(1, "ok")])), now: F.at(3)))
        #expect(machine.handle(.completed("b1", now: F.at(4))) == [.claim])
        var expected = DrainReport()
        (expected.delivered, expected.batches, expected.rows, expected.duration) = (1, 1, 1, .seconds(5))
        #expect(finished(machine.handle(.claimed(nil, nextDue: nil, now: F.at(5)))) == expected)
    }

    @Test func waitsForARetryDueWithinTheHorizonThenClaimsAgain() {
        var machine = F.running(F.settings())
        #expect(machine.handle(.claimed(nil, nextDue: F.at(10), now: F.at(0))) == [.wait(until: F.at(10))])
        #expect(machine.handle(.claimed(nil, nextDue: nil, now: F.at(1))) == [])
        #expect(machine.handle(.woke(now: F.at(10))) == [.claim])
        #expect(machine.handle(.woke(now: F.at(10))) == [])
        let report = finished(machine.handle(.claimed(nil, nextDue: F.at(20.5), now: F.at(10))))
        #expect(report?.rows == 0)
        #expect(report?.interrupted == false)
    }

    @Test func finishesWhenNothingIsDue() {
        var machine = F.running(F.settings(finalize: true))
        #expect(finished(machine.handle(.claimed(nil, nextDue: nil, now: F.t0))) == DrainReport())
        #expect(machine.isFinished)
        #expect(machine.handle(.claimed(nil, nextDue: nil, now: F.t0)) == [])
        #expect(machine.handle(.stop(now: F.t0)) == [])
    }

    // MARK: - Sync statuses

    @Test func judgesEachSyncStatus() {
        var machine = F.running(F.settings())
        let batch = F.batch("b1", [1, 2, 3, 4, 5, 6])
        _ = machine.handle(.claimed(batch, nextDue: nil, now: F.at(1)))
        let statuses = F.statuses([
            (1, "ok"), (2, " warn: slow "), (3, "warn:late"), (4, "error: timeout"), (5, "reject: invalid email"),
            (6, "maybe"),
        ])
        let unknown =
            #"push returned unknown status "maybe" for 6:insert; use "ok", "warn: msg", "error: msg" or "reject: msg""#
        let log = BatchLogEntry(
            batch: "b1", started: F.at(1), duration: .seconds(2), rows: 6, delivered: 3, retried: 2, dead: 1, error: nil
        )
        let outcomes: [ChangeKey: Disposition] = [
            F.key(1): .delivered(warning: nil), F.key(2): .delivered(warning: "slow"),
            F.key(3): .delivered(warning: "late"), F.key(4): .retry(at: F.at(4), attempts: 1, error: "timeout"),
            F.key(5): .dead(error: "invalid email", attempts: 1, payload: nil),
            F.key(6): .retry(at: F.at(4), attempts: 1, error: unknown),
        ]
        #expect(
            machine.handle(.pushReturned("b1", .statuses(statuses), now: F.at(3)))
                == [.complete("b1", outcomes: outcomes, log: log)])
        #expect(machine.report.rows == 0, "counted once the store has committed")
        #expect(machine.handle(.completed("b1", now: F.at(4))) == [.claim])
        var expected = DrainReport()
        (expected.delivered, expected.warned, expected.retried, expected.dead) = (3, 2, 2, 1)
        (expected.batches, expected.failedBatches, expected.rows, expected.duration) = (1, 1, 6, .seconds(4))
        expected.warnings = ["2:insert: slow", "3:insert: late"]
        expected.errors = ["4:insert: timeout", "5:insert: invalid email", "6:insert: \(unknown)"]
        #expect(machine.report == expected)
    }

    @Test func missingKeysAreRetriedAndNamedAndExtraKeysWarn() throws {
        var machine = F.running(F.settings())
        _ = machine.handle(.claimed(F.batch("b1", Array(1...8)), nextDue: nil, now: F.at(1)))
        let reply = F.statuses([(1, "ok")]).merging(["99:insert": "ok", "x": "ok"]) { $1 }
        let done = try #require(F.completion(machine.handle(.pushReturned("b1", .statuses(reply), now: F.at(2)))))
        let missing =
            #"push returned no status for 2:insert, 3:insert, 4:insert, 5:insert, 6:insert and 2 more; return one status per row keyed "<rowid>:<change_type>""#
        #expect(done.outcomes[F.key(1)] == .delivered(warning: nil))
        for rowid in Int64(2)...8 {
            #expect(done.outcomes[F.key(rowid)] == .retry(at: F.at(3), attempts: 1, error: missing))
        }
        #expect(done.log.error == nil)
        _ = machine.handle(.completed("b1", now: F.at(3)))
        #expect(machine.report.warnings == [#"push returned statuses for keys not in the batch: "99:insert", "x""#])
        #expect(machine.report.errors == ["2:insert, 3:insert, 4:insert, 5:insert, 6:insert and 2 more: \(missing)"])
        #expect(machine.report.failedBatches == 1)
    }

    @Test func noneOrAnythingButADictFailsTheWholeSyncBatchSayingWhatWasReturned() throws {
        let cases: [(PushReply, String)] = [
            (.none, #"push returned None; \#(wantStatuses) (e.g. {"12:insert": "ok"})"#),
            (
                .other(type: "list", repr: "[1, 2]"),
                #"push returned list [1, 2]; \#(wantStatuses) (e.g. {"12:insert": "ok"})"#
            ),
        ]
        for (reply, message) in cases {
            var machine = F.running(F.settings())
            _ = machine.handle(.claimed(F.batch("b1", [12, 13]), nextDue: nil, now: F.at(1)))
            let done = try #require(F.completion(machine.handle(.pushReturned("b1", reply, now: F.at(2)))))
            let retry = Disposition.retry(at: F.at(3), attempts: 1, error: message)
            #expect(done.outcomes == [F.key(12): retry, F.key(13): retry])
            #expect(done.log.error == message)
            #expect(done.log.retried == 2)
        }
    }

    // MARK: - Atomic mode

    @Test func atomicNoneDeliversEverythingAndAnythingElseRetriesEverything() throws {
        var machine = F.running(F.settings(.atomic))
        _ = machine.handle(.claimed(F.batch("b1", [1, 2]), nextDue: nil, now: F.at(1)))
        let ok = try #require(F.completion(machine.handle(.pushReturned("b1", .none, now: F.at(2)))))
        #expect(ok.outcomes == [F.key(1): .delivered(warning: nil), F.key(2): .delivered(warning: nil)])
        #expect(machine.handle(.completed("b1", now: F.at(2))) == [.claim])

        _ = machine.handle(.claimed(F.batch("b2", [3]), nextDue: nil, now: F.at(3)))
        let statuses = try #require(
            F.completion(machine.handle(.pushReturned("b2", .statuses(F.statuses([(3, "ok")])), now: F.at(3)))))
        let message =
            #"push returned dict {"3:insert": "ok"}; in atomic mode push returns None on success (and calls fail() to fail the batch)"#
        #expect(statuses.outcomes == [F.key(3): .retry(at: F.at(4), attempts: 1, error: message)])
        #expect(statuses.log.error == message)
        _ = machine.handle(.completed("b2", now: F.at(3)))

        _ = machine.handle(.claimed(F.batch("b3", [4]), nextDue: nil, now: F.at(5)))
        let failed = try #require(
            F.completion(machine.handle(.pushFailed("b3", .failed("quota exceeded"), now: F.at(5)))))
        #expect(failed.outcomes == [F.key(4): .retry(at: F.at(6), attempts: 1, error: "quota exceeded")])
        #expect(failed.log.error == "quota exceeded")
    }

    // MARK: - Async mode

    @Test func asyncSavesTheJobThenPollsEveryIntervalUntilDone() throws {
        var machine = F.running(F.settings(.async))
        let job = #"{"id": "j1"}"#
        _ = machine.handle(.claimed(F.batch("b1", [1, 2]), nextDue: nil, now: F.at(0)))
        #expect(machine.handle(.pushReturned("b1", .job(job), now: F.at(1))) == [.saveJob("b1", job: job)])
        #expect(machine.handle(.jobSaved("b1", now: F.at(2))) == [.poll("b1", job: job, at: F.at(7))])
        #expect(machine.handle(.polled("b1", .pending, now: F.at(7))) == [.poll("b1", job: job, at: F.at(12))])
        let reply = PollReply.done(F.statuses([(1, "ok"), (2, "error: later")]))
        let done = try #require(F.completion(machine.handle(.polled("b1", reply, now: F.at(12)))))
        #expect(
            done.outcomes == [
                F.key(1): .delivered(warning: nil), F.key(2): .retry(at: F.at(13), attempts: 1, error: "later"),
            ])
        #expect(
            done.log
                == BatchLogEntry(
                    batch: "b1", started: F.at(0), duration: .seconds(12), rows: 2, delivered: 1, retried: 1, dead: 0,
                    error: nil))
    }

    @Test func anAsyncJobThatOutlivesThePollTimeoutIsRetried() throws {
        var settings = F.settings(.async)
        settings.pollTimeout = .seconds(60)
        var machine = F.running(settings)
        _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = machine.handle(.pushReturned("b1", .job("{}"), now: F.at(1)))
        _ = machine.handle(.jobSaved("b1", now: F.at(1)))
        #expect(machine.handle(.polled("b1", .pending, now: F.at(59))) == [.poll("b1", job: "{}", at: F.at(64))])
        let done = try #require(F.completion(machine.handle(.polled("b1", .pending, now: F.at(64)))))
        let message = "async job did not finish within poll_timeout (1m)"
        #expect(done.outcomes == [F.key(1): .retry(at: F.at(65), attempts: 1, error: message)])
        #expect(done.log.error == message)
    }

    @Test func anInvalidOrFailedPollRetriesTheBatchWithItsMessage() throws {
        let cases: [(DrainMachine.Event, String)] = [
            (
                .polled("b1", .invalid("poll returned list; return a dict"), now: F.at(9)),
                "poll returned list; return a dict"
            ),
            (.pollFailed("b1", .network("connection refused"), now: F.at(9)), "network error: connection refused"),
        ]
        for (event, message) in cases {
            var machine = F.running(F.settings(.async))
            _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
            _ = machine.handle(.pushReturned("b1", .job("{}"), now: F.at(1)))
            _ = machine.handle(.jobSaved("b1", now: F.at(1)))
            let done = try #require(F.completion(machine.handle(event)))
            #expect(done.outcomes == [F.key(1): .retry(at: F.at(10), attempts: 1, error: message)])
            #expect(done.log.error == message)
        }
    }

    @Test func asyncPushMustReturnAJobReference() throws {
        let tail = "in async mode push must return a job reference dict, which is passed to poll(job_ref)"
        let cases: [(PushReply, String)] = [
            (.none, "push returned None; \(tail)"),
            (.statuses(["1:insert": "ok"]), #"push returned dict {"1:insert": "ok"}; \#(tail)"#),
            (.other(type: "string", repr: #""job-1""#), #"push returned string "job-1"; \#(tail)"#),
        ]
        for (reply, message) in cases {
            var machine = F.running(F.settings(.async))
            _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
            let done = try #require(F.completion(machine.handle(.pushReturned("b1", reply, now: F.at(0)))))
            #expect(done.outcomes == [F.key(1): .retry(at: F.at(1), attempts: 1, error: message)])
        }
    }

    @Test func recoveredJobsArePolledFirstWithinTheLimit() {
        var machine = DrainMachine(target: "main.t", settings: F.settings(.async), now: F.t0)
        _ = machine.start()
        let recovered = [F.batch("r1", [1], job: "j1"), F.batch("r2", [2], job: "j2")]
        #expect(machine.handle(.recovered(recovered, now: F.at(0))) == [.poll("r1", job: "j1", at: F.at(0))])
        _ = machine.handle(.polled("r1", .done(F.statuses([(1, "ok")])), now: F.at(1)))
        #expect(machine.handle(.completed("r1", now: F.at(2))) == [.poll("r2", job: "j2", at: F.at(2))])
        _ = machine.handle(.polled("r2", .done(F.statuses([(2, "ok")])), now: F.at(3)))
        #expect(machine.handle(.completed("r2", now: F.at(3))) == [.claim])
        let batch = F.batch("b1", [3])
        #expect(machine.handle(.claimed(batch, nextDue: nil, now: F.at(4))) == [.push(batch, number: 1)])

        var sync = DrainMachine(target: "main.t", settings: F.settings(maxConcurrent: 3), now: F.t0)
        _ = sync.start()
        #expect(
            sync.handle(.recovered(recovered, now: F.at(0)))
                == [.poll("r1", job: "j1", at: F.at(0)), .poll("r2", job: "j2", at: F.at(0)), .claim])
    }

    // MARK: - Failures, retries and the log

    @Test func aFailedPushRetriesEveryChangeWithTheFailuresMessage() throws {
        var machine = F.running(F.settings())
        _ = machine.handle(.claimed(F.batch("b1", [1, 2]), nextDue: nil, now: F.at(1)))
        let done = try #require(
            F.completion(machine.handle(.pushFailed("b1", .httpStatus(500, "boom"), now: F.at(3.5)))))
        let retry = Disposition.retry(at: F.at(4.5), attempts: 1, error: "HTTP 500: boom")
        #expect(done.outcomes == [F.key(1): retry, F.key(2): retry])
        #expect(
            done.log
                == BatchLogEntry(
                    batch: "b1", started: F.at(1), duration: .seconds(2.5), rows: 2, delivered: 0, retried: 2, dead: 0,
                    error: "HTTP 500: boom"))
        _ = machine.handle(.completed("b1", now: F.at(4)))
        _ = machine.handle(.claimed(F.batch("b2", [3]), nextDue: nil, now: F.at(5)))
        _ = machine.handle(.pushFailed("b2", .httpStatus(500, "boom"), now: F.at(5)))
        _ = machine.handle(.completed("b2", now: F.at(5)))
        #expect(machine.report.errors == ["1:insert, 2:insert, 3:insert: HTTP 500: boom"])
        #expect(machine.report.failedBatches == 2)
    }

    @Test func retriesBackOffAndGiveUpAfterMaxAttempts() throws {
        var machine = F.running(F.settings(maxAttempts: 5))
        let changes = [F.change(1), F.change(2, attempts: 3), F.change(3, attempts: 4), F.change(4, attempts: 4)]
        let batch = ClaimedBatch(id: "b1", target: "main.t", changes: changes, leaseUntil: F.at(600))
        _ = machine.handle(.claimed(batch, nextDue: nil, now: F.at(0)))
        let reply = F.statuses([(1, "error: e"), (2, "error: e"), (3, "error: e"), (4, "reject: r")])
        let done = try #require(F.completion(machine.handle(.pushReturned("b1", .statuses(reply), now: F.at(10)))))
        #expect(
            done.outcomes == [
                F.key(1): .retry(at: F.at(11), attempts: 1, error: "e"),
                F.key(2): .retry(at: F.at(18), attempts: 4, error: "e"),
                F.key(3): .dead(error: "gave up after 5 attempts: e", attempts: 5, payload: nil),
                F.key(4): .dead(error: "r", attempts: 5, payload: nil),
            ])
        #expect((done.log.delivered, done.log.retried, done.log.dead) == (0, 2, 2))
    }

    @Test func reportKeepsTheFirstTwentyWarningsAndTenDistinctErrors() {
        var machine = F.running(F.settings())
        _ = machine.handle(.claimed(F.batch("b1", Array(1...25)), nextDue: nil, now: F.at(0)))
        let warn = Dictionary(uniqueKeysWithValues: (1...25).map { (F.key(Int64($0)).description, "warn: w\($0)") })
        _ = machine.handle(.pushReturned("b1", .statuses(warn), now: F.at(1)))
        _ = machine.handle(.completed("b1", now: F.at(1)))
        _ = machine.handle(.claimed(F.batch("b2", Array(26...40)), nextDue: nil, now: F.at(2)))
        let errors = Dictionary(uniqueKeysWithValues: (26...40).map { (F.key(Int64($0)).description, "error: e\($0)") })
        _ = machine.handle(.pushReturned("b2", .statuses(errors), now: F.at(2)))
        _ = machine.handle(.completed("b2", now: F.at(2)))
        let report = machine.report
        #expect(report.warnings == (1...20).map { "\($0):insert: w\($0)" })
        #expect(report.errors == (26...35).map { "\($0):insert: e\($0)" })
        #expect((report.delivered, report.warned, report.retried, report.rows) == (25, 25, 15, 40))
    }

    // MARK: - Finalize

    @Test func finalizeRunsOnceWhenEveryBatchSucceededCountingRowStatuses() {
        var machine = F.running(F.settings(finalize: true))
        _ = machine.handle(.claimed(F.batch("b1", [1, 2, 3, 4]), nextDue: nil, now: F.at(0)))
        let reply = F.statuses([(1, "ok"), (2, "warn: w"), (3, "error: e"), (4, "reject: r")])
        _ = machine.handle(.pushReturned("b1", .statuses(reply), now: F.at(1)))
        _ = machine.handle(.completed("b1", now: F.at(1)))
        #expect(machine.handle(.claimed(nil, nextDue: nil, now: F.at(2))) == [.finalize(succeeded: 2, failed: 2)])
        let report = finished(machine.handle(.finalized(now: F.at(3))))
        #expect(report?.finalized == true)
        #expect(report?.finalizeError == nil)
        #expect(machine.handle(.finalized(now: F.at(3))) == [])
    }

    @Test func aRetryDueSoonIsWaitedForBeforeFinalizing() {
        var machine = F.running(F.settings(finalize: true))
        _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = machine.handle(.pushReturned("b1", .statuses(F.statuses([(1, "error: e")])), now: F.at(0)))
        _ = machine.handle(.completed("b1", now: F.at(0)))
        #expect(machine.handle(.claimed(nil, nextDue: F.at(1), now: F.at(0))) == [.wait(until: F.at(1))])
        #expect(machine.handle(.woke(now: F.at(1))) == [.claim])
        _ = machine.handle(.claimed(F.batch("b2", [1], attempts: 1), nextDue: nil, now: F.at(1)))
        _ = machine.handle(.pushReturned("b2", .statuses(F.statuses([(1, "ok")])), now: F.at(2)))
        _ = machine.handle(.completed("b2", now: F.at(2)))
        #expect(machine.handle(.claimed(nil, nextDue: nil, now: F.at(2))) == [.finalize(succeeded: 1, failed: 1)])
    }

    @Test func finalizeIsSkippedWhenABatchFailedOrNoneRan() {
        let failures: [PushReply] = [.none, .statuses([:])]
        for reply in failures {
            var machine = F.running(F.settings(finalize: true))
            _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
            _ = machine.handle(.pushReturned("b1", .statuses(F.statuses([(1, "ok")])), now: F.at(0)))
            _ = machine.handle(.completed("b1", now: F.at(0)))
            _ = machine.handle(.claimed(F.batch("b2", [2]), nextDue: nil, now: F.at(0)))
            _ = machine.handle(.pushReturned("b2", reply, now: F.at(0)))
            _ = machine.handle(.completed("b2", now: F.at(0)))
            let report = finished(machine.handle(.claimed(nil, nextDue: nil, now: F.at(1))))
            #expect(report?.failedBatches == 1)
            #expect(report?.finalized == false)
        }
        var idle = F.running(F.settings(finalize: true))
        #expect(finished(idle.handle(.claimed(nil, nextDue: nil, now: F.at(0)))) == DrainReport())
        var failedCall = F.running(F.settings(.atomic, finalize: true))
        _ = failedCall.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = failedCall.handle(.pushFailed("b1", .scriptError("bad key"), now: F.at(0)))
        _ = failedCall.handle(.completed("b1", now: F.at(0)))
        #expect(finished(failedCall.handle(.claimed(nil, nextDue: nil, now: F.at(1))))?.failedBatches == 1)
    }

    @Test func aFailedFinalizeIsReportedAndTheDrainFinishes() {
        var machine = F.running(F.settings(.atomic, finalize: true))
        _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = machine.handle(.pushReturned("b1", .none, now: F.at(0)))
        _ = machine.handle(.completed("b1", now: F.at(0)))
        #expect(machine.handle(.claimed(nil, nextDue: nil, now: F.at(0))) == [.finalize(succeeded: 1, failed: 0)])
        #expect(machine.handle(.stop(now: F.at(1))) == [], "finalize already runs: its answer is awaited")
        let report = finished(machine.handle(.finalizeFailed(.httpStatus(503, "unavailable"), now: F.at(2))))
        #expect(report?.finalizeError == "HTTP 503: unavailable")
        #expect(report?.finalized == false)
        #expect(report?.interrupted == true)
    }
}
