import { expect } from "chai";
import { loadSettings } from "../lib/settings";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { NOTE_CLOSED_PREFIX, renderStateMachineDefinition, WorkflowInputs } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { IncidentBackend } from "../lib/config/backend";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { OpsCenterStandIn } from "../offline/opsCenterStandIn";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { Delivery, ReplayAccount } from "../offline/replayAccount";
import { stackRules } from "../offline/simulation";
import { stuckClaims } from "../offline/claims";
import { PROJECT_DIR } from "../offline/stackConfig";
import { at, findingEvent, findingId } from "./support/findings";

const PLAN = "arn:aws:ssm-incidents::111122223333:response-plan/p";
const COMMON = { dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, resolveIncidentsWithFindings: true };
const INPUTS: Record<IncidentBackend, Omit<WorkflowInputs, "tableName">> = {
    "incident-manager": { ...COMMON, responsePlanArn: PLAN },
    opscenter: {
        ...COMMON, incidentBackend: "opscenter",
        opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document" },
    },
};
const OTHER: Record<IncidentBackend, IncidentBackend> = { "incident-manager": "opscenter", opscenter: "incident-manager" };

/**
 * One account, one dedup table and one Security Hub: a first part of the findings replayed with one
 * backend, then `pulumi up` with the other (ReplayAccount.redeploy) and the rest. Findings linked
 * before the switch must open no duplicate, and every lifecycle event must end somewhere.
 */
describe("moving a stack from one backend to the other (docs/opscenter.md, Moving a stack between backends)", function () {
    this.timeout(300000);
    let dynamoDb: LocalDynamoDb;
    before(async () => {
        dynamoDb = await LocalDynamoDb.start();
    });
    after(async () => dynamoDb.stop());
    const settings = loadSettings(key => ({ resolveIncidentsWithFindings: "true" } as Record<string, string>)[key], PROJECT_DIR);

    for (const from of ["incident-manager", "opscenter"] as const) {
        const to = OTHER[from];
        it(`${from} → ${to}: no duplicate for linked findings, closures close the record and the Note, a re-open gets a new incident naming the old one`, async () => {
            const table = `move-${from}-${Date.now()}`;
            await dynamoDb.createDedupTable(table);
            const incidents = new IncidentManagerStandIn([PLAN]);
            const opsCenter = new OpsCenterStandIn("111122223333", "us-east-1");
            const account = new ReplayAccount({ definition: renderStateMachineDefinition({ ...INPUTS[from], tableName: table }), patterns: stackRules(settings), dynamoDb, incidents, opsCenter });
            const arnsOf = (backend: IncidentBackend) => backend === "incident-manager" ? incidents.incidents.map(i => i.incidentRecordArn) : opsCenter.opsItems.map(o => o.opsItemArn);
            const record = async (event: Record<string, any>) => (await dynamoDb.getItem(table, { FindingId: { S: event.detail.findings[0].Id } }))!;
            const ok = (d: Delivery) => d.runs.map(r => [r.status, r.error ?? ""]);
            const [a, b, c, d] = [0, 1, 2, 3].map(() => findingEvent({ id: findingId() }));

            // Before the switch: A, B and C open incidents; C's is resolved with it.
            const firstA = at(a, "2026-11-01T00:00:00Z");
            for (const e of [firstA, at(b, "2026-11-01T00:01:00Z"), at(c, "2026-11-01T00:02:00Z"), at(c, "2026-11-01T01:00:00Z", { compliance: "PASSED" })]) {
                expect(ok(await account.deliverFromInput(e))).to.deep.equal([["SUCCEEDED", ""]]);
            }
            const [incidentA, incidentB, incidentC] = arnsOf(from);
            expect(arnsOf(from)).to.have.length(3);

            account.redeploy(renderStateMachineDefinition({ ...INPUTS[to], tableName: table }));
            // A: a late redelivery stops as a duplicate, a re-import of the NOTIFIED finding matches no rule.
            const redelivered = await account.redeliver(firstA);
            expect(redelivered.runs.map(r => r.states.at(-1))).to.deep.equal(["DuplicateFinding"]);
            expect((await account.deliverFromInput(at(a, "2026-11-02T00:00:00Z"))).runs).to.deep.equal([]);
            // B closes: the record and the Note close, the old incident is named in the output and left to its backend.
            const closed = await account.deliverFromInput(at(b, "2026-11-02T00:01:00Z", { compliance: "PASSED" }));
            expect(ok(closed)).to.deep.equal([["SUCCEEDED", ""]]);
            expect(closed.runs[0].states).to.include("RecordClosed").and.not.include("AddClosedTimeline").and.not.include("ResolveIncident");
            expect((closed.runs[0].output as Record<string, unknown>).IncidentOfOtherBackend).to.equal(incidentB);
            expect((await record(b)).ClosedAs?.S).to.equal("resolved");
            expect(account.securityHub.finding(b.detail.findings[0].Id)!.Note!.Text.startsWith(NOTE_CLOSED_PREFIX)).to.equal(true);
            // Its later re-imports start nothing (the closed Note matches no rule).
            expect((await account.deliverFromInput(at(b, "2026-11-03T00:00:00Z", { compliance: "PASSED" }))).runs).to.deep.equal([]);
            // C re-opens: a new incident of the new backend, naming the old one.
            expect(ok(await account.deliverFromInput(at(c, "2026-11-02T00:02:00Z", { compliance: "FAILED" })))).to.deep.equal([["SUCCEEDED", ""]]);
            // D is new: an incident of the new backend.
            expect(ok(await account.deliverFromInput(at(d, "2026-11-02T00:03:00Z")))).to.deep.equal([["SUCCEEDED", ""]]);

            expect(arnsOf(from)).to.deep.equal([incidentA, incidentB, incidentC]);
            const [newC, newD] = arnsOf(to);
            expect(arnsOf(to)).to.have.length(2);
            expect([(await record(a)).IncidentArn.S, (await record(b)).IncidentArn.S, (await record(c)).IncidentArn.S, (await record(d)).IncidentArn.S]).to.deep.equal([incidentA, incidentB, newC, newD]);
            const named = to === "opscenter"
                ? opsCenter.opsItems[0].request.OperationalData!["securityhub-incidents:previous-incident"]?.Value
                : incidents.incidents[0].request.RelatedItems?.find(r => r.Identifier.Type === "INCIDENT")?.Identifier.Value.Arn;
            expect(named).to.equal(incidentC);
            // The old backend's open incidents stay open (A's, B's): the new stack does not call the old backend.
            expect(from === "incident-manager" ? incidents.incidents.map(i => i.status) : opsCenter.opsItems.map(o => o.status)).to.deep.equal(from === "incident-manager" ? ["OPEN", "OPEN", "RESOLVED"] : ["Open", "Open", "Resolved"]);
            expect(await stuckClaims(dynamoDb, table, "2026-11-03T00:00:00Z")).to.deep.equal([]);
        });
    }
});
