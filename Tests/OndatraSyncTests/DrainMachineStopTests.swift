import Foundation
import OndatraSync
import Testing

private typealias F = DrainFixture

/// The report of the single `.finish` in `actions`.
private func finished(_ actions: [DrainMachine.Action]) -> DrainReport? {
    guard actions.count == 1, case .finish(let report) = actions[0] else { return nil }
    return report
}

/// Stopping, cancellation, and events that do not fit.
@Suite struct DrainMachineStopTests {
    @Test func stopLetsBatchesInFlightSettleThenFinishesWithoutClaimingOrFinalizing() {
        var machine = F.running(F.settings(maxConcurrent: 2, finalize: true))
        let (b1, b2) = (F.batch("b1", [1]), F.batch("b2", [2]))
        _ = machine.handle(.claimed(b1, nextDue: nil, now: F.at(0)))
        _ = machine.handle(.claimed(b2, nextDue: nil, now: F.at(0)))
        #expect(machine.handle(.stop(now: F.at(1))) == [])
        _ = machine.handle(.pushReturned("b1", .statuses(F.statuses([(1, "ok")])), now: F.at(2)))
        #expect(machine.handle(.completed("b1", now: F.at(2))) == [])
        _ = machine.handle(.pushReturned("b2", .statuses(F.statuses([(2, "ok")])), now: F.at(3)))
        var expected = DrainReport()
        (expected.delivered, expected.batches, expected.rows) = (2, 2, 2)
        (expected.interrupted, expected.duration) = (true, .seconds(4))
        #expect(finished(machine.handle(.completed("b2", now: F.at(4)))) == expected)
    }

    @Test func aBatchClaimedAfterTheStopIsReleased() {
        var machine = F.running(F.settings())
        #expect(machine.handle(.stop(now: F.at(0))) == [], "the claim in flight is awaited")
        #expect(machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(1))) == [.release("b1")])
        let report = finished(machine.handle(.released("b1", now: F.at(2))))
        #expect(report?.released == 1)
        #expect(report?.interrupted == true)

        var empty = F.running(F.settings())
        _ = empty.handle(.stop(now: F.at(0)))
        #expect(finished(empty.handle(.claimed(nil, nextDue: F.at(1), now: F.at(1))))?.interrupted == true)
    }

    @Test func aCancelledPushIsReleasedAndStopsTheDrain() {
        var machine = F.running(F.settings(maxConcurrent: 3))
        let (b1, b2) = (F.batch("b1", [1]), F.batch("b2", [2]))
        #expect(machine.handle(.claimed(b1, nextDue: nil, now: F.at(0))) == [.push(b1, number: 1), .claim])
        #expect(machine.handle(.claimed(b2, nextDue: nil, now: F.at(0))) == [.push(b2, number: 2), .claim])
        #expect(machine.handle(.pushFailed("b1", .cancelled, now: F.at(1))) == [.release("b1")])
        #expect(machine.handle(.released("b1", now: F.at(1))) == [])
        #expect(machine.handle(.claimed(F.batch("b3", [3]), nextDue: nil, now: F.at(1))) == [.release("b3")])
        #expect(machine.handle(.released("b3", now: F.at(1))) == [])
        _ = machine.handle(.pushReturned("b2", .statuses(F.statuses([(2, "ok")])), now: F.at(2)))
        let report = finished(machine.handle(.completed("b2", now: F.at(2))))
        #expect(report?.released == 2)
        #expect(report?.delivered == 1)
        #expect(report?.interrupted == true)
    }

    @Test func stopWhileWaitingFinishesAtOnceAndTheWakeIsIgnored() {
        var machine = F.running(F.settings(finalize: true))
        #expect(machine.handle(.claimed(nil, nextDue: F.at(5), now: F.at(0))) == [.wait(until: F.at(5))])
        #expect(finished(machine.handle(.stop(now: F.at(1))))?.interrupted == true)
        #expect(machine.handle(.woke(now: F.at(5))) == [])
    }

    @Test func stopBeforeStartOrDuringRecoveryFinishes() {
        var idle = DrainMachine(target: "main.t", settings: F.settings(), now: F.t0)
        #expect(finished(idle.handle(.stop(now: F.t0)))?.interrupted == true)
        #expect(idle.start() == [])

        var recovering = DrainMachine(target: "main.t", settings: F.settings(.async), now: F.t0)
        _ = recovering.start()
        #expect(recovering.handle(.stop(now: F.t0)) == [])
        let report = finished(recovering.handle(.recovered([F.batch("r1", [1], job: "j1")], now: F.at(1))))
        #expect(report?.openJobs == 1, "left claimed, to be polled again by a later run")
    }

    @Test func aSavedJobIsLeftClaimedForALaterRunWhenTheDrainStops() {
        // Stopped while the job is being saved.
        var saving = F.running(F.settings(.async))
        _ = saving.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = saving.handle(.pushReturned("b1", .job("j"), now: F.at(1)))
        _ = saving.handle(.stop(now: F.at(1)))
        #expect(finished(saving.handle(.jobSaved("b1", now: F.at(2))))?.openJobs == 1)

        // Stopped while polling: a pending reply is not polled again.
        var polling = F.running(F.settings(.async))
        _ = polling.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = polling.handle(.pushReturned("b1", .job("j"), now: F.at(1)))
        _ = polling.handle(.jobSaved("b1", now: F.at(1)))
        _ = polling.handle(.stop(now: F.at(2)))
        #expect(finished(polling.handle(.polled("b1", .pending, now: F.at(6))))?.openJobs == 1)

        // A cancelled poll is an interrupt too.
        var cancelled = F.running(F.settings(.async))
        _ = cancelled.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = cancelled.handle(.pushReturned("b1", .job("j"), now: F.at(1)))
        _ = cancelled.handle(.jobSaved("b1", now: F.at(1)))
        let report = finished(cancelled.handle(.pollFailed("b1", .cancelled, now: F.at(2))))
        #expect(report?.openJobs == 1)
        #expect(report?.interrupted == true)

        // A job that finished is still settled after the stop.
        var done = F.running(F.settings(.async))
        _ = done.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        _ = done.handle(.pushReturned("b1", .job("j"), now: F.at(1)))
        _ = done.handle(.jobSaved("b1", now: F.at(1)))
        _ = done.handle(.stop(now: F.at(2)))
        _ = done.handle(.polled("b1", .done(F.statuses([(1, "ok")])), now: F.at(6)))
        #expect(finished(done.handle(.completed("b1", now: F.at(6))))?.delivered == 1)
    }

    @Test func eventsForUnknownBatchesOrOutOfTurnAreIgnored() {
        var machine = F.running(F.settings(.async))
        let stray: [DrainMachine.Event] = [
            .pushReturned("nope", .none, now: F.at(0)), .pushFailed("nope", .cancelled, now: F.at(0)),
            .jobSaved("nope", now: F.at(0)), .polled("nope", .pending, now: F.at(0)),
            .pollFailed("nope", .cancelled, now: F.at(0)), .completed("nope", now: F.at(0)),
            .released("nope", now: F.at(0)), .woke(now: F.at(0)), .finalized(now: F.at(0)),
            .finalizeFailed(.failed("x"), now: F.at(0)), .recovered([F.batch("r", [9], job: "j")], now: F.at(0)),
        ]
        for event in stray { #expect(machine.handle(event) == []) }
        _ = machine.handle(.claimed(F.batch("b1", [1]), nextDue: nil, now: F.at(0)))
        #expect(machine.handle(.claimed(F.batch("b2", [2]), nextDue: nil, now: F.at(0))) == [], "no claim was asked")
        #expect(machine.handle(.completed("b1", now: F.at(0))) == [], "b1 is still being pushed")
        #expect(machine.handle(.jobSaved("b1", now: F.at(0))) == [])
        #expect(machine.handle(.polled("b1", .pending, now: F.at(0))) == [])
        #expect(machine.handle(.pushReturned("b1", .job("j"), now: F.at(1))) == [.saveJob("b1", job: "j")])
        #expect(machine.handle(.pushReturned("b1", .job("j"), now: F.at(1))) == [], "answered twice")
        for event in stray { #expect(machine.handle(event) == []) }
        #expect(machine.inFlight == 1)
        #expect(machine.report.rows == 0)
    }

    @Test func aBatchAlreadyInFlightClaimedAgainIsNotPushedTwice() {
        var machine = F.running(F.settings(maxConcurrent: 2))
        let batch = F.batch("b1", [1])
        _ = machine.handle(.claimed(batch, nextDue: nil, now: F.at(0)))
        #expect(machine.handle(.claimed(batch, nextDue: nil, now: F.at(0))) == [])
        #expect(machine.inFlight == 1)
    }
}
