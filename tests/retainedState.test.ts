import { expect } from "chai";
import { loadSettings } from "../lib/settings";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { RetiringTexts, TextPacker } from "../offline/packedText";
import { SecurityHubEvent, SecurityHubStandIn } from "../offline/securityHubStandIn";
import { simulateFindings } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { monthPopulation } from "../scripts/support/monthPopulation";
import { findingEvent } from "./support/findings";

// What a long replay keeps of a finding whose events are over (docs/performance.md, "Where the
// memory goes"): its stored Security Hub finding and its own incidents are packed. These tests hold
// that packing changes nothing a caller sees, and that what is kept per finished finding is bounded.

const PLAN = "arn:aws:ssm-incidents::123456789012:response-plan/retained";

/** Replaces the random parts (UUIDs) of a value's text, so that two stand-ins' answers compare. */
function normalised(value: unknown): unknown {
    return JSON.parse(JSON.stringify(value ?? null).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>"));
}

describe("retained state of finished findings", () => {
    it("packs text losslessly, Japanese and other UTF-8 included, to a fraction of its size", () => {
        const packer = new TextPacker();
        const texts = [
            JSON.stringify(findingEvent({ id: "first" }).detail.findings[0]),
            JSON.stringify(findingEvent({ id: "second" }).detail.findings[0]),
            JSON.stringify({ Title: "S3 バケットはパブリックアクセスをブロックする必要があります 🔒", Note: "対応済み\u0000\uffff" }),
            "",
        ];
        const packed = texts.map(t => packer.pack(t));
        expect(packed.map(p => packer.unpack(p))).to.deep.equal(texts);
        // The second finding shares the first's shape: with the first as dictionary it packs small.
        expect(packed[1].length).to.be.lessThan(texts[1].length / 3);
    });

    it("keeps retired texts in packed groups that give back exactly the text last set, whatever is set, retired and read in between", () => {
        // A model (a plain map of the texts last set) against the store, over a long random mix of
        // sets, retirements and reads: groups fill and pack, keys set again leave their old text
        // in a group, keys retired again join a new one.
        const store = new RetiringTexts<string>();
        const model = new Map<string, string>();
        const retired = new Set<string>();
        let seed = 7;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        const texts = (n: number) => [
            JSON.stringify(findingEvent({ id: `text-${n}` }).detail.findings[0]),
            JSON.stringify({ Title: `S3 バケットはパブリックアクセスをブロックする必要があります 🔒 ${n}`, Note: "対応済み\u0000\uffff" }),
            "",
            `x${n}`,
        ][n % 4];
        let packedBefore = 0;
        for (let step = 0; step < 3000; step++) {
            const key = `k${Math.floor(random() * 120)}`;
            const action = random();
            if (action < 0.4) {
                const text = texts(step);
                store.set(key, text);
                model.set(key, text);
                retired.delete(key);
            } else if (action < 0.8) {
                expect(store.retire(key), `retire ${key}`).to.equal(model.has(key) && !retired.has(key));
                if (model.has(key)) retired.add(key);
            } else {
                expect(store.get(key), `get ${key}`).to.equal(model.get(key));
            }
            packedBefore = Math.max(packedBefore, store.packedLength);
        }
        for (const [key, text] of model) expect(store.get(key)).to.equal(text);
        expect(store.get("never-set")).to.equal(undefined);
        expect(store.retire("never-set")).to.equal(false);
        // Groups were packed along the way (not only queued), and reading did not unpack them.
        expect(packedBefore).to.be.greaterThan(0);
        expect(store.packed).to.be.greaterThan(5 * RetiringTexts.GROUP_SIZE);
    });

    it("a retired Security Hub finding answers reads, updates and re-imports exactly as one never retired", async () => {
        const kept: SecurityHubEvent[] = [];
        const retiredEvents: SecurityHubEvent[] = [];
        const hubs = [new SecurityHubStandIn(e => kept.push(e)), new SecurityHubStandIn(e => retiredEvents.push(e))];
        const event = findingEvent({ id: "arn:aws:securityhub:ap-northeast-1:123456789012:security-control/S3.8/finding/retire-me" });
        const finding = event.detail.findings[0];
        const identifier = { Id: finding.Id, ProductArn: finding.ProductArn };
        const steps: Array<(hub: SecurityHubStandIn) => unknown> = [
            hub => hub.importEvent({ ...event, time: "2026-11-01T00:00:00Z" }),
            hub => hub.batchUpdateFindings({ FindingIdentifiers: [identifier], Workflow: { Status: "NOTIFIED" }, Note: { Text: "インシデント: 対応中", UpdatedBy: "securityhub-incidents" } }),
            hub => hub.importEvent({ ...event, time: "2026-11-02T00:00:00Z", detail: { findings: [{ ...finding, Compliance: { Status: "PASSED" }, UpdatedAt: "2026-11-02T00:00:00Z" }] } }),
            hub => hub.batchUpdateFindings({ FindingIdentifiers: [identifier, { Id: "missing", ProductArn: finding.ProductArn }], Workflow: { Status: "RESOLVED" } }),
            hub => hub.importEvent({ ...event, time: "2026-11-03T00:00:00Z", detail: { findings: [{ ...finding, UpdatedAt: "2026-11-03T00:00:00Z" }] } }),
            hub => hub.finding(finding.Id),
        ];
        // Other findings imported beside it (into both hubs, at the step's time): the second hub
        // retires them with it, so that its group fills and the finding is packed, not only queued.
        const others = Array.from({ length: RetiringTexts.GROUP_SIZE - 1 }, (_, i) => findingEvent({ id: `${finding.Id}-other-${i}` }));
        for (const [n, step] of steps.entries()) {
            const [a, b] = [await step(hubs[0]), await step(hubs[1])];
            expect(normalised(b)).to.deep.equal(normalised(a));
            const time = `2026-11-0${n + 1}T12:00:00Z`;
            for (const hub of hubs) for (const other of others) hub.importEvent({ ...other, time });
            // The second hub retires the finding after every step (an update or import stores it
            // unpacked again; a read leaves it packed): then it is packed.
            // (The last step, a read, leaves the finding packed from the step before: nothing to retire.)
            const packed = hubs[1].packedFindings;
            expect(hubs[1].retire(finding.Id), "stored unpacked again").to.equal(n < steps.length - 1);
            for (const other of others) hubs[1].retire(other.detail.findings[0].Id);
            expect(hubs[1].packedFindings - packed, "the finding and the others packed").to.equal(n < steps.length - 1 ? RetiringTexts.GROUP_SIZE : 0);
            expect(hubs[1].retire(finding.Id), "already packed").to.equal(false);
        }
        for (const other of others) expect(hubs[1].finding(other.detail.findings[0].Id)).to.deep.equal(hubs[0].finding(other.detail.findings[0].Id));
        expect(normalised(retiredEvents)).to.deep.equal(normalised(kept));
        expect(hubs[1].retire("never-imported")).to.equal(false);
    });

    it("a retired incident answers the workflow's calls as one never retired, and readers see the same record", async () => {
        const stands = [new IncidentManagerStandIn([PLAN]), new IncidentManagerStandIn([PLAN])];
        for (const s of stands) s.clock = () => "2026-11-01T00:00:00.000Z";
        const request = {
            ResponsePlanArn: PLAN, Title: "S3.8 パブリックアクセス", Impact: 2, ClientToken: "token-1",
            RelatedItems: [{ Title: "Security Hub finding", Identifier: { Type: "OTHER", Value: { Url: "https://console.aws.amazon.com/securityhub/home#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aretire" } } }],
            TriggerDetails: { Source: "securityhub-incidents", Timestamp: "2026-11-01T00:00:00Z", RawData: JSON.stringify({ Id: "retire" }) },
        };
        const arns = await Promise.all(stands.map(async s => (await s.startIncident(request)).IncidentRecordArn));
        const steps: Array<(s: IncidentManagerStandIn, arn: string) => Promise<unknown>> = [
            (s, arn) => s.getIncidentRecord({ Arn: arn }),
            (s, arn) => s.createTimelineEvent({ IncidentRecordArn: arn, EventTime: "2026-11-01T01:00:00Z", EventType: "Custom Event", EventData: "resolved", ClientToken: "t" }),
            // The same token again: the same event, not a second one.
            async (s, arn) => {
                const first = await s.createTimelineEvent({ IncidentRecordArn: arn, EventTime: "2026-11-01T01:00:00Z", EventType: "Custom Event", EventData: "resolved", ClientToken: "t" });
                return { same: first.EventId === s.incident(arn)!.timeline[0].eventId, count: s.incident(arn)!.timeline.length };
            },
            (s, arn) => s.updateRelatedItems({ IncidentRecordArn: arn, ClientToken: "r", RelatedItemsUpdate: { ItemToAdd: { Title: "another", Identifier: { Type: "OTHER", Value: { Url: "https://example.com/x" } } } } }),
            (s, arn) => s.updateRelatedItems({ IncidentRecordArn: arn, ClientToken: "r", RelatedItemsUpdate: { ItemToAdd: { Title: "another", Identifier: { Type: "OTHER", Value: { Url: "https://example.com/x" } } } } }),
            (s, arn) => s.updateIncidentRecord({ Arn: arn, Status: "RESOLVED", Impact: 3 }),
            (s, arn) => s.getIncidentRecord({ Arn: arn }),
            async (s) => s.startIncident(request),
        ];
        for (const step of steps) {
            const [a, b] = [await step(stands[0], arns[0]), await step(stands[1], arns[1])];
            expect(normalised(b)).to.deep.equal(normalised(a));
            // Retired after every step (a step that reads or changes the record unpacks it).
            stands[1].retire(arns[1]);
            expect(stands[1].retired).to.equal(1);
        }
        const [kept, retired] = [stands[0].incident(arns[0])!, stands[1].incident(arns[1])!];
        // JSON.stringify reads the whole record (request, timeline, related items): the same.
        expect(normalised(retired)).to.deep.equal(normalised(kept));
        expect(retired.relatedItems.map(r => r.Title)).to.deep.equal(["Security Hub finding", "another"]);
        expect(JSON.parse(retired.request.TriggerDetails!.RawData!)).to.deep.equal({ Id: "retire" });
        expect(stands[1].retired, "reading it unpacked it").to.equal(0);
    });

    it("a replayed month leaves every finished finding's own incidents packed, a bounded few hundred bytes each", async () => {
        const settings = loadSettings(readStackConfig("prod").read, PROJECT_DIR);
        let incidentManager: IncidentManagerStandIn | undefined;
        const findings = [...monthPopulation({ findings: 120 })].map(f => f.events);
        const report = await simulateFindings({
            settings, stack: "prod", findings, resolveIncidentsAfterMs: 72 * 3600 * 1000,
            incidentManager: (_plan, plans) => (incidentManager = new IncidentManagerStandIn(plans)),
        });
        expect(report.failures).to.deep.equal([]);
        const own = report.incidents.filter(i => i.kind === "finding");
        expect(own.length).to.be.greaterThan(10);
        // Every own incident is packed once its finding's events are over; roll-ups are left as they are.
        expect(incidentManager!.retired).to.equal(own.length);
        const packedBytes = incidentManager!.packedBytes;
        expect(packedBytes / own.length, "packed bytes per own incident").to.be.lessThan(600);
        // And reading one back gives the incident the report was built from.
        const first = incidentManager!.incident(own[0].incidentArn)!;
        expect(first.request.Title).to.equal(own[0].title);
        expect(first.relatedItems.length).to.equal(own[0].relatedItems.length);
    });
});
