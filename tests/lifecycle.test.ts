import { expect } from "chai";
import { buildEventPattern, buildLifecyclePattern } from "../lib/eventPattern";
import { loadSettings } from "../lib/settings";
import { NOTE_AUTHOR, NOTE_CLOSED_PREFIX, NOTE_OPEN_PREFIX, renderStateMachineDefinition, requiredTaskPermissions, TASK_INTEGRATIONS, WorkflowInputs, WRITE_BACK_ATTEMPTS } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { Delivery, failedExecutions, ReplayAccount, retryFailedExecutions } from "../offline/replayAccount";
import { PROJECT_DIR } from "../offline/stackConfig";
import { ACCOUNT, at, findingEvent } from "./support/findings";

const TABLE = "securityhub-incidents-lifecycle";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test`;
const INPUTS: WorkflowInputs = { tableName: TABLE, responsePlanArn: PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY } };
const HOUR = 3600 * 1000;

const statesOf = (d: Delivery) => d.runs.map(r => r.states);
const allRuns = (d: Delivery): Delivery["runs"] => [...d.runs, ...d.echoes.flatMap(allRuns)];

describe("a finding's whole life, replayed offline (write-back, resolution, re-open)", function () {
    let dynamoDb: LocalDynamoDb;
    const workflows: ReplayAccount["workflow"][] = [];

    before(async () => {
        dynamoDb = await LocalDynamoDb.start();
    });
    after(async () => dynamoDb.stop());

    let tables = 0;
    /** A fresh account per test: its own table, Incident Manager and Security Hub. */
    async function account(options: Partial<WorkflowInputs> = {}, resolveIncidentsAfterMs?: number) {
        const table = `${TABLE}-${++tables}`;
        await dynamoDb.createDedupTable(table);
        const incidents = new IncidentManagerStandIn([PLAN]);
        const definition = renderStateMachineDefinition({ ...INPUTS, tableName: table, ...options });
        const settings = loadSettings(() => undefined, PROJECT_DIR);
        incidents.respondersResolveAfterMs = resolveIncidentsAfterMs;
        const replay = new ReplayAccount({
            definition,
            patterns: { findings: buildEventPattern(settings), lifecycle: buildLifecyclePattern() },
            dynamoDb,
            incidents,
        });
        workflows.push(replay.workflow);
        const record = (id: string) => dynamoDb.getItem(table, { FindingId: { S: id } });
        return { replay, incidents, record, sh: replay.securityHub };
    }

    it("marks a new finding NOTIFIED with its incident in the note; the echo and later re-imports start nothing", async () => {
        const { replay, incidents, record, sh } = await account();
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        const opened = await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        expect(opened.rule).to.equal("findings");
        expect(statesOf(opened)).to.deep.equal([["Route", "ClaimFinding", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", "NotifyFinding", "Notified", "RecordIncident"]]);
        const [incident] = incidents.incidents;
        const stored = sh.finding(id)!;
        expect(stored.Workflow.Status).to.equal("NOTIFIED");
        expect(stored.Note.Text.startsWith(`${NOTE_OPEN_PREFIX} incident ${incident.incidentRecordArn}`)).to.equal(true);
        expect(stored.Note.Text).to.include("https://console.aws.amazon.com/systems-manager/incidents/home");
        expect(stored.Note.UpdatedBy).to.equal(NOTE_AUTHOR);
        // Security Hub's event for the update is filtered by both rules.
        expect(opened.echoes).to.have.length(1);
        expect(opened.echoes[0].rule).to.equal(undefined);
        const item = (await record(id))!;
        expect(item.IncidentArn.S).to.equal(incident.incidentRecordArn);
        expect(item.NoteText.S).to.equal(stored.Note.Text);
        expect(item.NotifiedAt.S).to.equal("2026-11-01T00:00:00.000Z");
        expect(item).not.to.have.property("ExpiresAt");

        // Twice a day for a month: every re-import carries NOTIFIED and stops at the rule.
        for (let day = 1; day <= 30; day++) {
            for (const hour of ["00", "12"]) {
                const again = await replay.deliverFromInput(at(first, `2026-11-${String(day + 1).padStart(2, "0")}T${hour}:00:00Z`.replace("-11-31", "-12-01")));
                expect(again.rule).to.equal(undefined);
                expect(again.filteredBy).to.equal("detail.findings.Workflow.Status");
            }
        }
        expect(incidents.incidents).to.have.length(1);
    });

    for (const [kind, change] of [
        ["resolved", { compliance: "PASSED" }],
        ["suppressed", { workflow: "SUPPRESSED" }],
        ["archived", { record: "ARCHIVED" }],
    ] as const) {
        it(`adds a timeline event when the finding is ${kind}, closes the note, and starts nothing for later re-imports`, async () => {
            const { replay, incidents, record, sh } = await account();
            const first = findingEvent();
            const id = first.detail.findings[0].Id;
            await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
            const closed = await replay.deliverFromInput(at(first, "2026-11-03T06:00:00Z", change));
            expect(closed.rule).to.equal("lifecycle");
            expect(closed.runs[0].cause).to.equal(undefined);
            expect(statesOf(closed)).to.deep.equal([["Route", "ReadLinkedRecord", "Linked", "AddClosedTimeline", "RecordClosed", "CloseNote", "NoteClosed", "ClosedWithNote"]]);
            const [incident] = incidents.incidents;
            expect(incident.timeline).to.have.length(1);
            expect(incident.timeline[0]).to.deep.include({ eventType: "Custom Event", eventTime: "2026-11-03T06:00:00Z" });
            expect(incident.timeline[0].eventData).to.include(`Security Hub finding ${id} was ${kind}.`);
            expect(incident.status).to.equal("OPEN");
            expect(sh.finding(id)!.Note.Text).to.equal(`${NOTE_CLOSED_PREFIX} incident ${incident.incidentRecordArn}; finding ${kind} 2026-11-03T06:00:00Z`);
            const item = (await record(id))!;
            expect(item.ClosedAs.S).to.equal(kind);
            expect(Number(item.ExpiresAt.N)).to.equal(Date.parse("2026-11-03T06:00:00Z") / 1000 + 365 * 86400);
            // The note-rewrite's own event, and every later re-import of the closed finding, match no rule.
            expect(closed.echoes.map(e => e.rule)).to.deep.equal([undefined]);
            const later = await replay.deliverFromInput(at(first, "2026-11-04T06:00:00Z", change));
            expect(later.rule).to.equal(undefined);
            expect(incidents.incidents[0].timeline).to.have.length(1);
        });
    }

    it("resolves the incident with its finding when resolveIncidentsWithFindings is on", async () => {
        const { replay, incidents } = await account({ resolveIncidentsWithFindings: true });
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        const closed = await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        expect(statesOf(closed)).to.deep.equal([["Route", "ReadLinkedRecord", "Linked", "AddClosedTimeline", "OnRollup", "ResolveIncident", "ReadRunbooks", "AnyRunbookLeft", "StopRunbook", "AnyRunbookLeft", "RecordClosed", "CloseNote", "NoteClosed", "ClosedWithNote"]]);
        expect(incidents.incidents[0]).to.deep.include({ status: "RESOLVED", resolvedTime: "2026-11-02T00:00:00.000Z" });
        // The plan's runbook, paused since the incident opened, is stopped with it.
        expect(incidents.automation.executions.map(e => [e.status, e.endTime])).to.deep.equal([["Cancelled", "2026-11-02T00:00:00.000Z"]]);
        expect(incidents.automation.running()).to.equal(0);
    });

    it("re-opened while its incident is open: a timeline event and NOTIFIED again, no new incident", async () => {
        const { replay, incidents, record, sh } = await account();
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-01T00:20:00Z", { compliance: "PASSED" }));
        // Broken again 40 minutes later: Security Hub resets RESOLVED to NEW (the Note stays).
        const reopened = await replay.deliverFromInput(at(first, "2026-11-01T01:00:00Z", { compliance: "FAILED" }));
        expect(sh.lastImport!.reason).to.equal("reset-compliance");
        expect(reopened.rule).to.equal("findings");
        expect(statesOf(reopened)).to.deep.equal([["Route", "ClaimFinding", "ReadRecord", "Decide", "CheckIncident", "IncidentStillOpen", "AddReopenedTimeline", "ReopenEscalates", "NotifyFinding", "Notified", "RecordIncident"]]);
        expect(incidents.incidents).to.have.length(1);
        const [incident] = incidents.incidents;
        expect(incident.timeline.map(e => e.eventData.split(" was ")[1].split(/[.:]/)[0])).to.deep.equal(["resolved", "re-opened"]);
        expect(sh.finding(id)!.Workflow.Status).to.equal("NOTIFIED");
        expect(sh.finding(id)!.Note.Text).to.include("; finding re-opened 2026-11-01T01:00:00Z");
        expect((await record(id))!.NoteText.S).to.equal(sh.finding(id)!.Note.Text);
        expect((await record(id))!).not.to.have.property("ClosedAt");
    });

    it("re-opened after its incident was resolved: one new incident linking the previous one; the record keeps the history", async () => {
        const { replay, incidents, record, sh } = await account({}, 72 * HOUR);
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        // Responders resolved the incident 72 h after it opened; ten days later the control fails again.
        const reopened = await replay.deliverFromInput(at(first, "2026-11-12T00:00:00Z", { compliance: "FAILED" }));
        expect(statesOf(reopened)).to.deep.equal([["Route", "ClaimFinding", "ReadRecord", "Decide", "CheckIncident", "IncidentStillOpen", "ReclaimForReopen", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", "NotifyFinding", "Notified", "RecordIncident"]]);
        expect(incidents.incidents).to.have.length(2);
        const [previous, next] = incidents.incidents;
        expect(previous).to.deep.include({ status: "RESOLVED", resolvedTime: "2026-11-04T00:00:00.000Z" });
        const link = next.request.RelatedItems!.find(r => r.Title === "Previous incident")!;
        expect(link.Identifier).to.deep.equal({ Type: "INCIDENT", Value: { Arn: previous.incidentRecordArn } });
        const item = (await record(id))!;
        expect(item.IncidentArn.S).to.equal(next.incidentRecordArn);
        expect(item.PreviousIncidentArns.L).to.deep.equal([{ S: previous.incidentRecordArn }]);
        expect(sh.finding(id)!.Note.Text).to.include(next.incidentRecordArn);
    });

    it("fails without a second incident when the old incident's status cannot be read, and the retry re-opens on it", async () => {
        const { replay, incidents } = await account();
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        incidents.failAlways("InternalServerException", "getIncidentRecord");
        const reopened = await replay.deliverFromInput(at(first, "2026-11-03T00:00:00Z", { compliance: "FAILED" }));
        expect(reopened.runs[0].status).to.equal("FAILED");
        expect(reopened.runs[0].states).not.to.include("ReclaimForReopen");
        expect(incidents.callsOf.getIncidentRecord).to.equal(7);
        expect(incidents.incidents).to.have.length(1);
        incidents.recover();
        const retried = await retryFailedExecutions(replay, failedExecutions(reopened), { attempts: 3, delaySeconds: 900 });
        expect(retried.retries).to.equal(1);
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].timeline.map(e => e.eventData)).to.satisfy((data: string[]) => data.some(d => d.includes("was re-opened")));
    });

    it("opens a new linked incident when the old incident no longer exists", async () => {
        const { replay, incidents } = await account();
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        incidents.failNext("ResourceNotFoundException", 1, "getIncidentRecord");
        const reopened = await replay.deliverFromInput(at(first, "2026-11-03T00:00:00Z", { compliance: "FAILED" }));
        expect(reopened.runs[0].status).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(2);
    });

    it("does not take a redelivered or stale NEW event for a re-open", async () => {
        const { replay, incidents, sh } = await account();
        const first = at(findingEvent(), "2026-11-01T00:00:00Z");
        const id = first.detail.findings[0].Id;
        await replay.deliverFromInput(first);
        // EventBridge delivers the very first event again (NEW, no note of ours).
        const redelivered = await replay.redeliver(first);
        expect(statesOf(redelivered)).to.deep.equal([["Route", "ClaimFinding", "ReadRecord", "Decide", "DuplicateFinding"]]);
        // A re-import that raced the NOTIFIED update: NEW, without our note, updated minutes later.
        const raced = await replay.redeliver(at(first, "2026-11-01T00:05:00Z"));
        expect(statesOf(raced)[0].pop()).to.equal("DuplicateFinding");
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].timeline).to.have.length(0);
        expect(sh.finding(id)!.Workflow.Status).to.equal("NOTIFIED");
        // Hours later with no note of ours (a person rewrote it): Security Hub must have reset it.
        const later = await replay.redeliver(at(first, "2026-11-01T03:00:00Z"));
        expect(statesOf(later)[0]).to.include("AddReopenedTimeline");
    });

    it("handles a re-open delivered five times at once exactly once", async () => {
        const { replay, incidents } = await account({}, HOUR);
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        dynamoDb.jitterMs = 10;
        const reopened = await replay.deliverFromInput(at(first, "2026-11-03T00:00:00Z", { compliance: "FAILED" }), 5).finally(() => { dynamoDb.jitterMs = 0; });
        expect(reopened.runs.every(r => r.status === "SUCCEEDED")).to.equal(true);
        expect(reopened.runs.filter(r => r.states.includes("OpenIncident"))).to.have.length(1);
        expect(incidents.incidents).to.have.length(2);
    });

    it("retries a throttled and a partially failed write-back, never doubling the incident", async () => {
        const { replay, incidents, sh } = await account();
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        sh.failNext("LimitExceededException", 2);
        const throttled = await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        expect(throttled.runs[0].status).to.equal("SUCCEEDED");
        // Route, ClaimFinding, InProblemGroup, ReserveSlot, ReserveGlobalSlot, OwnOrProblem, OpenIncident, NotifyFinding, Notified, RecordIncident; two retries.
        expect(throttled.runs[0].transitions).to.equal(10 + 2);

        const second = findingEvent();
        sh.unprocessNext("ConcurrentUpdateError", WRITE_BACK_ATTEMPTS - 1);
        const partial = await replay.deliverFromInput(at(second, "2026-11-01T00:00:00Z"));
        expect(partial.runs[0].status).to.equal("SUCCEEDED");
        // Each unprocessed answer: Notified, WaitToNotifyAgain, NotifyFinding again.
        expect(partial.runs[0].transitions).to.equal(10 + 3 * (WRITE_BACK_ATTEMPTS - 1));
        expect(sh.finding(second.detail.findings[0].Id)!.Workflow.Status).to.equal("NOTIFIED");
        expect(incidents.incidents).to.have.length(2);
        expect(sh.finding(id)!.Workflow.Status).to.equal("NOTIFIED");
    });

    it("fails (alarm) when the write-back never succeeds, keeps the one incident, and finishes the write-back on the next re-import", async () => {
        const { replay, incidents, record, sh } = await account();
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        sh.unprocessNext("ConcurrentUpdateError", WRITE_BACK_ATTEMPTS);
        const failed = await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        expect(failed.runs[0]).to.deep.include({ status: "FAILED", error: "FindingNotNotified" });
        expect(failed.runs[0].cause).to.include("UnprocessedFindings: ConcurrentUpdateError");
        const again = Array.from({ length: WRITE_BACK_ATTEMPTS - 1 }, () => ["NotifyFinding", "Notified", "WaitToNotifyAgain"]).flat();
        expect(failed.runs[0].states).to.deep.equal(["Route", "ClaimFinding", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", ...again, "NotifyFinding", "Notified", "RecordIncidentNotNotified", "FindingNotNotified"]);
        expect(sh.calls).to.equal(WRITE_BACK_ATTEMPTS);
        expect(incidents.incidents).to.have.length(1);
        expect((await record(id))!.IncidentArn.S).to.equal(incidents.incidents[0].incidentRecordArn);
        expect((await record(id))!).to.have.property("ExpiresAt");

        const next = await replay.deliverFromInput(at(first, "2026-11-01T12:00:00Z"));
        expect(statesOf(next)).to.deep.equal([["Route", "ClaimFinding", "ReadRecord", "Decide", "NotifyFinding", "Notified", "RecordIncident"]]);
        expect(incidents.incidents).to.have.length(1);
        expect(sh.finding(id)!.Note.Text).to.include(incidents.incidents[0].incidentRecordArn);
    });

    it("costs three executions for a finding life with one fix and one re-open, re-imported twice a day", async () => {
        const { replay } = await account({}, 24 * HOUR);
        const first = findingEvent();
        let executions = 0;
        let transitions = 0;
        const count = (d: Delivery) => allRuns(d).forEach(r => { executions++; transitions += r.transitions; });
        const day = (n: number, hour: string) => new Date(Date.parse("2026-11-01T00:00:00Z") + n * 24 * HOUR + Number(hour) * HOUR).toISOString();
        for (let n = 0; n < 30; n++) {
            for (const hour of ["00", "12"]) {
                const compliance = n < 10 ? "FAILED" : n < 20 ? "PASSED" : "FAILED";
                count(await replay.deliverFromInput(at(first, day(n, hour), { compliance })));
            }
        }
        expect(executions).to.equal(3);
        // Open 10, close 8 (Route, ReadLinkedRecord, Linked, AddClosedTimeline, RecordClosed, CloseNote, NoteClosed, ClosedWithNote), re-open 15
        // (each with InProblemGroup and OwnOrProblem: problem groups are on, this finding is in none).
        expect(transitions).to.equal(10 + 8 + 15);
    });

    it("without notifyFindings runs the workflow of old: no write-back, no lifecycle states", async () => {
        const { replay, sh } = await account({ notifyFindings: false });
        const first = findingEvent();
        const opened = await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        expect(statesOf(opened)).to.deep.equal([["ClaimFinding", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", "RecordIncident"]]);
        expect(sh.calls).to.equal(0);
        expect(statesOf(await replay.deliverFromInput(at(first, "2026-11-01T12:00:00Z")))).to.deep.equal([["ClaimFinding", "DuplicateFinding"]]);
    });

    it("gives back a first claim or a re-open lock when StartIncident fails, and tries again on the next event", async () => {
        const { replay, incidents, record } = await account({}, HOUR);
        const first = findingEvent();
        const id = first.detail.findings[0].Id;
        incidents.failNext("AccessDeniedException");
        const failed = await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        expect(failed.runs[0].states).to.deep.equal(["Route", "ClaimFinding", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect((await record(id))?.ClaimedBy).to.equal(undefined);
        await replay.deliverFromInput(at(first, "2026-11-01T12:00:00Z"));
        await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        incidents.failNext("AccessDeniedException");
        const reopen = await replay.deliverFromInput(at(first, "2026-11-03T00:00:00Z", { compliance: "FAILED" }));
        expect(reopen.runs[0].states.slice(-4)).to.deep.equal(["OpenIncident", "WhichClaim", "ReleaseReopen", "IncidentNotOpened"]);
        expect((await record(id))!).not.to.have.property("ReopeningBy");
        expect((await record(id))!.IncidentArn.S).to.equal(incidents.incidents[0].incidentRecordArn);
        // The finding is still NEW in Security Hub: the next re-import re-opens it.
        const retried = await replay.deliverFromInput(at(first, "2026-11-03T12:00:00Z", { compliance: "FAILED" }));
        expect(retried.runs[0].states).to.include("OpenIncident");
        expect(incidents.incidents).to.have.length(2);
    });

    it("tells a roll-up when one of its attached findings is resolved", async () => {
        const { replay, incidents, sh } = await account({ storms: { stormThreshold: 1 } });
        const [first, second] = [findingEvent(), findingEvent()];
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        const attached = await replay.deliverFromInput(at(second, "2026-11-01T00:05:00Z"));
        expect(attached.runs[0].states).to.include.members(["OpenRollup", "AttachFinding", "AddRelatedItem", "AddAttachedTimeline", "NotifyFinding"]);
        const rollup = incidents.incidents[1];
        expect(sh.finding(second.detail.findings[0].Id)!.Note.Text).to.include(`incident ${rollup.incidentRecordArn} (roll-up #storm|control|S3.8|`);
        const closed = await replay.deliverFromInput(at(second, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        expect(closed.rule).to.equal("lifecycle");
        expect(rollup.timeline.map(e => e.eventData.includes(" was resolved.") ? "resolved" : "attached")).to.deep.equal(["attached", "resolved"]);
        expect(incidents.incidents[0].timeline).to.have.length(0);
    });

    it("called exactly the integrations its IAM policy grants", () => {
        const called = new Set(workflows.flatMap(w => [...w.calledResources].map(r => TASK_INTEGRATIONS[r].action)));
        const granted = new Set(workflows.flatMap(w => Object.values(requiredTaskPermissions(w.definition)).flat()));
        expect([...called].sort()).to.deep.equal([...granted].sort());
    });
});
