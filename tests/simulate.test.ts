import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings, Settings } from "../lib/settings";
import { readFindingInputs } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { runScript } from "./support/scripts";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { findingEvent } from "./support/findings";

const SAMPLES = path.join(PROJECT_DIR, "samples", "findings");
const settingsOf = (stack: string): Settings => loadSettings(readStackConfig(stack).read, PROJECT_DIR);

const cli = (args: string[]) => runScript("simulate", args);

describe("simulate", function () {
    this.timeout(120000);

    it("replays the bundled samples through the dev stack", async () => {
        const input = readFindingInputs([SAMPLES]);
        expect(input.unreadable).to.deep.equal([]);
        const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events: input.events });
        expect(report.events).to.equal(13);
        expect(report.matched).to.equal(8);
        expect(report.filtered).to.deep.equal({
            "detail-type": 1,
            "detail.findings.ProductFields.aws/securityhub/ProductName": 1,
            "detail.findings.RecordState": 1,
            "detail.findings.Severity.Label": 1,
            "detail.findings.Workflow.Status": 1,
        });
        expect(report.incidents.map(i => [i.impact, i.title.slice(0, 40)])).to.deep.equal([
            [1, "[111122223333][CRITICAL]: Hardware MFA s"],
            [2, "[111122223333][HIGH]: S3 general purpose"],
            [2, "[444455556666][HIGH]: セキュリティグループは、リスクの高い"],
            [3, "[111122223333][MEDIUM]: CloudTrail log f"],
            [1, "[444455556666][CRITICAL]: Lambda functio"],
            [1, "[111122223333][CRITICAL]: AWS KMS key ro"],
        ]);
        expect(report.duplicates).to.equal(2);
        expect(report.failures).to.deep.equal([]);
        expect(report.incidents[0].relatedItems.map(r => r.title)).to.deep.equal(["Security Hub finding", "Remediation", "Finding ID"]);
        expect([...report.incidents[2].title].length).to.equal(200);
    });

    it("with the prod stack filters MEDIUM findings out", async () => {
        const report = await simulate({ settings: settingsOf("prod"), stack: "prod", events: readFindingInputs([SAMPLES]).events });
        expect(report.matched).to.equal(7);
        expect(report.filtered["detail.findings.Severity.Label"]).to.equal(2);
        expect(report.incidents).to.have.length(5);
    });

    it("never turns repeated deliveries into extra incidents", async () => {
        const events = readFindingInputs([SAMPLES]).events;
        const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events, deliveries: 5 });
        expect(report.incidents).to.have.length(6);
        expect(report.executions).to.equal(8 * 5);
        expect(report.duplicates).to.equal(8 * 5 - 6);
        expect(report.droppedDeliveries).to.equal(0);
    });

    it("replays one finding's events in order and reports failures with the finding", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        const report = await simulate({
            settings: settingsOf("dev"),
            stack: "dev",
            events: [{ source: "a.json[0]", event, findingId: id }, { source: "a.json[1]", event, findingId: id }],
            incidentManager: arn => {
                const standIn = new IncidentManagerStandIn([arn]);
                standIn.failNext("AccessDeniedException");
                return standIn;
            },
        });
        // The first delivery fails and gives its claim back; the second opens the incident.
        expect(report.failures).to.deep.equal([{ findingId: id, source: "a.json[0]", error: "SsmIncidents.AccessDeniedException", cause: "injected AccessDeniedException (Service: SsmIncidents, Error Code: AccessDeniedException)" }]);
        expect(report.incidents.map(i => i.source)).to.deep.equal(["a.json[1]"]);
    });

    it("does not count deliveries stopped by a failed attempt's claim as suppressed duplicates", async () => {
        const event = findingEvent();
        const report = await simulate({
            settings: settingsOf("dev"),
            stack: "dev",
            events: [{ source: "a.json[0]", event, findingId: event.detail.findings[0].Id }],
            deliveries: 5,
            incidentManager: arn => {
                const standIn = new IncidentManagerStandIn([arn]);
                standIn.failAlways("AccessDeniedException");
                return standIn;
            },
        });
        expect(report.incidents).to.deep.equal([]);
        expect(report.duplicates).to.equal(0);
        expect(report.failures.length).to.be.at.least(1);
        expect(report.droppedDeliveries).to.equal(5 - report.failures.length);
        expect(report.droppedDeliveries).to.be.at.least(1);
    });

    it("replays an event with several findings as one event per finding, so a LOW first finding opens nothing", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simulate-"));
        try {
            const event = findingEvent({ severity: "LOW" });
            const critical = findingEvent({ severity: "CRITICAL" }).detail.findings[0];
            event.detail.findings.push(critical);
            const file = path.join(dir, "multi.json");
            fs.writeFileSync(file, JSON.stringify(event));
            const input = readFindingInputs([file]);
            expect(input.warnings.map(w => w.source)).to.deep.equal([file]);
            const report = await simulate({ settings: settingsOf("prod"), stack: "prod", events: input.events });
            expect(report.filtered).to.deep.equal({ "detail.findings.Severity.Label": 1 });
            expect(report.incidents.map(i => [i.source, i.findingId, i.title.slice(0, 26)])).to.deep.equal([[`${file} findings[1]`, critical.Id, "[111122223333][CRITICAL]: "]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("prints the documented JSON with --json", () => {
        const run = cli(["--json", "--stack", "prod"]);
        expect(run.status, run.stderr).to.equal(0);
        const report = JSON.parse(run.stdout);
        expect(Object.keys(report)).to.deep.equal(["events", "matched", "filtered", "incidents", "duplicates", "failures", "transitions", "skipped"]);
        expect(report.incidents[0]).to.have.all.keys("findingId", "title", "impact", "relatedItems");
        expect(report.incidents[0].relatedItems[0]).to.have.all.keys("title", "type", "value");
        expect(report.transitions).to.be.above(0);
    });

    it("prints a summary and one line per incident", () => {
        const run = cli([path.join(SAMPLES, "01-eventbridge-events.json"), "--deliveries", "3"]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/events read +9\n/);
        expect(run.stdout).to.match(/incidents opened +4\n/);
        expect(run.stdout).to.match(/duplicates suppressed +11\n/);
        expect(run.stdout).to.include("  impact 1  [111122223333][CRITICAL]: Hardware MFA should be enabled for the root user");
    });

    it("exits 2 on unreadable input or bad options, naming the file, without a stack trace", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simulate-"));
        try {
            const broken = path.join(dir, "broken.json");
            fs.writeFileSync(broken, "not json");
            const run = cli([broken]);
            expect(run.status).to.equal(2);
            expect(run.stderr).to.include(`simulate: ${broken}:1:1: not JSON: expected a JSON value but found "n"`);
            expect(run.stderr).not.to.match(/\n\s+at /);
            const bad = cli(["--deliveries", "zero"]);
            expect(bad.status).to.equal(2);
            expect(bad.stderr).to.include('--deliveries "zero" must be a whole number from 1 to 1000');
            const stack = cli(["--stack", "staging"]);
            expect(stack.status).to.equal(2);
            expect(stack.stderr).to.include("Pulumi.staging.yaml does not exist");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
