import { expect } from "chai";
import { loadSettings } from "../lib/settings";
import { simulate, simulateFindings } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { MONTH_LIVES, MonthFinding, monthPopulation } from "../scripts/support/monthPopulation";

const HOUR = 3600 * 1000;
const millis = (e: { event: Record<string, any> }) => Date.parse(e.event.time);
const finding = (e: { event: Record<string, any> }) => e.event.detail.findings[0];
const compliance = (f: MonthFinding) => f.events.map(e => finding(e).Compliance?.Status);

describe("bench:month's generated month", function () {
    this.timeout(120000);
    const month = [...monthPopulation({ findings: 400 })];
    const of = (life: string) => month.filter(f => f.life === life);

    it("has the documented mix of lives, findings in the order of their first event, each finding's events in time order", () => {
        expect(month).to.have.length(400);
        expect(new Set(month.map(f => f.findingId)).size).to.equal(400);
        for (const life of MONTH_LIVES) expect(of(life).length, life).to.be.greaterThan(0);
        // Shares (documented in scripts/support/monthPopulation.ts): storm 5% exactly, the others near theirs.
        expect(of("storm")).to.have.length(20);
        const share = (life: string) => of(life).length / 400;
        expect(share("fixed")).to.be.within(0.27, 0.47);
        expect(share("stays-failing")).to.be.within(0.10, 0.26);
        expect(share("recurring")).to.be.within(0.14, 0.30);
        const firsts = month.map(f => millis(f.events[0]));
        expect(firsts).to.deep.equal([...firsts].sort((a, b) => a - b));
        for (const f of month) {
            const times = f.events.map(millis);
            expect(times).to.deep.equal([...times].sort((a, b) => a - b));
            expect(f.events.every(e => e.findingId === f.findingId && finding(e).Id === f.findingId)).to.equal(true);
            expect(times[times.length - 1]).to.be.lessThan(Date.parse("2026-12-01T00:00:00Z"));
        }
        // About 11 events per finding (a million for 100,000).
        const events = month.reduce((sum, f) => sum + f.events.length, 0);
        expect(events / 400).to.be.within(7, 15);
    });

    it("gives each life its shape: re-imports every 12-24 h, fixes, re-failures, a suppression, GuardDuty recurrences, one storm", () => {
        for (const f of of("stays-failing")) {
            expect(new Set(compliance(f))).to.deep.equal(new Set(["FAILED"]));
            const gaps = f.events.slice(1).map((e, i) => millis(e) - millis(f.events[i]));
            expect(gaps.every(g => g >= 12 * HOUR && g < 24 * HOUR)).to.equal(true);
        }
        // Fixed: fails, then passes (unless the month ends first), and is archived at the last.
        for (const f of of("fixed")) expect(compliance(f).join(" ")).to.match(/^FAILED( FAILED)*( PASSED)*$/);
        expect(of("fixed").some(f => compliance(f).includes("PASSED") && finding(f.events[f.events.length - 1]).RecordState === "ARCHIVED")).to.equal(true);
        expect(of("refailed").some(f => /FAILED.*PASSED.*FAILED/.test(compliance(f).join(" ")))).to.equal(true);
        for (const f of of("suppressed")) {
            const statuses = f.events.map(e => finding(e).Workflow.Status);
            expect(statuses[0]).to.equal("NEW");
            expect(statuses.filter(s => s === "SUPPRESSED").length).to.be.at.most(1);
        }
        // Suppressed once (unless the month ended first), and re-imported after it as NEW by the provider.
        expect(of("suppressed").filter(f => f.events.some(e => finding(e).Workflow.Status === "SUPPRESSED") && finding(f.events[f.events.length - 1]).Workflow.Status === "NEW").length).to.be.greaterThan(of("suppressed").length / 2);
        for (const f of of("recurring")) {
            expect(f.events.every(e => finding(e).ProductFields["aws/securityhub/ProductName"] === "GuardDuty")).to.equal(true);
            expect(f.events.map(e => Number(finding(e).ProductFields["aws/guardduty/service/count"]))).to.deep.equal(f.events.map((_, i) => i + 1));
        }
        const storm = of("storm");
        const stormFirsts = storm.map(f => millis(f.events[0]));
        expect(Math.max(...stormFirsts) - Math.min(...stormFirsts)).to.be.lessThan(10 * 60 * 1000);
        expect(new Set(storm.map(f => finding(f.events[0]).Compliance.SecurityControlId)).size).to.equal(1);
        expect(new Set(storm.map(f => finding(f.events[0]).AwsAccountId)).size).to.equal(storm.length);
        // The storm's findings come one after another in the stream: nothing else starts within it.
        const index = month.findIndex(f => f.life === "storm");
        expect(month.slice(index, index + storm.length).every(f => f.life === "storm")).to.equal(true);
    });

    it("replays one finding at a time (simulateFindings) exactly as simulate replays the same events at once", async () => {
        const small = [...monthPopulation({ findings: 40 })];
        const settings = loadSettings(readStackConfig("prod").read, PROJECT_DIR);
        const strip = (report: Record<string, any>) => JSON.parse(JSON.stringify(report, (k, v) => (k === "incidentArn" || k === "previousIncidentArn" || k === "stormItem" ? "arn" : v)));
        const streamed = await simulateFindings({ settings, stack: "prod", findings: (async function* () { for (const f of small) yield f.events; })(), concurrency: 1 });
        const whole = await simulate({ settings, stack: "prod", events: small.flatMap(f => f.events), concurrency: 1 });
        expect(streamed.events).to.equal(small.reduce((sum, f) => sum + f.events.length, 0));
        expect(streamed.executions).to.be.greaterThan(0);
        expect(strip(streamed)).to.deep.equal(strip(whole));
    });
});
