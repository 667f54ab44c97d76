import { expect } from "chai";
import { StormInputs } from "../lib/stateMachineDefinition";
import { INCIDENT_LIMITS } from "../lib/limits";
import { Delivery } from "../offline/replayAccount";
import { AccountOptions, replayAccounts } from "./support/account";
import { ACCOUNT, at, findingEvent } from "./support/findings";

const T0 = "2026-11-01T09:00:00Z";

describe("incident storms, replayed offline", function () {
    this.timeout(120000);
    const accounts = replayAccounts("storms");

    async function account(storms: Partial<StormInputs>, options: AccountOptions = {}) {
        const opened = await accounts.account({ storms, ...options });
        const rollups = () => opened.incidents.incidents.filter(i => i.request.Title!.startsWith("[storm]"));
        const own = () => opened.incidents.incidents.filter(i => !i.request.Title!.startsWith("[storm]"));
        return { ...opened, rollups, own };
    }
    const control = (id: string, severity = "HIGH") => {
        const event = findingEvent({ severity });
        event.detail.findings[0].Compliance.SecurityControlId = id;
        event.detail.findings[0].GeneratorId = `security-control/${id}`;
        return event;
    };
    const failed = (d: Delivery) => d.runs.filter(r => r.status === "FAILED").map(r => r.cause);

    it("opens own incidents up to the threshold, then one roll-up that every further finding is attached to", async () => {
        const { replay, incidents, record, rollups, own, sh } = await account({ stormThreshold: 3 });
        const events = Array.from({ length: 6 }, (_, i) => at(control("S3.8", i === 4 ? "CRITICAL" : "HIGH"), `2026-11-01T09:0${i}:00Z`));
        const deliveries = [];
        for (const event of events) deliveries.push(await replay.deliverFromInput(event));
        expect(deliveries.flatMap(failed)).to.deep.equal([]);
        expect(own()).to.have.length(3);
        expect(rollups()).to.have.length(1);
        const [rollup] = rollups();
        // Opened by the 4th (HIGH); the most severe counted so far is HIGH.
        expect(rollup.request.Title).to.equal("[storm][HIGH] S3.8: more than 3 incidents in 60 minutes");
        expect(rollup.request.Impact).to.equal(2);
        expect(deliveries[3].runs[0].states).to.include.members(["ReserveSlot", "ReadStorm", "OpenRollup", "RecordRollup", "AttachFinding", "AddRelatedItem", "AddAttachedTimeline", "NotifyFinding", "RecordIncident"]);
        expect(deliveries[5].runs[0].states).not.to.include("OpenRollup");
        // The 4th, 5th and 6th findings: each a related item and a timeline event on the roll-up.
        expect(rollup.timeline.map(e => e.eventData.split(" ")[3])).to.deep.equal(events.slice(3).map(e => e.detail.findings[0].Id));
        expect(rollup.relatedItems.map(r => r.Title)).to.deep.equal(["First finding of the storm", ...Array(3).fill(`Finding: [${ACCOUNT}] S3 general purpose buckets should block public access`)]);
        for (const event of events.slice(3)) {
            const id = event.detail.findings[0].Id;
            expect((await record(id))!.IncidentArn.S).to.equal(rollup.incidentRecordArn);
            expect(sh.finding(id)!.Workflow.Status).to.equal("NOTIFIED");
            expect(sh.finding(id)!.Note.Text).to.include(`incident ${rollup.incidentRecordArn} (roll-up #storm|control|S3.8|2026-11-01T09:00:00.000Z)`);
        }
        expect(incidents.incidents).to.have.length(4);
    });

    it("counts each control on its own and starts again in the next window", async () => {
        const { replay, rollups, own } = await account({ stormThreshold: 2, stormWindowMinutes: 30 });
        for (const [id, time] of [["S3.8", "09:00"], ["S3.8", "09:10"], ["EC2.19", "09:11"], ["S3.8", "09:20"], ["S3.8", "09:31"], ["S3.8", "09:32"], ["S3.8", "09:33"]]) {
            await replay.deliverFromInput(at(control(id), `2026-11-01T${time}:00Z`));
        }
        // 09:00-09:29: two own S3.8 and one EC2.19, the third S3.8 rolls up; 09:30-: two own, one roll-up.
        expect(own().map(i => JSON.parse(i.request.TriggerDetails!.RawData!).GeneratorId)).to.deep.equal(["S3.8", "S3.8", "EC2.19", "S3.8", "S3.8"].map(c => `security-control/${c}`));
        expect(rollups().map(i => i.request.Title)).to.deep.equal(["[storm][HIGH] S3.8: more than 2 incidents in 30 minutes", "[storm][HIGH] S3.8: more than 2 incidents in 30 minutes"]);
        expect(rollups().map(i => i.timeline.length)).to.deep.equal([1, 1]);
    });

    it("past the hourly cap sends every finding of any control to one global roll-up", async () => {
        const { replay, rollups, own, incidents } = await account({ stormThreshold: 10, maxIncidentsPerHour: 4 });
        const controls = ["S3.8", "EC2.19", "IAM.6"];
        for (let i = 0; i < 9; i++) await replay.deliverFromInput(at(control(controls[i % 3], i === 6 ? "CRITICAL" : "HIGH"), `2026-11-01T09:${String(10 + i).padStart(2, "0")}:00Z`));
        expect(own()).to.have.length(4);
        expect(rollups()).to.have.length(1);
        expect(rollups()[0].request.Title).to.equal("[storm][HIGH] all findings: more than 4 incidents this hour");
        expect(rollups()[0].timeline).to.have.length(5);
        // The next hour has room again.
        await replay.deliverFromInput(at(control("S3.8"), "2026-11-01T10:01:00Z"));
        expect(own()).to.have.length(5);
        expect(incidents.incidents).to.have.length(6);
    });

    it("gives attached findings related items while the incident has room, and a timeline event always", async () => {
        const { replay, rollups } = await account({ stormThreshold: 1, maxIncidentsPerHour: 1000 });
        const total = INCIDENT_LIMITS.relatedItems + 6;
        for (let i = 0; i < total; i++) await replay.deliverFromInput(at(control("S3.8"), `2026-11-01T09:${String(Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}Z`));
        const [rollup] = rollups();
        expect(rollup.timeline).to.have.length(total - 1);
        expect(rollup.relatedItems).to.have.length(INCIDENT_LIMITS.relatedItems);
    });

    it("holds under concurrency: 120 findings of one control at once give the threshold's own incidents plus one roll-up, all accounted for", async function () {
        // 110 executions race to open the roll-up (each elects, then asks StartIncident), with DynamoDB
        // calls interleaved by random delays.
        this.timeout(300000);
        const { replay, record, rollups, own, item } = await account({ stormThreshold: 10, maxIncidentsPerHour: 1000 });
        const events = Array.from({ length: 120 }, () => at(control("S3.8"), T0));
        accounts.dynamoDb.jitterMs = 5;
        const deliveries = await Promise.all(events.map(e => replay.deliverFromInput(e))).finally(() => { accounts.dynamoDb.jitterMs = 0; });
        expect(deliveries.flatMap(failed)).to.deep.equal([]);
        expect(own()).to.have.length(10);
        expect(rollups()).to.have.length(1);
        const links = await Promise.all(events.map(async e => (await record(e.detail.findings[0].Id))!.IncidentArn.S));
        expect(links.filter(l => l === rollups()[0].incidentRecordArn)).to.have.length(110);
        expect(new Set(links).size).to.equal(11);
        const storm = (await item("#storm|control|S3.8|2026-11-01T09:00:00.000Z"))!;
        expect(storm.OpenFindings.SS).to.have.length(110);
        expect(rollups()[0].timeline).to.have.length(110);
    });

    it("resolves a roll-up only when all of its findings are; a re-open on it is told, a re-open after it opens its own incident", async () => {
        const { replay, rollups, own, incidents } = await account({ stormThreshold: 1 }, { resolveIncidentsWithFindings: true });
        const [first, second, third] = [control("S3.8"), control("S3.8"), control("S3.8")];
        for (const event of [first, second, third]) await replay.deliverFromInput(at(event, T0));
        const [rollup] = rollups();
        expect(rollup.timeline).to.have.length(2);

        await replay.deliverFromInput(at(second, "2026-11-01T10:00:00Z", { compliance: "PASSED" }));
        expect(rollup.status).to.equal("OPEN");
        // The second finding fails again while the roll-up is open: told on its timeline, counted open again.
        const reopened = await replay.deliverFromInput(at(second, "2026-11-01T11:00:00Z", { compliance: "FAILED" }));
        expect(reopened.runs[0].states).to.include.members(["AddReopenedTimeline", "RejoinRollup", "NotifyFinding"]);
        await replay.deliverFromInput(at(third, "2026-11-01T12:00:00Z", { compliance: "PASSED" }));
        expect(rollup.status).to.equal("OPEN");
        await replay.deliverFromInput(at(second, "2026-11-01T13:00:00Z", { compliance: "PASSED" }));
        expect(rollup.status).to.equal("RESOLVED");
        expect(rollup.timeline.map(e => e.eventData.includes("attached to this roll-up") ? "attached" : e.eventData.split(" was ")[1].split(/[.:]/)[0])).to.deep.equal(["attached", "attached", "resolved", "re-opened", "resolved", "resolved"]);

        // Broken again after the roll-up was resolved: its own incident, linked to the roll-up.
        const own1 = own().length;
        await replay.deliverFromInput(at(third, "2026-11-02T12:00:00Z", { compliance: "FAILED" }));
        expect(own()).to.have.length(own1 + 1);
        const latest = incidents.incidents[incidents.incidents.length - 1];
        expect(latest.request.RelatedItems!.find(r => r.Title === "Previous incident")!.Identifier.Value.Arn).to.equal(rollup.incidentRecordArn);
    });
});
