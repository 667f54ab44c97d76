import { expect } from "chai";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from "../lib/eventPattern";
import { SECURITY_HUB_LIMITS, SECURITY_HUB_V2_LIMITS } from "../lib/limits";
import { BatchUpdateFindingsRequest, BatchUpdateFindingsV2Request, FindingIdentifier, OcsfFindingIdentifier, SecurityHubEvent, SecurityHubStandIn } from "../offline/securityHubStandIn";
import { StatesError } from "../offline/stepFunctionsJsonata";
import { ACCOUNT, findingEvent, findingId, ocsfFindingEvent, REGION } from "./support/findings";

const PRODUCT_ARN = `arn:aws:securityhub:${REGION}::product/aws/securityhub`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A findingEvent() with a compliance status and an event time. */
function event(o: Parameters<typeof findingEvent>[0] & { compliance?: string; time?: string; updatedAt?: string } = {}): Record<string, any> {
    const e = findingEvent(o);
    if (o.compliance) e.detail.findings[0].Compliance.Status = o.compliance;
    if (o.time) e.time = o.time;
    if (o.updatedAt) e.detail.findings[0].UpdatedAt = o.updatedAt;
    return e;
}

function identifier(e: Record<string, any>): FindingIdentifier {
    return { Id: e.detail.findings[0].Id, ProductArn: e.detail.findings[0].ProductArn };
}

async function rejection(promise: Promise<unknown>): Promise<StatesError> {
    try {
        await promise;
    } catch (err) {
        expect(err).to.be.instanceOf(StatesError);
        return err as StatesError;
    }
    expect.fail("the call should have failed");
}

describe("Security Hub stand-in", () => {
    let emitted: SecurityHubEvent[];
    let hub: SecurityHubStandIn;
    beforeEach(() => {
        emitted = [];
        hub = new SecurityHubStandIn(e => emitted.push(e));
    });

    /** Imports a fresh finding and returns its identifier. */
    function imported(o: Parameters<typeof event>[0] = {}): FindingIdentifier {
        const e = event(o);
        hub.importEvent(e);
        return identifier(e);
    }

    const note = (Text: string, UpdatedBy = "securityhub-incidents") => ({ Text, UpdatedBy });

    describe("BatchUpdateFindings request constraints", () => {
        it("accepts requests at the limits, counting note characters as code points", async () => {
            const id = imported();
            const unknown = Array.from({ length: SECURITY_HUB_LIMITS.findingIdentifiersPerCall - 1 }, () => ({ Id: findingId(), ProductArn: PRODUCT_ARN }));
            // 512 emoji: 512 code points, 1,024 UTF-16 code units.
            const text = "🔥".repeat(SECURITY_HUB_LIMITS.noteTextLength);
            expect(text.length).to.equal(2 * SECURITY_HUB_LIMITS.noteTextLength);
            const response = await hub.batchUpdateFindings({
                FindingIdentifiers: [id, ...unknown],
                Workflow: { Status: "NOTIFIED" },
                Note: note(text, "x".repeat(SECURITY_HUB_LIMITS.noteUpdatedByLength)),
            });
            expect(response.ProcessedFindings).to.deep.equal([id]);
            expect(response.UnprocessedFindings).to.have.length(SECURITY_HUB_LIMITS.findingIdentifiersPerCall - 1);
            expect(hub.finding(id.Id)!.Note.Text).to.equal(text);
        });

        const cases: Array<[string, (id: FindingIdentifier) => unknown, RegExp]> = [
            ["no identifiers", () => ({ FindingIdentifiers: [], Workflow: { Status: "NOTIFIED" } }), /findingIdentifiers must be a list of 1 to 100/],
            ["no FindingIdentifiers field", () => ({ Workflow: { Status: "NOTIFIED" } }), /findingIdentifiers must be a list of 1 to 100/],
            ["101 identifiers", id => ({ FindingIdentifiers: Array.from({ length: SECURITY_HUB_LIMITS.findingIdentifiersPerCall + 1 }, () => id), Workflow: { Status: "NOTIFIED" } }), /findingIdentifiers must be a list of 1 to 100/],
            ["an identifier without ProductArn", id => ({ FindingIdentifiers: [{ Id: id.Id }], Workflow: { Status: "NOTIFIED" } }), /findingIdentifiers\[0\]\.productArn must be a non-empty string/],
            ["an identifier whose Id is not a string", id => ({ FindingIdentifiers: [{ Id: 42, ProductArn: id.ProductArn }], Workflow: { Status: "NOTIFIED" } }), /findingIdentifiers\[0\]\.id must be a non-empty string/],
            ["nothing to update", id => ({ FindingIdentifiers: [id] }), /at least one of Workflow, Note/],
            ["an unknown workflow status", id => ({ FindingIdentifiers: [id], Workflow: { Status: "OPEN" } }), /workflow\.status "OPEN" is not one of NEW, NOTIFIED, RESOLVED, SUPPRESSED/],
            ["a workflow without status", id => ({ FindingIdentifiers: [id], Workflow: {} }), /workflow\.status undefined is not one of/],
            ["an empty note", id => ({ FindingIdentifiers: [id], Note: note("") }), /note\.text must be 1-512 characters/],
            ["a 513-character note", id => ({ FindingIdentifiers: [id], Note: note("🔥".repeat(SECURITY_HUB_LIMITS.noteTextLength + 1)) }), /note\.text must be 1-512 characters/],
            ["a note without UpdatedBy", id => ({ FindingIdentifiers: [id], Note: { Text: "opened incident" } }), /note\.updatedBy is required, 1-512 characters/],
            ["a 513-character UpdatedBy", id => ({ FindingIdentifiers: [id], Note: note("opened", "x".repeat(SECURITY_HUB_LIMITS.noteUpdatedByLength + 1)) }), /note\.updatedBy is required/],
            ["an unknown top-level field", id => ({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" }, RecordState: "ARCHIVED" }), /unknown field RecordState/],
            ["an unknown note field", id => ({ FindingIdentifiers: [id], Note: { ...note("x"), UpdatedAt: "2026-01-01T00:00:00Z" } }), /unknown field note\.UpdatedAt/],
            ["a confidence above 100", id => ({ FindingIdentifiers: [id], Confidence: 101 }), /confidence must be a whole number from 0 to 100/],
            ["an unknown verification state", id => ({ FindingIdentifiers: [id], VerificationState: "MAYBE" }), /verificationState "MAYBE" is not one of/],
            ["an unknown severity label", id => ({ FindingIdentifiers: [id], Severity: { Label: "SEVERE" } }), /severity\.label "SEVERE" is not one of/],
        ];
        for (const [name, build, problem] of cases) {
            it(`refuses ${name} with SecurityHub.InvalidInputException and changes nothing`, async () => {
                const id = imported();
                const before = hub.finding(id.Id);
                const err = await rejection(hub.batchUpdateFindings(build(id) as BatchUpdateFindingsRequest));
                expect(err.name).to.equal("SecurityHub.InvalidInputException");
                expect(err.message).to.match(problem);
                expect(err.message).to.match(/ \(Service: SecurityHub, Error Code: InvalidInputException\)$/);
                expect(hub.finding(id.Id)).to.deep.equal(before);
                expect(emitted).to.deep.equal([]);
                expect(hub.updates).to.deep.equal([]);
                expect(hub.calls).to.equal(1);
            });
        }

        it("lists every problem of a request", () => {
            const problems = hub.validate({ FindingIdentifiers: [], Workflow: { Status: "DONE" }, Note: note(""), Extra: 1 } as unknown as BatchUpdateFindingsRequest);
            expect(problems).to.have.length(4);
        });
    });

    describe("BatchUpdateFindings partial failure", () => {
        it("reports findings it never imported, or under another ProductArn, as FindingNotFound and applies the rest", async () => {
            const known = imported();
            const neverSeen = { Id: findingId(), ProductArn: PRODUCT_ARN };
            const otherProduct = { Id: known.Id, ProductArn: `arn:aws:securityhub:${REGION}::product/aws/guardduty` };
            const response = await hub.batchUpdateFindings({ FindingIdentifiers: [neverSeen, known, otherProduct], Workflow: { Status: "NOTIFIED" } });
            expect(response.ProcessedFindings).to.deep.equal([known]);
            expect(response.UnprocessedFindings.map(u => [u.FindingIdentifier, u.ErrorCode])).to.deep.equal([[neverSeen, "FindingNotFound"], [otherProduct, "FindingNotFound"]]);
            expect(response.UnprocessedFindings.every(u => u.ErrorMessage.length > 0)).to.equal(true);
            expect(hub.finding(known.Id)!.Workflow.Status).to.equal("NOTIFIED");
            expect(hub.finding(neverSeen.Id)).to.equal(undefined);
            expect(emitted.map(e => e.resources)).to.deep.equal([[known.Id]]);
        });

        it("reports an identifier listed twice as DuplicatedFindingIdentifier and does not apply it", async () => {
            const twice = imported();
            const once = imported();
            const response = await hub.batchUpdateFindings({ FindingIdentifiers: [twice, once, { ...twice }], Workflow: { Status: "NOTIFIED" } });
            expect(response.ProcessedFindings).to.deep.equal([once]);
            expect(response.UnprocessedFindings.map(u => [u.FindingIdentifier, u.ErrorCode])).to.deep.equal([[twice, "DuplicatedFindingIdentifier"], [twice, "DuplicatedFindingIdentifier"]]);
            expect(hub.finding(twice.Id)!.Workflow.Status).to.equal("NEW");
            expect(hub.finding(once.Id)!.Workflow.Status).to.equal("NOTIFIED");
            expect(emitted).to.have.length(1);
        });

        it("unprocessNext reports every finding of the next calls unprocessed with the code, applying nothing", async () => {
            const a = imported();
            const b = imported();
            hub.unprocessNext("ConcurrentUpdateError", 2);
            // An invalid request fails before and does not use up an injected fault.
            await rejection(hub.batchUpdateFindings({ FindingIdentifiers: [a] }));
            for (let i = 0; i < 2; i++) {
                const response = await hub.batchUpdateFindings({ FindingIdentifiers: [a, b], Workflow: { Status: "NOTIFIED" }, Note: note("incident opened") });
                expect(response.ProcessedFindings).to.deep.equal([]);
                expect(response.UnprocessedFindings.map(u => [u.FindingIdentifier, u.ErrorCode])).to.deep.equal([[a, "ConcurrentUpdateError"], [b, "ConcurrentUpdateError"]]);
            }
            expect(hub.finding(a.Id)!.Workflow.Status).to.equal("NEW");
            expect(hub.finding(a.Id)!.Note).to.equal(undefined);
            expect(emitted).to.deep.equal([]);
            const response = await hub.batchUpdateFindings({ FindingIdentifiers: [a, b], Workflow: { Status: "NOTIFIED" } });
            expect(response.ProcessedFindings).to.deep.equal([a, b]);
            expect(hub.calls).to.equal(4);
        });

        it("unprocessNext refuses codes BatchUpdateFindings does not report, and recover() clears it", async () => {
            expect(() => hub.unprocessNext("Throttled" as never)).to.throw(/not one of ConcurrentUpdateError/);
            const id = imported();
            hub.unprocessNext("InternalFailure", 5);
            hub.recover();
            expect((await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } })).ProcessedFindings).to.deep.equal([id]);
        });
    });

    describe("BatchUpdateFindings whole-call faults", () => {
        it("failNext throttles with SecurityHub.LimitExceededException, then the call goes through", async () => {
            const id = imported();
            hub.failNext("LimitExceededException", 2);
            for (let i = 0; i < 2; i++) {
                const err = await rejection(hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } }));
                expect(err.name).to.equal("SecurityHub.LimitExceededException");
                expect(err.message).to.match(/\(Service: SecurityHub, Error Code: LimitExceededException\)$/);
                expect(hub.finding(id.Id)!.Workflow.Status).to.equal("NEW");
            }
            expect((await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } })).ProcessedFindings).to.deep.equal([id]);
            expect(hub.calls).to.equal(3);
            expect(emitted).to.have.length(1);
        });

        it("failAlways fails every call until recover()", async () => {
            const id = imported();
            hub.failAlways("InternalException");
            for (let i = 0; i < 3; i++) {
                expect((await rejection(hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } }))).name).to.equal("SecurityHub.InternalException");
            }
            hub.recover();
            hub.failNext("InvalidAccessException");
            expect((await rejection(hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } }))).name).to.equal("SecurityHub.InvalidAccessException");
            expect((await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } })).ProcessedFindings).to.deep.equal([id]);
            expect(hub.calls).to.equal(5);
            expect(hub.updates).to.have.length(1);
        });
    });

    describe("a processed update", () => {
        it("sets status and note, keeps UpdatedAt and emits exactly one Imported event with the new state", async () => {
            const e = event({ time: "2026-11-26T01:02:04Z", updatedAt: "2026-11-26T01:02:03.000Z" });
            const id = identifier(e);
            hub.importEvent(e);
            hub.setTime("2026-11-26T01:05:00Z");
            const response = await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" }, Note: note("Incident opened: arn:aws:ssm-incidents::111122223333:incident-record/plan/abc") });
            expect(response).to.deep.equal({ ProcessedFindings: [id], UnprocessedFindings: [] });

            const stored = hub.finding(id.Id)!;
            expect(stored.Workflow).to.deep.equal({ Status: "NOTIFIED" });
            expect(stored.WorkflowState).to.equal("NOTIFIED");
            expect(stored.Note).to.deep.equal({ Text: "Incident opened: arn:aws:ssm-incidents::111122223333:incident-record/plan/abc", UpdatedBy: "securityhub-incidents", UpdatedAt: "2026-11-26T01:05:00Z" });
            expect(stored.UpdatedAt).to.equal("2026-11-26T01:02:03.000Z");
            expect(stored.Title).to.equal(e.detail.findings[0].Title);

            expect(emitted).to.have.length(1);
            const out = emitted[0];
            expect(out.id).to.match(UUID);
            expect(out.id).to.not.equal(e.id);
            expect(out).to.deep.include({ version: "0", "detail-type": EVENT_DETAIL_TYPE, source: EVENT_SOURCE, account: ACCOUNT, region: REGION, time: "2026-11-26T01:05:00Z", resources: [id.Id] });
            expect(out.detail.findings).to.deep.equal([stored]);
            // The event carries a copy: changing it does not change what the hub stores.
            out.detail.findings[0].Workflow.Status = "SUPPRESSED";
            expect(hub.finding(id.Id)!.Workflow.Status).to.equal("NOTIFIED");

            expect(hub.updates).to.deep.equal([{ id: id.Id, productArn: id.ProductArn, status: "NOTIFIED", noteText: stored.Note.Text, time: "2026-11-26T01:05:00Z", eventId: out.id }]);
        });

        it("a note alone leaves the status; one event per processed finding", async () => {
            const a = imported();
            const b = imported();
            await hub.batchUpdateFindings({ FindingIdentifiers: [a, b], Note: note("seen") });
            expect(hub.finding(a.Id)!.Workflow.Status).to.equal("NEW");
            expect(hub.finding(b.Id)!.Note.Text).to.equal("seen");
            expect(emitted.map(e => e.resources[0])).to.deep.equal([a.Id, b.Id]);
            expect(new Set(emitted.map(e => e.id)).size).to.equal(2);
            expect(hub.updates.map(u => [u.id, u.status, u.noteText])).to.deep.equal([[a.Id, undefined, "seen"], [b.Id, undefined, "seen"]]);
        });
    });

    describe("provider imports", () => {
        it("first import: stored and emitted as given, the input untouched", () => {
            const e = event();
            const snapshot = JSON.parse(JSON.stringify(e));
            const out = hub.importEvent(e);
            expect(out).to.deep.equal(snapshot);
            expect(out).to.not.equal(e);
            expect(out.detail.findings[0]).to.not.equal(e.detail.findings[0]);
            expect(hub.finding(snapshot.detail.findings[0].Id)).to.deep.equal(snapshot.detail.findings[0]);
            expect(hub.lastImport).to.deep.include({ id: snapshot.detail.findings[0].Id, after: "NEW", reason: "first-import" });
            out.detail.findings[0].Title = "changed";
            expect(hub.finding(snapshot.detail.findings[0].Id)!.Title).to.equal(snapshot.detail.findings[0].Title);
        });

        it("a re-import keeps NOTIFIED and the note the workflow set; the rest comes from the input", async () => {
            const id = imported({ time: "2026-11-26T01:02:04Z" });
            await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" }, Note: note("incident opened") });
            const again = event({ id: id.Id, severity: "CRITICAL", title: "New title", time: "2026-11-27T01:02:04Z", updatedAt: "2026-11-27T01:02:03.000Z" });
            const snapshot = JSON.parse(JSON.stringify(again));
            const out = hub.importEvent(again);
            const finding = out.detail.findings[0];
            expect(finding.Workflow).to.deep.equal({ Status: "NOTIFIED" });
            expect(finding.WorkflowState).to.equal("NOTIFIED");
            expect(finding.Note).to.deep.include({ Text: "incident opened", UpdatedBy: "securityhub-incidents" });
            expect(finding.Severity.Label).to.equal("CRITICAL");
            expect(finding.Title).to.equal("New title");
            expect(finding.UpdatedAt).to.equal("2026-11-27T01:02:03.000Z");
            expect(out.id).to.equal(again.id);
            expect(hub.finding(id.Id)).to.deep.equal(finding);
            expect(hub.lastImport).to.deep.include({ id: id.Id, before: "NOTIFIED", after: "NOTIFIED", input: "NEW", reason: "kept" });
            expect(again).to.deep.equal(snapshot);
        });

        it("a status someone in the account set stands; SUPPRESSED is never reset nor resolved", () => {
            const id = imported({ compliance: "FAILED" });
            const suppressed = event({ id: id.Id, workflowStatus: "SUPPRESSED", compliance: "FAILED" });
            suppressed.detail.findings[0].Note = { Text: "accepted risk", UpdatedBy: "alice", UpdatedAt: "2026-11-26T02:00:00Z" };
            expect(hub.importEvent(suppressed).detail.findings[0]).to.deep.include({ Workflow: { Status: "SUPPRESSED" }, Note: suppressed.detail.findings[0].Note });
            expect(hub.lastImport).to.deep.include({ before: "NEW", after: "SUPPRESSED", reason: "set-in-account" });

            const steps: Array<Parameters<typeof event>[0]> = [
                { compliance: "PASSED" },
                { compliance: "FAILED" },
                { compliance: "FAILED", recordState: "ARCHIVED" },
                { compliance: "FAILED", recordState: "ACTIVE" },
                { compliance: "PASSED" },
            ];
            for (const step of steps) {
                const out = hub.importEvent(event({ id: id.Id, ...step })).detail.findings[0];
                expect(out.Workflow.Status, JSON.stringify(step)).to.equal("SUPPRESSED");
                expect(out.Note.Text).to.equal("accepted risk");
                expect(hub.lastImport!.reason).to.equal("kept");
            }
        });

        it("compliance PASSED resolves NEW and NOTIFIED findings", async () => {
            const fresh = imported({ compliance: "FAILED" });
            expect(hub.importEvent(event({ id: fresh.Id, compliance: "PASSED" })).detail.findings[0].Workflow.Status).to.equal("RESOLVED");
            expect(hub.lastImport).to.deep.include({ before: "NEW", after: "RESOLVED", reason: "resolved-compliance-passed" });

            const notified = imported({ compliance: "FAILED" });
            await hub.batchUpdateFindings({ FindingIdentifiers: [notified], Workflow: { Status: "NOTIFIED" }, Note: note("incident opened") });
            const out = hub.importEvent(event({ id: notified.Id, compliance: "PASSED" })).detail.findings[0];
            expect(out.Workflow.Status).to.equal("RESOLVED");
            expect(out.WorkflowState).to.equal("RESOLVED");
            expect(out.Note.Text).to.equal("incident opened");
            // Still PASSED: stays RESOLVED.
            expect(hub.importEvent(event({ id: notified.Id, compliance: "PASSED" })).detail.findings[0].Workflow.Status).to.equal("RESOLVED");
            expect(hub.lastImport!.reason).to.equal("kept");
        });

        it("compliance PASSED → FAILED/WARNING/NOT_AVAILABLE resets RESOLVED and NOTIFIED to NEW", async () => {
            const resolved = imported({ compliance: "FAILED" });
            hub.importEvent(event({ id: resolved.Id, compliance: "PASSED" }));
            expect(hub.finding(resolved.Id)!.Workflow.Status).to.equal("RESOLVED");
            expect(hub.importEvent(event({ id: resolved.Id, compliance: "FAILED" })).detail.findings[0].Workflow.Status).to.equal("NEW");
            expect(hub.lastImport).to.deep.include({ before: "RESOLVED", after: "NEW", reason: "reset-compliance" });

            for (const compliance of ["WARNING", "NOT_AVAILABLE"]) {
                const notified = imported({ compliance: "PASSED" });
                await hub.batchUpdateFindings({ FindingIdentifiers: [notified], Workflow: { Status: "NOTIFIED" }, Note: note("incident opened") });
                const out = hub.importEvent(event({ id: notified.Id, compliance })).detail.findings[0];
                expect(out.Workflow.Status, compliance).to.equal("NEW");
                expect(out.WorkflowState).to.equal("NEW");
                expect(out.Note.Text).to.equal("incident opened");
                expect(hub.lastImport).to.deep.include({ before: "NOTIFIED", after: "NEW", reason: "reset-compliance" });
            }

            // FAILED → FAILED is no reset: NOTIFIED stays.
            const stillFailing = imported({ compliance: "FAILED" });
            await hub.batchUpdateFindings({ FindingIdentifiers: [stillFailing], Workflow: { Status: "NOTIFIED" } });
            expect(hub.importEvent(event({ id: stillFailing.Id, compliance: "FAILED" })).detail.findings[0].Workflow.Status).to.equal("NOTIFIED");
        });

        it("the record going ARCHIVED → ACTIVE resets NOTIFIED to NEW", async () => {
            const id = imported();
            await hub.batchUpdateFindings({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" }, Note: note("incident opened") });
            expect(hub.importEvent(event({ id: id.Id, recordState: "ARCHIVED" })).detail.findings[0].Workflow.Status).to.equal("NOTIFIED");
            expect(hub.lastImport!.reason).to.equal("kept");
            const out = hub.importEvent(event({ id: id.Id, recordState: "ACTIVE" })).detail.findings[0];
            expect(out).to.deep.include({ RecordState: "ACTIVE", Workflow: { Status: "NEW" } });
            expect(out.Note.Text).to.equal("incident opened");
            expect(hub.lastImport).to.deep.include({ before: "NOTIFIED", after: "NEW", reason: "reset-record-state" });
        });

        it("keeps fields the customer set with BatchUpdateFindings, such as Severity", async () => {
            const id = imported({ severity: "HIGH" });
            await hub.batchUpdateFindings({ FindingIdentifiers: [id], Severity: { Label: "LOW" }, VerificationState: "BENIGN_POSITIVE" });
            expect(hub.finding(id.Id)!.Severity).to.deep.include({ Label: "LOW", Normalized: 70 });
            const out = hub.importEvent(event({ id: id.Id, severity: "CRITICAL" })).detail.findings[0];
            expect(out.Severity.Label).to.equal("LOW");
            expect(out.VerificationState).to.equal("BENIGN_POSITIVE");
        });

        it("handles every finding of an event, and refuses events without findings", () => {
            const [a, b] = [event(), event()];
            const both = { ...a, detail: { findings: [a.detail.findings[0], b.detail.findings[0]] } };
            hub.importEvent(both);
            expect(hub.imports.map(i => i.id)).to.deep.equal([a.detail.findings[0].Id, b.detail.findings[0].Id]);
            expect(hub.finding(b.detail.findings[0].Id)).to.deep.equal(b.detail.findings[0]);
            expect(() => hub.importEvent({ detail: {} })).to.throw(/detail\.findings/);
        });

        it("takes its clock from events, not the wall clock", async () => {
            expect(hub.now).to.equal("1970-01-01T00:00:00Z");
            const id = imported({ time: "2026-12-01T09:00:00Z" });
            expect(hub.now).to.equal("2026-12-01T09:00:00Z");
            expect(hub.lastImport!.time).to.equal("2026-12-01T09:00:00Z");
            // A time that is not ISO-8601 leaves the clock alone.
            hub.importEvent(event({ id: id.Id, time: "yesterday" }));
            expect(hub.now).to.equal("2026-12-01T09:00:00Z");
            await hub.batchUpdateFindings({ FindingIdentifiers: [id], Note: note("a") });
            expect(hub.finding(id.Id)!.Note.UpdatedAt).to.equal("2026-12-01T09:00:00Z");
            hub.setTime("2026-12-02T10:00:00.500+09:00");
            await hub.batchUpdateFindings({ FindingIdentifiers: [id], Note: note("b") });
            expect(emitted.map(e => e.time)).to.deep.equal(["2026-12-01T09:00:00Z", "2026-12-02T10:00:00.500+09:00"]);
            expect(hub.updates.map(u => u.time)).to.deep.equal(["2026-12-01T09:00:00Z", "2026-12-02T10:00:00.500+09:00"]);
            expect(() => hub.setTime("2026-12-02")).to.throw(/not an ISO-8601/);
        });
    });

    it("copies an import's envelope exactly as JSON would, whatever its fields hold, and the stored finding is the import's", () => {
        // Plain strings and lists of strings are copied directly; anything else goes through JSON,
        // so every envelope comes out as JSON.parse(JSON.stringify(...)) of it.
        const base = event({ time: "2026-11-01T00:00:00Z" });
        const odd: Array<Record<string, unknown>> = [
            {},
            { resources: [] },
            { resources: ["a", 1, null] },
            { resources: ["a", ["b"]] },
            { version: 0 },
            { version: -0, count: NaN, ratio: 1.5, big: 1e21 },
            { missing: undefined, flag: true, nothing: null },
            { nested: { a: [1, { b: undefined }] } },
            { when: new Date("2026-11-01T00:00:00Z") },
            { custom: { toJSON: () => "custom" } },
            JSON.parse('{"__proto__": "own", "account": "210987654321"}'),
            { resources: Object.assign(["a"], { extra: "not copied" }) },
        ];
        odd.forEach((fields, i) => {
            const hub = new SecurityHubStandIn();
            const input: Record<string, any> = { ...base, ...fields, detail: { ...base.detail, findings: [{ ...base.detail.findings[0], Id: `${base.detail.findings[0].Id}-${i}` }], extra: i % 2 ? { n: -0 } : "x" } };
            const { detail, ...envelope } = hub.importEvent(input) as unknown as Record<string, any>;
            const { detail: inputDetail, ...inputEnvelope } = input;
            const { findings: _findings, ...inputRest } = inputDetail;
            expect(envelope, JSON.stringify(fields)).to.deep.equal(JSON.parse(JSON.stringify(inputEnvelope)));
            expect(Object.keys(envelope)).to.deep.equal(Object.keys(JSON.parse(JSON.stringify(inputEnvelope))));
            const { findings, ...rest } = detail;
            expect(rest).to.deep.equal(JSON.parse(JSON.stringify(inputRest)));
            if (Array.isArray(envelope.resources)) expect(envelope.resources).to.not.equal(input.resources);
            // The first import stores the finding as given, and reading it gives that back.
            expect(findings).to.deep.equal([JSON.parse(JSON.stringify(input.detail.findings[0]))]);
            expect(hub.finding(input.detail.findings[0].Id)).to.deep.equal(findings[0]);
        });
    });
});

describe("Security Hub stand-in: the new Security Hub (OCSF, BatchUpdateFindingsV2)", () => {
    let emitted: SecurityHubEvent[];
    let hub: SecurityHubStandIn;
    beforeEach(() => {
        emitted = [];
        hub = new SecurityHubStandIn(e => emitted.push(e));
    });

    const L = SECURITY_HUB_V2_LIMITS;
    const PRODUCT_UID = `arn:aws:securityhub:${REGION}::productv2/aws/securityhub`;

    /** Imports a fresh V2 finding and returns its identifier and metadata.uid. */
    function imported(o: Parameters<typeof ocsfFindingEvent>[0] = {}): { identifier: OcsfFindingIdentifier; metadataUid: string } {
        const e = ocsfFindingEvent(o);
        hub.importEvent(e);
        const f = e.detail.findings[0];
        return { identifier: { CloudAccountUid: f.cloud.account.uid, FindingInfoUid: f.finding_info.uid, MetadataProductUid: f.metadata.product.uid }, metadataUid: f.metadata.uid };
    }

    describe("request constraints", () => {
        it("accepts 100 identifiers or 100 metadata uids and a 512-character comment (code points)", async () => {
            const { identifier, metadataUid } = imported();
            const others = Array.from({ length: L.findingIdentifiersPerCall - 1 }, () => ({ ...identifier, FindingInfoUid: findingId() }));
            const comment = "🔥".repeat(L.commentLength);
            const byIdentifier = await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier, ...others], StatusId: 2, Comment: comment });
            expect(byIdentifier.ProcessedFindings).to.deep.equal([{ FindingIdentifier: identifier, MetadataUid: metadataUid }]);
            expect(byIdentifier.UnprocessedFindings).to.have.length(L.findingIdentifiersPerCall - 1);
            expect(byIdentifier.UnprocessedFindings[0]).to.deep.equal({ FindingIdentifier: others[0], ErrorCode: "ResourceNotFoundException", ErrorMessage: "Finding not found" });
            const byMetadata = await hub.batchUpdateFindingsV2({ MetadataUids: [metadataUid, ...Array.from({ length: L.metadataUidsPerCall - 1 }, (_, i) => `unknown-${i}`)], SeverityId: 6 });
            expect(byMetadata.ProcessedFindings).to.deep.equal([{ FindingIdentifier: identifier, MetadataUid: metadataUid }]);
            expect(byMetadata.UnprocessedFindings[0]).to.deep.equal({ MetadataUid: "unknown-0", ErrorCode: "ResourceNotFoundException", ErrorMessage: "Finding not found" });
            expect(hub.ocsfFinding(identifier.FindingInfoUid)).to.deep.include({ status_id: 2, status: "In Progress", severity_id: 6, severity: "Fatal", comment });
        });

        const cases: Array<[string, (id: OcsfFindingIdentifier, uid: string) => unknown, RegExp]> = [
            ["neither selector", () => ({ StatusId: 2 }), /give 1 to 100 MetadataUids or 1 to 100 FindingIdentifiers/],
            ["two empty selectors", () => ({ MetadataUids: [], FindingIdentifiers: [], StatusId: 2 }), /give 1 to 100 MetadataUids or 1 to 100 FindingIdentifiers/],
            ["both selectors", (id, uid) => ({ MetadataUids: [uid], FindingIdentifiers: [id], StatusId: 2 }), /MetadataUids and FindingIdentifiers cannot be used together/],
            ["101 identifiers", id => ({ FindingIdentifiers: Array(101).fill(id), StatusId: 2 }), /FindingIdentifiers holds 101 items; at most 100/],
            ["101 metadata uids", (_, uid) => ({ MetadataUids: Array(101).fill(uid), StatusId: 2 }), /MetadataUids holds 101 items; at most 100/],
            ["a blank metadata uid", () => ({ MetadataUids: [" "], StatusId: 2 }), /MetadataUids\[0\] must be a string with a non-whitespace character/],
            ["an identifier without MetadataProductUid", id => ({ FindingIdentifiers: [{ CloudAccountUid: id.CloudAccountUid, FindingInfoUid: id.FindingInfoUid }], StatusId: 2 }), /FindingIdentifiers\[0\]\.MetadataProductUid is required, a non-empty string/],
            ["an ASFF identifier", id => ({ FindingIdentifiers: [{ Id: id.FindingInfoUid, ProductArn: PRODUCT_UID }], StatusId: 2 }), /unknown field FindingIdentifiers\[0\]\.Id/],
            ["nothing to update", id => ({ FindingIdentifiers: [id] }), /at least one of StatusId, SeverityId, Comment must be given/],
            ["status 6 Deleted", id => ({ FindingIdentifiers: [id], StatusId: 6 }), /StatusId 6 is not one of 0, 1, 2, 3, 4, 5, 99/],
            ["a status given as a string", id => ({ FindingIdentifiers: [id], StatusId: "2" }), /StatusId "2" is not one of/],
            ["severity 7", id => ({ FindingIdentifiers: [id], SeverityId: 7 }), /SeverityId 7 is not one of 0, 1, 2, 3, 4, 5, 6, 99/],
            ["an empty comment", id => ({ FindingIdentifiers: [id], Comment: "" }), /Comment must be 1-512 characters with a non-whitespace character/],
            ["a blank comment", id => ({ FindingIdentifiers: [id], Comment: "   " }), /Comment must be 1-512 characters/],
            ["a 513-character comment", id => ({ FindingIdentifiers: [id], Comment: "x".repeat(513) }), /Comment must be 1-512 characters/],
            ["an ASFF field", id => ({ FindingIdentifiers: [id], Workflow: { Status: "NOTIFIED" } }), /unknown field Workflow/],
        ];
        for (const [what, request, message] of cases) {
            it(`fails the whole call with SecurityHub.ValidationException on ${what}, applying nothing`, async () => {
                const { identifier, metadataUid } = imported();
                const err = await rejection(hub.batchUpdateFindingsV2(request(identifier, metadataUid) as BatchUpdateFindingsV2Request));
                expect(err.name).to.equal("SecurityHub.ValidationException");
                expect(err.message).to.match(message);
                expect(hub.ocsfFinding(identifier.FindingInfoUid)!.status_id).to.equal(1);
                expect(emitted).to.deep.equal([]);
            });
        }
    });

    describe("updates", () => {
        it("sets status_id and status, severity_id and severity, comment; keeps the times; emits one V2 event per finding", async () => {
            hub.setTime("2026-11-26T02:00:00Z");
            const { identifier, metadataUid } = imported({ time: "2026-11-26T01:02:03.000Z" });
            hub.setTime("2026-11-26T02:00:00Z");
            const before = hub.ocsfFinding(identifier.FindingInfoUid)!;
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2, Comment: "[securityhub-incidents] open: incident x" });
            const after = hub.ocsfFinding(identifier.FindingInfoUid)!;
            expect(after).to.deep.equal({ ...before, status_id: 2, status: "In Progress", comment: "[securityhub-incidents] open: incident x" });
            expect([after.time, after.time_dt, after.finding_info.modified_time_dt]).to.deep.equal([before.time, before.time_dt, before.finding_info.modified_time_dt]);
            expect(emitted).to.have.length(1);
            expect(emitted[0]).to.deep.include({ "detail-type": "Findings Imported V2", source: EVENT_SOURCE, account: ACCOUNT, region: REGION, time: "2026-11-26T02:00:00Z", resources: [metadataUid] });
            expect(emitted[0].id).to.match(UUID);
            expect(emitted[0].detail.findings).to.deep.equal([after]);
            expect(hub.updatesV2).to.deep.equal([{ uid: identifier.FindingInfoUid, metadataUid, statusId: 2, comment: "[securityhub-incidents] open: incident x", time: "2026-11-26T02:00:00Z", eventId: emitted[0].id }]);
            expect([hub.callsV2, hub.calls]).to.deep.equal([1, 0]);
        });

        it("finds a finding only with its own account and product, and reports each duplicate as ValidationException", async () => {
            const { identifier } = imported();
            const otherAccount = { ...identifier, CloudAccountUid: "444455556666" };
            const asffProduct = { ...identifier, MetadataProductUid: `arn:aws:securityhub:${REGION}::product/aws/securityhub` };
            const response = await hub.batchUpdateFindingsV2({ FindingIdentifiers: [otherAccount, asffProduct], StatusId: 2 });
            expect(response.UnprocessedFindings.map(u => u.ErrorCode)).to.deep.equal(["ResourceNotFoundException", "ResourceNotFoundException"]);
            const twice = await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier, identifier], StatusId: 2 });
            expect(twice.ProcessedFindings).to.deep.equal([]);
            expect(twice.UnprocessedFindings.map(u => [u.ErrorCode, u.FindingIdentifier])).to.deep.equal([["ValidationException", identifier], ["ValidationException", identifier]]);
            expect(hub.ocsfFinding(identifier.FindingInfoUid)!.status_id).to.equal(1);
            expect(emitted).to.deep.equal([]);
        });

        it("fails with the V2 API's own errors, injected, and reports injected partial failures", async () => {
            const { identifier } = imported();
            hub.failNextV2("ThrottlingException");
            expect((await rejection(hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2 }))).name).to.equal("SecurityHub.ThrottlingException");
            hub.unprocessNextV2("ConflictException");
            const conflict = await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2 });
            expect(conflict.UnprocessedFindings).to.deep.equal([{ FindingIdentifier: identifier, ErrorCode: "ConflictException", ErrorMessage: "injected ConflictException" }]);
            hub.failAlwaysV2("InternalServerException");
            expect((await rejection(hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2 }))).name).to.equal("SecurityHub.InternalServerException");
            hub.recover();
            expect((await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2 })).ProcessedFindings).to.have.length(1);
            expect(hub.callsV2).to.equal(4);
            // ASFF's throttling error is not one BatchUpdateFindingsV2 raises.
            expect(() => hub.failNextV2("LimitExceededException" as "ThrottlingException")).to.throw(/fails with ThrottlingException, ValidationException, AccessDeniedException, ConflictException, InternalServerException, not LimitExceededException/);
            expect(() => hub.unprocessNextV2("FindingNotFound" as "ConflictException")).to.throw(/FindingNotFound is not one of ResourceNotFoundException/);
        });

        it("keeps the OCSF and the ASFF copy of one finding apart: each API updates only its own", async () => {
            const id = findingId();
            const asff = findingEvent({ id });
            hub.importEvent(asff);
            const { identifier } = imported({ uid: id });
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2 });
            expect(hub.finding(id)!.Workflow.Status).to.equal("NEW");
            expect(hub.ocsfFinding(id)!.status_id).to.equal(2);
            const asffUpdate = await hub.batchUpdateFindings({ FindingIdentifiers: [{ Id: id, ProductArn: PRODUCT_ARN }], Workflow: { Status: "RESOLVED" } });
            expect(asffUpdate.ProcessedFindings).to.have.length(1);
            expect(hub.ocsfFinding(id)!.status_id).to.equal(2);
            expect(emitted.map(e => e["detail-type"])).to.deep.equal(["Findings Imported V2", EVENT_DETAIL_TYPE]);
        });
    });

    describe("provider imports of V2 events", () => {
        const reimport = (o: Parameters<typeof ocsfFindingEvent>[0]) => hub.importEvent(ocsfFindingEvent(o)).detail.findings[0];

        it("keeps status, comment and a severity set with BatchUpdateFindingsV2 across re-imports", async () => {
            const { identifier } = imported();
            const uid = identifier.FindingInfoUid;
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2, SeverityId: 2, Comment: "[securityhub-incidents] open: x" });
            const again = reimport({ uid, time: "2026-11-26T13:00:00.000Z" });
            expect(again).to.deep.include({ status_id: 2, status: "In Progress", severity_id: 2, severity: "Low", comment: "[securityhub-incidents] open: x", time_dt: "2026-11-26T13:00:00.000Z" });
            expect(hub.importsV2[hub.importsV2.length - 1]).to.deep.include({ uid, before: 2, after: 2, input: 1, reason: "kept" });
        });

        it("lets an input status other than New stand, with its comment", async () => {
            const { identifier } = imported();
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2, Comment: "ours" });
            expect(reimport({ uid: identifier.FindingInfoUid, statusId: 3, comment: "accepted risk" })).to.deep.include({ status_id: 3, status: "Suppressed", comment: "accepted risk" });
            expect(reimport({ uid: identifier.FindingInfoUid, statusId: 5 })).to.deep.include({ status_id: 5, status: "Archived", comment: "accepted risk" });
            expect(hub.importsV2.slice(-2).map(i => i.reason)).to.deep.equal(["set-in-account", "set-in-account"]);
        });

        it("resets In Progress or Resolved to New when compliance goes Pass → Fail, never Suppressed", async () => {
            const { identifier } = imported();
            const uid = identifier.FindingInfoUid;
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [identifier], StatusId: 2, Comment: "ours" });
            expect(reimport({ uid, compliance: "Pass" })).to.deep.include({ status_id: 4, status: "Resolved" });
            expect(hub.importsV2[hub.importsV2.length - 1].reason).to.equal("resolved-compliance-passed");
            expect(reimport({ uid, compliance: "Warning" })).to.deep.include({ status_id: 1, status: "New", comment: "ours" });
            expect(hub.importsV2[hub.importsV2.length - 1].reason).to.equal("reset-compliance");

            const suppressed = imported();
            await hub.batchUpdateFindingsV2({ FindingIdentifiers: [suppressed.identifier], StatusId: 3 });
            reimport({ uid: suppressed.identifier.FindingInfoUid, compliance: "Pass" });
            expect(reimport({ uid: suppressed.identifier.FindingInfoUid, compliance: "Fail" })).to.deep.include({ status_id: 3, status: "Suppressed" });
        });

        it("brings an archived finding back as New when it is imported New again", async () => {
            const { identifier } = imported();
            const uid = identifier.FindingInfoUid;
            reimport({ uid, statusId: 5 });
            expect(reimport({ uid, statusId: 1 })).to.deep.include({ status_id: 1, status: "New" });
            expect(hub.importsV2[hub.importsV2.length - 1]).to.deep.include({ before: 5, after: 1, reason: "reset-record-state" });
        });

        it("refuses a V2 event without a finding_info.uid, and stores the first import as given", () => {
            const bad = ocsfFindingEvent();
            delete bad.detail.findings[0].finding_info.uid;
            expect(() => hub.importEvent(bad)).to.throw(/Findings Imported V2 event has no detail.findings list of OCSF findings with a finding_info.uid/);
            const e = ocsfFindingEvent({ statusId: 2, time: "2026-11-29T00:00:00.000Z" });
            e.time = "2026-11-29T00:00:01Z";
            expect(hub.importEvent(e)).to.deep.equal(e);
            expect(hub.now).to.equal("2026-11-29T00:00:01Z");
            expect(hub.importsV2).to.deep.equal([{ uid: e.detail.findings[0].finding_info.uid, after: 2, input: 2, reason: "first-import", time: "2026-11-29T00:00:01Z" }]);
        });
    });
});
