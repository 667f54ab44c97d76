import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { eventForFinding } from "../offline/findingInput";
import { Delivery, ReplayAccount } from "../offline/replayAccount";
import { replayAccounts } from "./support/account";
import { at } from "./support/findings";

/**
 * Issue 16, item 3: one problem, several standards. Built on AWS's published standard-specific
 * control findings (/work/shared/real-findings/awsdocs-securityhub/sample-control-findings.*, from
 * awsdocs/aws-security-hub-user-guide, doc_source/sample-control-findings.md; read, never edited):
 * FSBP CloudTrail.2, PCI DSS PCI.CloudTrail.1 and CIS 1.2.0 2.7 are, as published, the same check
 * (SecurityControlId CloudTrail.2) on the same trail in account 123456789012, us-east-2, each with
 * its own Id. CIS 1.4.0 3.7 and Control Tower CloudTrail.2 are published for us-east-1 (and another
 * resource): the cases below derive them by setting FSBP's Region and resource on them.
 */
const SAMPLES = "/work/shared/real-findings/awsdocs-securityhub";
const sample = (name: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(SAMPLES, `sample-control-findings.${name}.json`), "utf8")).Findings[0];
const PLAN = "arn:aws:ssm-incidents::123456789012:response-plan/securityhub-incidents-test";
const T0 = "2026-11-02T09:00:00Z";

/** A standard's finding as published, at a time (the event's and UpdatedAt). */
function published(name: string, time = T0): Record<string, any> {
    return at(eventForFinding(sample(name)), time);
}
/** A sample moved onto FSBP's Region and resource (derived, as the header says). */
function onFsbpResource(name: string, time = T0): Record<string, any> {
    const fsbp = sample("fsbp-cloudtrail2");
    const finding: Record<string, any> = { ...sample(name), Region: fsbp.Region, Resources: fsbp.Resources };
    finding.Id = finding.Id.replace(/^arn:aws:securityhub:[^:]+:/, `arn:aws:securityhub:${fsbp.Region}:`);
    return at(eventForFinding(finding), time);
}
const THREE = ["fsbp-cloudtrail2", "pcidss-cloudtrail2", "cis120-2.7"];
const idOf = (event: Record<string, any>) => event.detail.findings[0].Id as string;
const failed = (deliveries: Delivery[]) => deliveries.flatMap(d => [...d.runs, ...d.echoes.flatMap(e => e.runs)]).filter(r => r.status === "FAILED").map(r => r.cause);

describe("one problem, several standards: one incident per account, Region, security control and resource", function () {
    this.timeout(120000);
    const accounts = replayAccounts("problems", { responsePlanArn: PLAN, config: { severityLabels: '["CRITICAL","HIGH","MEDIUM"]' } });
    const { account } = accounts;
    /** Delivers events all at once (Security Hub evaluates a check for every standard together), DynamoDB calls jittered so they interleave. */
    async function together(replay: ReplayAccount, events: Array<Record<string, any>>): Promise<Delivery[]> {
        accounts.dynamoDb.jitterMs = 15;
        try {
            return await Promise.all(events.map(e => replay.deliverFromInput(e)));
        } finally {
            accounts.dynamoDb.jitterMs = 0;
        }
    }

    it("opens one incident for the three published findings of CloudTrail.2 arriving in the same second, and attaches the other two to it", async () => {
        // Three rounds on fresh tables: the election must hold whichever execution gets there first.
        const raced: number[] = [];
        for (let round = 0; round < 3; round++) {
            const { replay, incidents, record, sh } = await account();
            const events = THREE.map(name => published(name));
            const deliveries = await together(replay, events);
            expect(failed(deliveries)).to.deep.equal([]);
            // It was a race: more than one execution found no route and took part in the election.
            const states = deliveries.map(d => d.runs[0].states);
            raced.push(states.filter(s => s.includes("ElectProblem")).length);
            expect(incidents.incidents, `round ${round}`).to.have.length(1);
            const [incident] = incidents.incidents;
            expect(incident.request.Title).to.match(/^\[123456789012\]\[MEDIUM\]: /);
            const group = "#problem|123456789012|us-east-2|CloudTrail.2|arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacieTrail-DO-NOT-EDIT";
            for (const event of events) {
                const r = (await record(idOf(event)))!;
                expect(r.IncidentArn.S).to.equal(incident.incidentRecordArn);
                expect(r.StormItem.S).to.equal(group);
                expect(sh.finding(idOf(event))!.Workflow.Status).to.equal("NOTIFIED");
                expect(sh.finding(idOf(event))!.Note.Text).to.include(`incident ${incident.incidentRecordArn} (group ${group})`);
            }
            // The opener's finding is the incident's own; the two others are attached: a related item and a timeline event each.
            const opener = JSON.parse(incident.request.TriggerDetails!.RawData!).FindingId;
            const others = events.map(idOf).filter(id => id !== opener);
            expect(others).to.have.length(2);
            expect(incident.timeline.map(e => e.eventData.split(" ")[3]).sort()).to.deep.equal([...others].sort());
            expect(incident.timeline.every(e => e.eventData.includes("reports the same check (security control CloudTrail.2) on the same resource"))).to.equal(true);
            expect(incident.relatedItems.filter(r => r.Title!.startsWith("Finding: [123456789012]"))).to.have.length(2);
            const group_ = (await record(group))!;
            expect(group_.RollupIncidentArn.S).to.equal(incident.incidentRecordArn);
            expect(group_.OpenFindings.SS).to.have.length(3);
            expect(group_.ExpiresAt, "kept while its findings may close").to.equal(undefined);
        }
        console.log(`      executions in the election per round: ${raced.join(", ")}`);
        expect(Math.max(...raced), "the three executions never raced").to.be.greaterThan(1);
    });

    it("attaches a later standard's finding (CIS 1.4.0 and Control Tower, derived onto FSBP's Region and trail) without a second incident", async () => {
        const { replay, incidents, record } = await account();
        expect(failed(await together(replay, THREE.map(name => published(name))))).to.deep.equal([]);
        const later = [onFsbpResource("cis140-3.7", "2026-11-02T10:00:00Z"), onFsbpResource("controltower-cloudtrail2", "2026-11-02T10:05:00Z")];
        const deliveries: Delivery[] = [];
        for (const event of later) deliveries.push(await replay.deliverFromInput(event));
        expect(failed(deliveries)).to.deep.equal([]);
        expect(incidents.incidents).to.have.length(1);
        // It checked that the group's incident is still open before attaching.
        expect(deliveries[0].runs[0].states).to.include.members(["JoinProblem", "CheckProblemIncident", "AttachFinding", "AddRelatedItem", "AddAttachedTimeline", "RecordIncident"]);
        expect(deliveries[0].runs[0].states).not.to.include.members(["ReserveSlot", "OpenProblemIncident"]);
        for (const event of later) expect((await record(idOf(event)))!.IncidentArn.S).to.equal(incidents.incidents[0].incidentRecordArn);
        expect(incidents.incidents[0].timeline).to.have.length(4);
    });

    it("resolves the incident (resolveIncidentsWithFindings) only when every finding on it has closed, and a later failure of all opens one new incident linking it", async () => {
        const { replay, incidents, record } = await account({ resolveIncidentsWithFindings: true });
        const bases = THREE.map(name => published(name));
        expect(failed(await together(replay, bases))).to.deep.equal([]);
        const [incident] = incidents.incidents;
        // Two standards' findings pass: the incident stays open, their close is on its timeline.
        const closing: Delivery[] = [];
        for (const [i, base] of bases.slice(0, 2).entries()) closing.push(await replay.deliverFromInput(at(base, `2026-11-03T09:0${i}:00Z`, { compliance: "PASSED" })));
        expect(failed(closing)).to.deep.equal([]);
        expect(incident.status).to.equal("OPEN");
        expect(incident.timeline.filter(e => e.eventData.includes(" was resolved."))).to.have.length(2);
        // The last one passes: now it is resolved.
        expect(failed([await replay.deliverFromInput(at(bases[2], "2026-11-03T09:05:00Z", { compliance: "PASSED" }))])).to.deep.equal([]);
        expect(incident.status).to.equal("RESOLVED");
        for (const base of bases) expect((await record(idOf(base)))!.ClosedAs.S).to.equal("resolved");
        // A week later the check fails again for every standard at once: one new incident, linking the resolved one.
        const reopened = await together(replay, bases.map(b => at(b, "2026-11-10T09:00:00Z", { compliance: "FAILED", workflow: "NEW" })));
        expect(failed(reopened)).to.deep.equal([]);
        expect(incidents.incidents).to.have.length(2);
        const next = incidents.incidents[1];
        expect(next.request.RelatedItems!.some(r => r.Title === "Previous incident" && r.Identifier.Value.Arn === incident.incidentRecordArn)).to.equal(true);
        for (const base of bases) {
            const r = (await record(idOf(base)))!;
            expect(r.IncidentArn.S).to.equal(next.incidentRecordArn);
            expect(r.PreviousIncidentArns.L.map((v: any) => v.S)).to.deep.equal([incident.incidentRecordArn]);
        }
        expect(reopened.flatMap(d => d.runs.flatMap(r => r.states))).to.include("RenewProblem");
    });

    it("keeps one incident per finding ID for findings without a SecurityControlId, consolidated findings, and with groupStandardFindings off", async () => {
        // Derived: the FSBP and PCI DSS samples without Compliance.SecurityControlId (as Security Hub sent them before security controls existed).
        const { replay, incidents } = await account();
        const bare = ["fsbp-cloudtrail2", "pcidss-cloudtrail2"].map(name => {
            const finding = sample(name);
            delete finding.Compliance.SecurityControlId;
            return at(eventForFinding(finding), T0);
        });
        expect(failed(await together(replay, bare))).to.deep.equal([]);
        expect(incidents.incidents).to.have.length(2);
        // Derived: the FSBP sample as a consolidated control finding (ID security-control/…): no group, its own incident, no problem states run.
        const consolidated = sample("fsbp-cloudtrail2");
        consolidated.Id = "arn:aws:securityhub:us-east-2:123456789012:security-control/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
        const d = await replay.deliverFromInput(at(eventForFinding(consolidated), T0));
        expect(d.runs[0].states).not.to.include("JoinProblem");
        expect(incidents.incidents).to.have.length(3);
        const off = await account({ groupStandardFindings: false });
        expect(failed(await together(off.replay, THREE.map(name => published(name))))).to.deep.equal([]);
        expect(off.incidents.incidents).to.have.length(3);
    });

    it("follows one storm decision for the whole group: refused a slot, all three findings join the storm's roll-up", async () => {
        // stormThreshold 1: a finding of CloudTrail.2 on another trail (derived: FSBP's sample, resource and ID renamed) takes the control's only slot.
        const { replay, incidents, record } = await account({ storms: { stormThreshold: 1 } });
        const other = sample("fsbp-cloudtrail2");
        other.Id = other.Id.replace("EXAMPLE11111", "EXAMPLE22222");
        other.Resources = [{ ...other.Resources[0], Id: `${other.Resources[0].Id}-2` }];
        expect(failed([await replay.deliverFromInput(at(eventForFinding(other), T0))])).to.deep.equal([]);
        const events = THREE.map(name => published(name, "2026-11-02T09:01:00Z"));
        expect(failed(await together(replay, events))).to.deep.equal([]);
        const rollups = incidents.incidents.filter(i => i.request.Title!.startsWith("[storm]"));
        expect(incidents.incidents).to.have.length(2);
        expect(rollups).to.have.length(1);
        for (const event of events) {
            const r = (await record(idOf(event)))!;
            expect(r.IncidentArn.S).to.equal(rollups[0].incidentRecordArn);
            expect(r.StormItem.S).to.match(/^#storm\|control\|CloudTrail\.2\|/);
        }
        expect(rollups[0].timeline).to.have.length(3);
    });

    it("holds with the OpsCenter backend: one OpsItem for the three findings arriving at once", async () => {
        const { replay, opsCenter, record } = await account({ config: { incidentBackend: "opscenter" } });
        const events = THREE.map(name => published(name));
        expect(failed(await together(replay, events))).to.deep.equal([]);
        expect(opsCenter!.opsItems).to.have.length(1);
        for (const event of events) expect((await record(idOf(event)))!.IncidentArn.S).to.equal(opsCenter!.opsItems[0].opsItemArn);
        expect(Object.keys(opsCenter!.opsItems[0].operationalData).filter(k => k.startsWith("securityhub-incidents:attached:"))).to.have.length(2);
    });
});
