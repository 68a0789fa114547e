import Foundation
import OndatraTesting
import Testing

@testable import Ondatra

@Suite struct ProjectLockTests {
    /// The lock names the command holding it, so a blocked `run` or `sql` says what to wait for.
    @Test func aSecondHolderIsToldWhoHasIt() throws {
        let sandbox = try TemporaryProject()
        var held: ProjectLock? = try ProjectLock(project: sandbox.project, command: "sql")
        let error = #expect(throws: OndatraError.self) { try ProjectLock(project: sandbox.project) }
        #expect(
            error?.message
                == "another ondatrasql sql (pid \(ProcessInfo.processInfo.processIdentifier)) is working on this "
                + "project; wait for it to finish")
        #expect(held != nil)
        // Released: the next one gets it.
        held = nil
        _ = try ProjectLock(project: sandbox.project)
    }

    @Test func lockFilesOfOlderVersionsNameOnlyThePid() {
        #expect(
            ProjectLock.busyMessage(holder: "4242\n")
                == "another ondatrasql run (pid 4242) is working on this project; wait for it to finish")
        #expect(
            ProjectLock.busyMessage(holder: "")
                == "another ondatrasql process is working on this project; wait for it to finish")
    }
}
