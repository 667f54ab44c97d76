import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { StateMachine } from "aws-local-stepfunctions";
import { buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { NOTE_CLOSED_PREFIX, NOTE_OPEN_PREFIX, renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { INCIDENT_LIMITS } from "../lib/limits";
import { matchEventPattern } from "../offline/eventPatternMatcher";
import { PROJECT_DIR } from "../offline/stackConfig";
import { replayAccounts, TEST_PLAN } from "./support/account";
import { ACCOUNT, findingEvent, findingId, ocsfFindingEvent } from "./support/findings";

const SAMPLE = path.join(PROJECT_DIR, "samples", "findings", "05-ocsf-findings.jsonl");
const samples = () => fs.readFileSync(SAMPLE, "utf8").trim().split("\n").map(line => JSON.parse(line));

describe("OCSF findings (the new Security Hub), executed offline", function () {
    this.timeout(120000);
    /** Accounts whose rules take both formats (a migration). */
    const { account } = replayAccounts("ocsf", { config: { findingFormats: '["ASFF","OCSF"]', productNames: '["Security Hub","GuardDuty","Inspector"]' } });

    it("opens one incident each for an OCSF control, detection and vulnerability finding, within Incident Manager's limits", async () => {
        const { replay, incidents } = await account();
        const [control, detection, , vulnerability] = samples();
        for (const event of [control, detection, vulnerability]) {
            const delivery = await replay.deliverFromInput(event);
            expect(delivery.rule, event.detail.findings[0].class_name).to.equal("ocsf-findings");
            expect(delivery.runs[0].status, delivery.runs[0].cause).to.equal("SUCCEEDED");
            expect(delivery.runs[0].states).to.include("NotifyFindingV2");
        }
        expect(incidents.incidents).to.have.length(3);
        for (const incident of incidents.incidents) expect(incidents.validate(incident.request)).to.deep.equal([]);
        const [c, d, v] = incidents.incidents.map(i => i.request);
        expect(c.Title).to.equal(`[${ACCOUNT}][CRITICAL]: ${control.detail.findings[0].finding_info.title}`);
        expect(c.Impact).to.equal(1);
        expect(d.Title!.startsWith(`[${ACCOUNT}][HIGH]: `)).to.equal(true);
        // The envelope's resources[0] is a hash, not an ARN: no trigger ARN. Resources take uid_alt when uid is not an ARN.
        expect(c.TriggerDetails).not.to.have.property("TriggerArn");
        const resource = (r: typeof c) => r.RelatedItems!.filter(i => i.Title === "Related resource").map(i => i.Identifier.Value.Arn);
        // A resource with neither gets its ARN built where AWS documents the format (an instance ID here).
        const built = (r: { uid: string; uid_alt?: string; type: string }) => r.uid_alt?.startsWith("arn:") ? r.uid_alt
            : r.type === "AWS::EC2::Instance" && /^i-[0-9a-f]+$/.test(r.uid) ? `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:instance/${r.uid}` : undefined;
        expect(resource(d)).to.deep.equal(detection.detail.findings[0].resources.map(built).filter((arn: string | undefined) => arn !== undefined));
        // The Inspector finding has no top-level remediation: no Remediation item, nothing fails.
        expect(v.RelatedItems!.map(i => i.Title)).not.to.include("Remediation");
    });

    it("writes an OCSF finding back as In Progress with a comment naming the incident; its re-imports start nothing", async () => {
        const { replay, incidents, sh } = await account();
        const event = ocsfFindingEvent({ time: "2026-11-01T00:00:00.000Z" });
        const uid = event.detail.findings[0].finding_info.uid;
        const opened = await replay.deliverFromInput({ ...event, time: "2026-11-01T00:00:00Z" });
        expect(opened.runs[0].states).to.deep.equal(["Route", "ClaimFinding", "InProblemGroup", "ReserveSlot", "ReserveGlobalSlot", "OwnOrProblem", "OpenIncident", "WhichFormatToNotify", "NotifyFindingV2", "Notified", "RecordIncident"]);
        const stored = sh.ocsfFinding(uid)!;
        expect(stored.status_id).to.equal(2);
        expect(stored.comment).to.equal(`${NOTE_OPEN_PREFIX} incident ${incidents.incidents[0].incidentRecordArn} (https://console.aws.amazon.com/systems-manager/incidents/home)`);
        // The echo of our update (In Progress) and a later re-import match no rule.
        expect(opened.echoes.map(e => e.rule)).to.deep.equal([undefined]);
        const again = await replay.deliverFromInput({ ...ocsfFindingEvent({ uid, time: "2026-11-01T12:00:00.000Z" }), time: "2026-11-01T12:00:00Z" });
        expect(again.rule).to.equal(undefined);
        expect(again.filteredBy).to.match(/status_id/);
        expect(incidents.incidents).to.have.length(1);
    });

    it("opens one incident for a finding that arrives in both formats, and writes each copy back", async () => {
        const { replay, incidents, sh, record } = await account();
        const id = findingId();
        const asff = findingEvent({ id });
        const ocsf = ocsfFindingEvent({ uid: id });
        const first = await replay.deliverFromInput(asff);
        const second = await replay.deliverFromInput(ocsf);
        expect(first.runs[0].states).to.include("OpenIncident");
        expect(second.runs[0].states).to.deep.equal(["Route", "ClaimFinding", "ReadRecord", "Decide", "WhichFormatToNotify", "NotifyFindingV2", "Notified", "RecordIncident"]);
        expect(incidents.incidents).to.have.length(1);
        expect(sh.finding(id)!.Workflow.Status).to.equal("NOTIFIED");
        expect(sh.ocsfFinding(id)!.status_id).to.equal(2);
        expect((await record(id))!.NotifiedFormats.SS.sort()).to.deep.equal(["ASFF", "OCSF"]);
        // Redelivered, either copy is a duplicate.
        expect((await replay.redeliver(ocsf)).runs[0].states.pop()).to.equal("DuplicateFinding");
    });

    it("resolution and re-open of an OCSF finding: timeline events, a closed comment, a new linked incident after the old was resolved", async () => {
        const { replay, incidents, sh } = await account();
        const base = { uid: findingId() };
        const at = (time: string, o: Parameters<typeof ocsfFindingEvent>[0] = {}) => ({ ...ocsfFindingEvent({ ...base, ...o, time: `${time}.000Z` }), time: `${time}Z` });
        await replay.deliverFromInput(at("2026-11-01T00:00:00"));
        const fixed = await replay.deliverFromInput(at("2026-11-02T00:00:00", { compliance: "Pass", statusId: 4, severityId: 1 }));
        expect(fixed.rule).to.equal("ocsf-lifecycle");
        expect(fixed.runs[0].states).to.deep.equal(["Route", "ReadLinkedRecord", "Linked", "AddClosedTimeline", "RecordClosed", "WhichFormatToClose", "CloseNoteV2", "NoteClosed", "ClosedWithNote"]);
        expect(sh.ocsfFinding(base.uid)!.comment.startsWith(NOTE_CLOSED_PREFIX)).to.equal(true);
        expect(incidents.incidents[0].timeline.map(e => e.eventData.includes(" was resolved.") ? "resolved" : e.eventData)).to.deep.equal(["resolved"]);
        // Broken again while the incident is open: a re-open on its timeline, In Progress again.
        const reopened = await replay.deliverFromInput(at("2026-11-03T00:00:00"));
        expect(reopened.runs[0].states).to.include.members(["CheckIncident", "AddReopenedTimeline", "NotifyFindingV2"]);
        expect(incidents.incidents).to.have.length(1);
        // Fixed again, the incident resolved by a responder, then broken again: a new incident linking the first.
        await replay.deliverFromInput(at("2026-11-04T00:00:00", { compliance: "Pass", statusId: 4, severityId: 1 }));
        incidents.resolve(incidents.incidents[0].incidentRecordArn);
        await replay.deliverFromInput(at("2026-11-05T00:00:00"));
        expect(incidents.incidents).to.have.length(2);
        expect(incidents.incidents[1].request.RelatedItems!.find(r => r.Title === "Previous incident")!.Identifier.Value.Arn).to.equal(incidents.incidents[0].incidentRecordArn);
    });

    it("keeps an OCSF finding within Incident Manager's limits as it does an ASFF one: long title, non-ARN resources, no remediation", async () => {
        const { replay, incidents } = await account();
        const event = ocsfFindingEvent({ title: "公開アクセス".repeat(60) });
        const finding = event.detail.findings[0];
        delete finding.remediation;
        finding.resources = [{ type: "AWS::::Account", uid: ACCOUNT }, { type: "AWS::SQS::Queue", uid: "https://sqs.ap-northeast-1.amazonaws.com/111122223333/q" }];
        const run = (await replay.deliverFromInput(event)).runs[0];
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        const request = incidents.incidents[0].request;
        expect(incidents.validate(request)).to.deep.equal([]);
        expect([...request.Title!].length).to.equal(INCIDENT_LIMITS.titleLength);
        expect(request.RelatedItems!.map(r => r.Title)).to.deep.equal(["Security Hub finding", "Finding ID"]);
    });

    it("routes exactly the OCSF events the OCSF lifecycle rule sends to the closing states", async () => {
        const definition = renderStateMachineDefinition({ tableName: "t", responsePlanArn: TEST_PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, findingFormats: ["ASFF", "OCSF"] });
        const route = { ...definition, StartAt: "Route", States: { Route: definition.States.Route, ReadLinkedRecord: { Type: "Succeed" }, ReadRecord: { Type: "Succeed" }, ClaimFinding: { Type: "Succeed" } } };
        const machine = new StateMachine(route as any, { validationOptions: { noValidate: true } });
        for (const comment of [undefined, `${NOTE_OPEN_PREFIX} incident x`, `${NOTE_CLOSED_PREFIX} incident x`, "a person's comment"]) {
            for (const statusId of [1, 2, 3, 4, 5, 6, 99]) {
                const event = ocsfFindingEvent({ statusId, comment });
                const run = machine.run(event, { context: { Execution: { Input: event } } } as any);
                const states: string[] = [];
                for await (const entry of run.eventLogs as AsyncGenerator<any>) if (entry.type === "StateEntered") states.push(entry.state.name);
                await run.result;
                // Closing events go to the record; 2 In Progress (NOTIFIED: activity, if the finding has no compliance) to ReadRecord.
                const matched = matchEventPattern(buildOcsfLifecyclePattern(), event).matched;
                expect(states.includes("ReadLinkedRecord"), `${comment} ${statusId}`).to.equal(matched && statusId !== 2);
                expect(states.includes("ReadRecord"), `${comment} ${statusId}`).to.equal(statusId === 2);
            }
        }
    });
});
