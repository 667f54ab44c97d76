/**
 * Escalation races (issue 16, item 7): a more severe copy of a finding arriving while another
 * execution is still opening the finding's incident, or while the finding is being closed. Run on
 * both backends, on the rendered definition, against dynalite and the stand-ins. The interleaving
 * is forced, not left to chance: the test holds chosen DynamoDB calls until the other execution has
 * reached a given point, so each case runs the same way every time.
 *
 * Findings: awsdocs-service-guides/guardduty-typical-finding.current-docs.json (ASFF, MEDIUM, NEW)
 * and its OCSF twin, derived from sumologic-docs-v2/security-hub-ocsf.sample-log-message.json (a
 * real GuardDuty "Findings Imported V2" finding): its finding_info.uid set to the ASFF copy's Id
 * (the same finding in both formats), status_id 1 New without a comment (a first import), and
 * severity_id 4 High (the copy that arrives more severe).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings, workflowSettingsOf } from "../lib/settings";
import { ESCALATION_WAITS, renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { OpsCenterStandIn } from "../offline/opsCenterStandIn";
import { ReplayAccount } from "../offline/replayAccount";
import { simulate, stackRules } from "../offline/simulation";
import { PROJECT_DIR } from "../offline/stackConfig";
import { corpusFindings, eventOf } from "./support/corpus";
import { runScript } from "./support/scripts";

const PLAN = "arn:aws:ssm-incidents::123456789012:response-plan/securityhub-incidents-test";
const BACKENDS = ["incident-manager", "opscenter"] as const;
type Backend = (typeof BACKENDS)[number];

const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
/** The OCSF twin (derived, see above). */
function ocsfTwin(severityId = 4): Record<string, any> {
    const [published] = corpusFindings("sumologic-docs-v2/security-hub-ocsf.sample-log-message.json");
    const twin = JSON.parse(JSON.stringify(published));
    twin.finding_info.uid = guardDuty.Id;
    twin.status_id = 1;
    twin.status = "New";
    delete twin.comment;
    twin.severity_id = severityId;
    twin.severity = ["Unknown", "Informational", "Low", "Medium", "High", "Critical"][severityId];
    return twin;
}

/** One promise to resolve from outside. */
function signal(): { promise: Promise<void>; fire: () => void } {
    let fire!: () => void;
    const promise = new Promise<void>(resolve => { fire = resolve; });
    return { promise, fire };
}

describe("escalation races (a more severe copy while the incident is opened or closed), both backends", function () {
    this.timeout(120000);
    let dynamoDb: LocalDynamoDb;
    let tables = 0;
    let call: LocalDynamoDb["call"];
    before(async () => {
        dynamoDb = await LocalDynamoDb.start();
        call = dynamoDb.call.bind(dynamoDb);
    });
    afterEach(() => { dynamoDb.call = call; });
    after(async () => dynamoDb.stop());

    const settingsOf = (backend: Backend, extra: Record<string, string> = {}) => loadSettings(key => ({
        incidentBackend: backend, findingFormats: '["ASFF","OCSF"]', productNames: '["Security Hub","GuardDuty"]',
        severityLabels: '["CRITICAL","HIGH","MEDIUM"]', ...extra,
    } as Record<string, string>)[key], PROJECT_DIR);

    async function account(backend: Backend, extra: Record<string, string> = {}) {
        const table = `escalation-${++tables}`;
        await dynamoDb.createDedupTable(table);
        const settings = settingsOf(backend, extra);
        const incidents = new IncidentManagerStandIn([PLAN]);
        const opsCenter = backend === "opscenter" ? new OpsCenterStandIn("123456789012", "us-east-1") : undefined;
        const replay = new ReplayAccount({
            definition: renderStateMachineDefinition({ tableName: table, ...(backend === "incident-manager" ? { responsePlanArn: PLAN } : {}), ...workflowSettingsOf(settings, "runbook-document") }),
            patterns: stackRules(settings), dynamoDb, incidents, opsCenter,
        });
        /** The incident's (or OpsItem's) impact now, and how many there are. */
        const incident = () => opsCenter
            ? { count: opsCenter.opsItems.length, impact: opsCenter.opsItems[0]?.request.Priority, severity: opsCenter.opsItems[0]?.request.Severity }
            : { count: incidents.incidents.length, impact: incidents.incidents[0]?.request.Impact, severity: undefined };
        return { replay, incidents, opsCenter, incident, record: () => dynamoDb.getItem(table, { FindingId: { S: guardDuty.Id } }) };
    }

    const isClaim = (op: string, r: Record<string, unknown>) => op === "UpdateItem" && String(r.UpdateExpression).startsWith("SET FullFindingId");
    const isLink = (op: string, r: Record<string, unknown>) => op === "UpdateItem" && String(r.UpdateExpression).startsWith("SET IncidentArn");

    /** Answers claims as they come; `claimed` fires once the first claim has been answered (or failed). */
    function firstClaim() {
        const claimed = signal();
        let claims = 0;
        const answer = async (op: string, r: Record<string, unknown>) => {
            const n = ++claims;
            try {
                return await call(op, r);
            } finally {
                if (n === 1) claimed.fire();
            }
        };
        return { claimed, answer };
    }

    /**
     * Orders a race through DynamoDB: the first claim goes through (the returned signal fires after
     * it); the opener's next calls wait until the twin has read the record once; the twin's later
     * reads wait until the opener's first call matching `until` has been answered (or failed).
     */
    function holdTwinUntil(until: (op: string, r: Record<string, unknown>) => boolean): Promise<void> {
        const first = firstClaim(), twinRead = signal(), done = signal();
        let reads = 0;
        dynamoDb.call = async (op, r) => {
            if (op === "GetItem") {
                const n = ++reads;
                if (n > 1) await done.promise;
                const result = await call(op, r);
                if (n === 1) twinRead.fire();
                return result;
            }
            if (isClaim(op, r)) return first.answer(op, r);
            await twinRead.promise;
            try {
                return await call(op, r);
            } finally {
                if (until(op, r)) done.fire();
            }
        };
        return first.claimed.promise;
    }

    for (const backend of BACKENDS) {
        it(`${backend}: the OCSF twin arriving more severe while its ASFF copy is opening the incident waits for it and raises it once; one incident`, async () => {
            const { replay, incident, record } = await account(backend);
            // The ASFF copy claims first; its next calls wait until the twin has read the record (a
            // claim, no incident yet); the twin's next read waits until the ASFF copy linked the incident.
            const claimed = holdTwinUntil(isLink);
            const first = replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
            await claimed;
            const second = replay.deliverFromInput(eventOf(ocsfTwin(), "2026-11-01T00:00:00Z"));
            const [asff, ocsf] = await Promise.all([first, second]);
            expect(asff.runs[0].status, asff.runs[0].cause).to.equal("SUCCEEDED");
            expect(asff.runs[0].states).to.include("RecordIncident");
            expect(ocsf.runs[0].status, ocsf.runs[0].cause).to.equal("SUCCEEDED");
            expect(ocsf.runs[0].states.slice(0, 11)).to.deep.equal(["Route", "ClaimFinding", "ReadRecord", "Decide", "WaitForOpener", "ReadRecord", "Decide", "EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "EscalatedThen"]);
            expect(ocsf.runs[0].states).to.include("NotifyFindingV2");
            // One incident, opened at MEDIUM (3), raised to HIGH's impact (2); the record says so.
            const now = incident();
            expect(now.count).to.equal(1);
            expect(now.impact).to.equal(backend === "opscenter" ? DEFAULT_OPS_ITEM_PRIORITY.HIGH : 2);
            if (backend === "opscenter") expect(now.severity).to.equal(DEFAULT_OPS_ITEM_SEVERITY.HIGH);
            const item = (await record())!;
            expect([item.Impact.N, item.NotifiedFormats.SS.sort()]).to.deep.equal(["2", ["ASFF", "OCSF"]]);
        });
    }

    it("incident-manager: a twin that waited ESCALATION_WAITS times fails EscalationPending holding nothing; the retry of failed executions raises the incident", async () => {
        const { replay, incident } = await account("incident-manager");
        // The ASFF copy is held right after its claim until the twin's execution has ended.
        const { claimed, answer } = firstClaim(), twinDone = signal();
        dynamoDb.call = async (op, r) => {
            if (isClaim(op, r)) return answer(op, r);
            if (op !== "GetItem") await twinDone.promise;
            return call(op, r);
        };
        const first = replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
        await claimed.promise;
        const twin = await replay.deliverFromInput(eventOf(ocsfTwin(), "2026-11-01T00:00:00Z"));
        twinDone.fire();
        const asff = await first;
        expect(asff.runs[0].status, asff.runs[0].cause).to.equal("SUCCEEDED");
        const run = twin.runs[0];
        expect([run.status, run.error]).to.deep.equal(["FAILED", "EscalationPending"]);
        // Route, ClaimFinding, ReadRecord, Decide, then each wait (WaitForOpener, ReadRecord, Decide), then the Fail state.
        expect(run.states.filter(s => s === "WaitForOpener")).to.have.length(ESCALATION_WAITS);
        expect(run.transitions).to.equal(4 + 3 * ESCALATION_WAITS + 1);
        expect(incident()).to.deep.include({ count: 1, impact: 3 });
        // The retry, 15 minutes later (lib/failedExecutionRetry.ts), finds the incident linked and raises it.
        const retry = await replay.startExecution(twin.event, "2026-11-01T00:15:00.000Z");
        expect(retry.runs[0].status, retry.runs[0].cause).to.equal("SUCCEEDED");
        expect(retry.runs[0].states).to.include.members(["EscalateIncident", "RecordEscalation", "NotifyFindingV2"]);
        expect(incident()).to.deep.include({ count: 1, impact: 2 });
    });

    it("incident-manager: when the copy opening the incident gives its claim back (StartIncident refused), the waiting twin claims and opens it at its own severity; the retry adds no second", async () => {
        const { replay, incidents, incident } = await account("incident-manager");
        incidents.failNext("AccessDeniedException");
        // The ASFF copy claims; its next calls wait until the twin has read the claim; the twin's
        // next read waits until the ASFF copy gave its claim back.
        const claimed = holdTwinUntil((_op, r) => String(r.UpdateExpression).startsWith("REMOVE ClaimedBy"));
        const first = replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
        await claimed;
        const second = replay.deliverFromInput(eventOf(ocsfTwin(), "2026-11-01T00:00:00Z"));
        const [asff, ocsf] = await Promise.all([first, second]);
        expect([asff.runs[0].status, asff.runs[0].error]).to.deep.equal(["FAILED", "SsmIncidents.AccessDeniedException"]);
        expect(asff.runs[0].states).to.include("ReleaseClaim");
        expect(ocsf.runs[0].status, ocsf.runs[0].cause).to.equal("SUCCEEDED");
        expect(ocsf.runs[0].states.slice(0, 8)).to.deep.equal(["Route", "ClaimFinding", "ReadRecord", "Decide", "WaitForOpener", "ReadRecord", "Decide", "ClaimFinding"]);
        expect(incident()).to.deep.include({ count: 1, impact: 2 });
        // The retry of the failed ASFF execution finds the incident and only writes its copy back.
        const retry = await replay.startExecution(asff.event, "2026-11-01T00:15:00.000Z");
        expect(retry.runs[0].status, retry.runs[0].cause).to.equal("SUCCEEDED");
        expect(retry.runs[0].states).to.include("NotifyFinding").and.not.include("OpenIncident");
        expect(incident()).to.deep.include({ count: 1, impact: 2 });
    });

    for (const backend of BACKENDS) {
        it(`${backend}: a more severe update read while its finding is being closed raises nothing on the record, opens nothing, and the close completes`, async () => {
            const { replay, incident, record, incidents, opsCenter } = await account(backend, { resolveIncidentsWithFindings: "true" });
            const opened = await replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
            expect(opened.runs[0].status, opened.runs[0].cause).to.equal("SUCCEEDED");
            // Derived: GuardDuty updates the finding at HIGH within the hour (an escalation), while
            // someone archives it in Security Hub (the close). The escalation reads the open record,
            // then waits at RecordEscalation until the close has recorded ClosedAt and ended.
            const closeDone = signal();
            dynamoDb.call = async (op, r) => {
                if (op === "UpdateItem" && String((r as Record<string, any>).UpdateExpression) === "SET Impact = :impact") await closeDone.promise;
                return call(op, r);
            };
            const high = eventOf({ ...guardDuty, Severity: { ...guardDuty.Severity, Label: "HIGH", Normalized: 70 }, UpdatedAt: "2026-11-01T00:10:00Z", LastObservedAt: "2026-11-01T00:10:00Z" }, "2026-11-01T00:10:00Z");
            const escalating = replay.deliverFromInput(high);
            // The archive carries our Note (Security Hub keeps it), so the lifecycle rule closes it.
            const archived = await replay.deliverFromInput(eventOf({ ...guardDuty, RecordState: "ARCHIVED", UpdatedAt: "2026-11-01T00:10:01Z" }, "2026-11-01T00:10:01Z"));
            closeDone.fire();
            const escalation = await escalating;
            expect(archived.runs[0].status, archived.runs[0].cause).to.equal("SUCCEEDED");
            expect(archived.runs[0].states).to.include.members(["ReadLinkedRecord", "ResolveIncident", "RecordClosed"]);
            expect(escalation.runs[0].status, escalation.runs[0].cause).to.equal("SUCCEEDED");
            expect(escalation.runs[0].states).to.deep.equal(["Route", "ReadRecord", "Decide", "EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "EscalatedThen", "DuplicateFinding"]);
            // One incident, resolved; the record stays closed and keeps the impact it was opened with.
            expect(incident().count).to.equal(1);
            const status = opsCenter ? opsCenter.opsItems[0].status : incidents.incidents[0].status;
            expect(status).to.equal(opsCenter ? "Resolved" : "RESOLVED");
            const item = (await record())!;
            expect(item.ClosedAt?.S).to.be.a("string");
            expect(item.Impact.N).to.equal("3");
        });
    }

    it("simulate counts the incidents escalated and shows the raised impact per incident, on both backends", async () => {
        for (const backend of BACKENDS) {
            const events = [eventOf(guardDuty, "2026-11-01T00:00:00Z"), eventOf(ocsfTwin(), "2026-11-01T00:05:00Z")];
            const report = await simulate({ settings: settingsOf(backend), stack: "dev", events: events.map((event, i) => ({ event, source: `e${i}`, findingId: guardDuty.Id })) });
            expect(report.failures, backend).to.deep.equal([]);
            expect(report.incidents, backend).to.have.length(1);
            const [only] = report.incidents;
            expect(report.escalated, backend).to.equal(1);
            expect(only.impact).to.equal(backend === "opscenter" ? DEFAULT_OPS_ITEM_PRIORITY.MEDIUM : 3);
            expect(only.escalated, backend).to.deep.equal({
                impact: backend === "opscenter" ? DEFAULT_OPS_ITEM_PRIORITY.HIGH : 2, times: 1, at: "2026-11-01T00:05:00Z",
                ...(backend === "opscenter" ? { severity: DEFAULT_OPS_ITEM_SEVERITY.HIGH } : {}),
            });
            expect(report.timelineEvents.map(e => e.kind), backend).to.deep.equal(["escalated"]);
        }
    });

    it("npm run simulate prints the escalation in the summary and under the incident", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simulate-escalation-"));
        try {
            // The corpus' GuardDuty finding and its OCSF twin (derived, see the top), as two event files.
            fs.writeFileSync(path.join(dir, "asff.json"), JSON.stringify(eventOf(guardDuty, "2026-11-01T00:00:00Z")));
            fs.writeFileSync(path.join(dir, "ocsf.json"), JSON.stringify(eventOf(ocsfTwin(), "2026-11-01T00:05:00Z")));
            const stack = path.join(dir, "Pulumi.escalation.yaml");
            fs.writeFileSync(stack, [
                "config:", "  securityhub-incidents:findingFormats: [ASFF, OCSF]", "  securityhub-incidents:productNames: [Security Hub, GuardDuty]",
                "  securityhub-incidents:severityLabels: [CRITICAL, HIGH, MEDIUM]", "",
            ].join("\n"));
            const run = runScript("simulate", ["--stack-file", stack, path.join(dir, "asff.json"), path.join(dir, "ocsf.json")]);
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.match(/^ {2}escalated {13}1 incident \(impact raised by a more severe copy of a finding\)$/m);
            expect(run.stdout).to.include("  impact 3  ");
            expect(run.stdout).to.include("escalated: impact 2 (from 3; once, last at 2026-11-01T00:05:00Z; the plan stays)");
            expect(run.stdout).to.match(/^ {2}2026-11-01T00:05:00Z {2}escalated {2}/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
