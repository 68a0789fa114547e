import OndatraSync
import Testing

private typealias F = DrainFixture
private typealias S = StatusClassifier

@Suite struct StatusClassifierTests {
    @Test func parsesTheFourStatusForms() {
        #expect(S.parse("ok") == .ok)
        #expect(S.parse("  ok\n") == .ok)
        #expect(S.parse("warn: slow") == .warn("slow"))
        #expect(S.parse("warn:slow") == .warn("slow"))
        #expect(S.parse(" warn:   slow down  ") == .warn("slow down"))
        #expect(S.parse("error: timeout: retry") == .error("timeout: retry"))
        #expect(S.parse("reject: invalid email") == .reject("invalid email"))
        #expect(S.parse("reject:") == .reject("(no message)"))
        for text in ["OK", "okay", "warn", "error", "fail: x", "Error: x", "", "ok: fine", " : x"] {
            #expect(S.parse(text) == nil, "\(text)")
        }
    }

    @Test func judgesStatusesKeyByKey() {
        let keys = [F.key(1), F.key(1, .delete), F.key(2), F.key(3)]
        let statuses = ["1:insert": "ok", "1:delete": "warn: w", "2:insert": "error: e", "3:insert": "reject: r"]
        let verdict = S.judge(statuses: statuses, keys: keys, call: "push")
        #expect(
            verdict
                == S.Verdict(rows: [
                    F.key(1): .delivered(warning: nil), F.key(1, .delete): .delivered(warning: "w"),
                    F.key(2): .failed("e"), F.key(3): .rejected("r"),
                ]))
        #expect(verdict.wellFormed)
        #expect(verdict.batchError == nil)
    }

    @Test func anUnknownStatusFailsItsRowQuotingItAndListingTheForms() {
        let verdict = S.judge(
            statuses: ["7:update_postimage": "done"], keys: [F.key(7, .updatePostimage)], call: "poll")
        #expect(
            verdict.rows[F.key(7, .updatePostimage)]
                == .failed(
                    #"poll returned unknown status "done" for 7:update_postimage; use "ok", "warn: msg", "error: msg" or "reject: msg""#
                ))
        #expect(!verdict.wellFormed)
        #expect(verdict.batchError == nil)
    }

    @Test func missingKeysAreNamedFiveAtATimeAndExtraKeysWarn() {
        let keys = (1...3).map { F.key(Int64($0)) }
        let verdict = S.judge(statuses: ["1:insert": "ok", "1:delete": "ok", "oops": "ok"], keys: keys, call: "push")
        let missing =
            #"push returned no status for 2:insert, 3:insert; return one status per row keyed "<rowid>:<change_type>""#
        #expect(
            verdict.rows == [
                F.key(1): .delivered(warning: nil), F.key(2): .failed(missing), F.key(3): .failed(missing),
            ])
        #expect(verdict.warnings == [#"push returned statuses for keys not in the batch: "1:delete", "oops""#])
        #expect(!verdict.wellFormed)

        let many = (1...9).map { F.key(Int64($0)) }
        let none = S.judge(statuses: [:], keys: many, call: "push")
        #expect(
            none.rows[F.key(9)]
                == .failed(
                    #"push returned no status for 1:insert, 2:insert, 3:insert, 4:insert, 5:insert and 4 more; return one status per row keyed "<rowid>:<change_type>""#
                ))
        let extra = Dictionary(uniqueKeysWithValues: (10...16).map { ("\($0):insert", "ok") })
        #expect(
            S.judge(statuses: extra, keys: [], call: "push").warnings == [
                #"push returned statuses for keys not in the batch: "10:insert", "11:insert", "12:insert", "13:insert", "14:insert" and 2 more"#
            ])
    }

    @Test func syncPushRepliesOtherThanADictFailTheBatch() {
        let keys = [F.key(12)]
        let hint = #"return a dict of statuses keyed "<rowid>:<change_type>" (e.g. {"12:insert": "ok"})"#
        let cases: [(PushReply, String)] = [
            (.none, "push returned None; \(hint)"),
            (.other(type: "list", repr: "[...]"), "push returned list [...]; \(hint)"),
            (.job(#"{"n": 1}"#), #"push returned dict {"n": 1}, not a dict of string statuses; \#(hint)"#),
        ]
        for (reply, message) in cases {
            #expect(S.judge(push: reply, mode: .sync, keys: keys) == .settled(S.failure(message, keys: keys)))
        }
        let failure = S.failure("m", keys: keys)
        #expect(failure.batchError == "m")
        #expect(!failure.wellFormed)
        #expect(failure.rows == [F.key(12): .failed("m")])
        #expect(
            S.judge(push: .none, mode: .sync, keys: []) == .settled(S.failure("push returned None; \(hint)", keys: [])))
    }

    @Test func atomicAndAsyncReplies() {
        let keys = [F.key(1), F.key(2)]
        #expect(
            S.judge(push: .none, mode: .atomic, keys: keys)
                == .settled(S.Verdict(rows: [F.key(1): .delivered(warning: nil), F.key(2): .delivered(warning: nil)])))
        #expect(
            S.judge(push: .other(type: "int", repr: "1"), mode: .atomic, keys: keys)
                == .settled(
                    S.failure(
                        "push returned int 1; in atomic mode push returns None on success (and calls fail() to fail the batch)",
                        keys: keys)))
        #expect(S.judge(push: .job(#"{"id": "j"}"#), mode: .async, keys: keys) == .job(#"{"id": "j"}"#))
        #expect(
            S.judge(push: .none, mode: .async, keys: keys)
                == .settled(
                    S.failure(
                        "push returned None; in async mode push must return a job reference dict, which is passed to poll(job_ref)",
                        keys: keys)))
    }

    @Test func pollReplies() {
        let keys = [F.key(1)]
        #expect(S.judge(poll: .pending, keys: keys) == .pending)
        #expect(
            S.judge(poll: .done(["1:insert": "ok"]), keys: keys)
                == .settled(S.Verdict(rows: [F.key(1): .delivered(warning: nil)])))
        #expect(S.judge(poll: .invalid("bad"), keys: keys) == .settled(S.failure("bad", keys: keys)))
    }

    @Test func describesRepliesShortly() {
        #expect(S.describe(.none) == "None")
        #expect(S.describe(.statuses([:])) == "dict {}")
        #expect(
            S.describe(.statuses(["a": "1", "b": "2", "c": "3", "d": "4"]))
                == #"dict {"a": "1", "b": "2", "c": "3", …}"#)
        #expect(
            S.describe(.other(type: "str", repr: String(repeating: "x", count: 300))) == "str "
                + String(repeating: "x", count: 200) + "…")
    }
}
