import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings, Settings } from "../lib/settings";
import { readFindingInputs } from "../offline/findingInput";
import { simulate, stackRules } from "../offline/simulation";
import { findingKey, ReplayAccount } from "../offline/replayAccount";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { runScript } from "./support/scripts";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { at, findingEvent } from "./support/findings";

const SAMPLES = path.join(PROJECT_DIR, "samples", "findings");
const settingsOf = (stack: string): Settings => loadSettings(readStackConfig(stack).read, PROJECT_DIR);

const cli = (args: string[], initCwd?: string) => runScript("simulate", args, { initCwd });

describe("simulate", function () {
    this.timeout(300000);

    it("replays the bundled samples through the dev stack", async () => {
        const input = readFindingInputs([SAMPLES]);
        expect(input.unreadable).to.deep.equal([]);
        const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events: input.events });
        expect(report.events).to.equal(28);
        // Nine new findings and four lifecycle events (a fix, a re-open, a suppression, an archive);
        // the re-imports of notified findings stop at the rule on their NOTIFIED status.
        expect(report.matched).to.equal(13);
        // The dev stack listens to ASFF only: its rules filter the five V2 events by detail-type,
        // and the ASFF twin of the GuardDuty sample by its product.
        expect(report.filtered).to.deep.equal({
            "detail-type": 5,
            "detail.findings.ProductFields.aws/securityhub/ProductName": 2,
            "detail.findings.RecordState": 1,
            "detail.findings.Severity.Label": 2,
            "detail.findings.Workflow.Status": 5,
        });
        expect(report.incidents.map(i => [i.impact, i.title.slice(0, 40)])).to.deep.equal([
            [1, "[111122223333][CRITICAL]: Hardware MFA s"],
            [2, "[111122223333][HIGH]: S3 general purpose"],
            [2, "[444455556666][HIGH]: セキュリティグループは、リスクの高い"],
            [3, "[111122223333][MEDIUM]: CloudTrail log f"],
            [1, "[444455556666][CRITICAL]: Lambda functio"],
            [1, "[111122223333][CRITICAL]: AWS KMS key ro"],
            [2, "[111122223333][HIGH]: Security groups sh"],
            [3, "[111122223333][MEDIUM]: IAM users' acces"],
            [2, "[111122223333][HIGH]: S3 general purpose"],
        ]);
        expect(report.duplicates).to.equal(0);
        expect(report.failures).to.deep.equal([]);
        expect(report.incidents[0].relatedItems.map(r => r.title)).to.deep.equal(["Security Hub finding", "Remediation", "Finding ID"]);
        expect([...report.incidents[2].title].length).to.equal(200);
        expect(report.notified).to.equal(10);
        expect(report.writeBackEvents).to.deep.equal({ events: 13, matched: 0 });
        expect(report.timelineEvents.map(e => [e.kind, e.time])).to.deep.equal([
            ["resolved", "2026-11-21T00:00:00.000Z"], ["reopened", "2026-11-24T00:00:00.000Z"], ["suppressed", "2026-11-22T06:00:00.000Z"], ["archived", "2026-11-23T08:00:00.000Z"],
        ]);
        expect(report.timelineEvents[1].incidentArn).to.equal(report.incidents[6].incidentArn);
        expect(report.reopened).to.deep.equal({ timeline: 1, newIncident: 0 });
        expect(report.executions).to.equal(13);
    });

    it("with OCSF on, sends V2 events through the OCSF rules and names the OCSF field that filtered the others", async () => {
        const settings: Settings = { ...settingsOf("dev"), findingFormats: ["ASFF", "OCSF"] };
        expect(Object.keys(stackRules(settings))).to.deep.equal(["findings", "lifecycle", "ocsf-findings", "ocsf-lifecycle"]);
        expect(Object.keys(stackRules({ ...settings, findingFormats: ["OCSF"], notifyFindings: false }))).to.deep.equal(["ocsf-findings"]);
        // A workflow that only succeeds: this checks the rules and Security Hub's side, not the workflow.
        const account = new ReplayAccount({
            definition: { StartAt: "Done", States: { Done: { Type: "Succeed" } } },
            patterns: stackRules(settings),
            dynamoDb: undefined as unknown as LocalDynamoDb,
            incidents: new IncidentManagerStandIn([]),
        });
        const input = readFindingInputs([path.join(SAMPLES, "05-ocsf-findings.jsonl")]);
        const deliveries = [];
        for (const { event } of input.events) deliveries.push(await account.deliverFromInput(event));
        expect(deliveries.map(d => [d.rule, d.filteredBy, d.runs.length])).to.deep.equal([
            ["ocsf-findings", undefined, 1],
            [undefined, "detail.findings.metadata.product.name", 0],
            [undefined, "detail.findings.ProductFields.aws/securityhub/ProductName", 0],
            [undefined, "detail.findings.metadata.product.name", 0],
            ["ocsf-findings", undefined, 1],
        ]);
        // Security Hub's side stored every V2 finding, and the GuardDuty finding in both formats apart.
        const guardDuty = input.events[1].findingId!;
        expect(account.securityHub.ocsfFinding(guardDuty)!.metadata.product.name).to.equal("GuardDuty");
        expect(account.securityHub.finding(guardDuty)!.ProductName).to.equal("GuardDuty");
        expect(account.securityHub.importsV2.map(i => i.reason)).to.deep.equal(["first-import", "first-import", "first-import", "kept"]);
        expect(findingKey(input.events[1].event)).to.equal(`OCSF|${guardDuty}`);
        expect(findingKey(input.events[2].event)).to.equal(`ASFF|${guardDuty}`);
    });

    it("with OCSF on and the products allowed, opens one incident per finding, one for a finding sent in both formats", async () => {
        const settings: Settings = { ...settingsOf("dev"), findingFormats: ["ASFF", "OCSF"], productNames: ["Security Hub", "GuardDuty", "Inspector"] };
        const input = readFindingInputs([path.join(SAMPLES, "05-ocsf-findings.jsonl")]);
        const report = await simulate({ settings, stack: "dev", events: input.events });
        expect(report.failures).to.deep.equal([]);
        // Control, GuardDuty (OCSF and its ASFF twin: one incident), Inspector; the control's re-import is In Progress.
        expect(report.incidents.map(i => i.findingId)).to.have.members([input.events[0].findingId, input.events[1].findingId, input.events[3].findingId]);
        expect(report.filtered).to.deep.equal({ "detail.findings.status_id": 1 });
        // The write-backs of the three findings without compliance (GuardDuty in both formats, Inspector) reach the
        // lifecycle rules, which follow such NOTIFIED findings for recurring activity; each ends as a duplicate.
        expect(report.writeBackEvents).to.deep.equal({ events: 4, matched: 3 });
        expect(report.incidents).to.have.length(3);
    });

    it("with the prod stack filters MEDIUM findings out", async () => {
        const report = await simulate({ settings: settingsOf("prod"), stack: "prod", events: readFindingInputs([SAMPLES]).events });
        expect(report.matched).to.equal(10);
        expect(report.filtered["detail.findings.Severity.Label"]).to.equal(5);
        expect(report.incidents).to.have.length(7);
    });

    it("never turns repeated deliveries into extra incidents or timeline events", async () => {
        const events = readFindingInputs([SAMPLES]).events;
        const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events, deliveries: 5 });
        expect(report.incidents).to.have.length(9);
        expect(report.executions).to.equal(13 * 5);
        expect(report.timelineEvents).to.have.length(4);
        expect(report.notified).to.equal(10);
        expect(report.droppedDeliveries).to.equal(0);
    });

    it("reports a storm: own incidents up to the threshold, one roll-up with every finding on it", async () => {
        const settings = { ...settingsOf("dev"), stormThreshold: 3 };
        const events = Array.from({ length: 8 }, (_, i) => {
            const event = at(findingEvent(), `2026-11-01T09:0${i}:00Z`);
            return { source: `storm[${i}]`, event, findingId: event.detail.findings[0].Id as string };
        });
        const report = await simulate({ settings, stack: "dev", events });
        // Findings run side by side, as they reach the account: which three get their own incident is a race.
        expect(report.incidents.map(i => i.kind).sort()).to.deep.equal(["finding", "finding", "finding", "rollup"]);
        const rollup = report.incidents.find(i => i.kind === "rollup")!;
        const own = report.incidents.filter(i => i.kind === "finding").map(i => i.findingId);
        expect([...own, ...rollup.findingIds!].sort()).to.deep.equal(events.map(e => e.findingId).sort());
        expect(rollup.findingIds).to.include(rollup.findingId);
        expect(rollup.stormKey).to.equal("S3.8");
        expect(report.attached).to.equal(5);
        expect(report.failures).to.deep.equal([]);
    });

    it("replays on the events' clock: responders resolving after 72 h turn the re-open into a new linked incident", async () => {
        const events = readFindingInputs([path.join(SAMPLES, "04-finding-lifecycle.jsonl")]).events;
        // Shuffled input: each finding's events still run in time order.
        const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events: [...events].reverse(), resolveIncidentsAfterMs: 72 * 3600 * 1000 });
        expect(report.reopened).to.deep.equal({ timeline: 0, newIncident: 1 });
        const groups = report.incidents.filter(i => i.title.includes("Security groups"));
        expect(groups).to.have.length(2);
        const second = groups.find(i => i.previousIncidentArn)!;
        const first = groups.find(i => !i.previousIncidentArn)!;
        expect(second.previousIncidentArn).to.equal(first.incidentArn);
        expect(second.relatedItems.find(r => r.title === "Previous incident")).to.deep.equal({ title: "Previous incident", type: "INCIDENT", value: first.incidentArn });
        // Opened 11-20 00:00, 11-20 06:00 and 11-20 08:00: each resolved 72 h later, before the last event (11-24 12:00).
        expect(report.resolvedByResponders).to.equal(3);
        const without = await simulate({ settings: settingsOf("dev"), stack: "dev", events });
        expect(without.reopened).to.deep.equal({ timeline: 1, newIncident: 0 });
    });

    it("reports the runbooks still running at the end: a resolved incident's is stopped (resolveIncidentsWithFindings)", async () => {
        const a = findingEvent();
        const b = findingEvent();
        const events = [
            { source: "a.json[0]", event: at(a, "2026-11-01T00:00:00Z"), findingId: a.detail.findings[0].Id },
            { source: "a.json[1]", event: at(b, "2026-11-01T00:05:00Z"), findingId: b.detail.findings[0].Id },
            { source: "a.json[2]", event: at(a, "2026-11-02T00:00:00Z", { compliance: "PASSED" }), findingId: a.detail.findings[0].Id },
        ];
        const dev = settingsOf("dev");
        const resolving = await simulate({ settings: { ...dev, resolveIncidentsWithFindings: true }, stack: "dev", events });
        expect(resolving.incidents).to.have.length(2);
        expect(resolving.incidentsResolved).to.equal(1);
        expect(resolving.runbooksRunning).to.equal(1);
        const keeping = await simulate({ settings: { ...dev, resolveIncidentsWithFindings: false }, stack: "dev", events });
        expect(keeping.incidentsResolved).to.equal(0);
        expect(keeping.runbooksRunning).to.equal(2);
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
                // StartIncident takes its time failing, so the other deliveries meet the held claim.
                const startIncident = standIn.startIncident.bind(standIn);
                standIn.startIncident = async request => {
                    await new Promise(resolve => setTimeout(resolve, 100));
                    return startIncident(request);
                };
                return standIn;
            },
        });
        expect(report.incidents).to.deep.equal([]);
        expect(report.duplicates).to.equal(0);
        // The failed execution, then each retry of it (failedExecutionRetryAttempts), all failing.
        const attempts = settingsOf("dev").failedExecutionRetryAttempts;
        expect(report.failures.map(f => f.source)).to.deep.equal(["a.json[0]", ...Array.from({ length: attempts }, (_, i) => `a.json[0], retry ${i + 1}`)]);
        expect(report.retries).to.equal(attempts);
        expect(report.droppedDeliveries).to.equal(4);
        expect(report.findings.map(f => f.outcome)).to.deep.equal(["failed"]);
        expect(report.stuckClaims).to.equal(0);
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
        expect(Object.keys(report)).to.deep.equal([
            "backend", "events", "matched", "filtered", "writeBackEvents", "incidents", "duplicates", "droppedDeliveries", "failures", "executions", "transitions",
            "notified", "timelineEvents", "escalated", "reopened", "incidentsResolved", "resolvedByResponders", "attached", "suppressedByRule", "retries", "findings", "stuckClaims", "runbooksRunning", "skipped", "warnings", "productsExcluded",
        ]);
        expect(report.stuckClaims).to.equal(0);
        expect(report.findings.length).to.be.greaterThan(0);
        expect(report.findings[0]).to.include.keys("findingId", "source", "outcome");
        expect(report.incidents[0]).to.have.all.keys("kind", "findingId", "source", "title", "impact", "relatedItems", "responsePlanArn", "incidentArn");
        expect(report.incidents[0].kind).to.equal("finding");
        expect(report.incidents[0].responsePlanArn).to.equal("arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-prod");
        expect(report.timelineEvents[0]).to.have.all.keys("findingId", "incidentArn", "time", "kind");
        expect(report.reopened).to.have.all.keys("timeline", "newIncident");
        expect(report.incidents[0].relatedItems[0]).to.have.all.keys("title", "type", "value");
        expect(report.transitions).to.be.above(0);
    });

    it("prints a summary and one line per incident", () => {
        const run = cli([path.join(SAMPLES, "01-eventbridge-events.json"), "--deliveries", "3"]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/events read +9\n/);
        expect(run.stdout).to.match(/incidents opened +4\n/);
        // The second import of a notified finding stops at the rule; the extra deliveries are duplicates.
        expect(run.stdout).to.match(/duplicates suppressed +8\n/);
        expect(run.stdout).to.match(/findings notified +4\n/);
        expect(run.stdout).to.include("  impact 1  [111122223333][CRITICAL]: Hardware MFA should be enabled for the root user");
    });

    it("lists OpsItems for an OpsCenter stack, each with its finding and where it was read", () => {
        const run = cli([path.join(SAMPLES, "01-eventbridge-events.json"), "--stack", "opscenter"]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.include("Incident backend: opscenter");
        expect(run.stdout).to.match(/\nOpsItems:\n  oi-[0-9a-f]{12}  severity 1, priority 1  \[111122223333\]\[CRITICAL\]: Hardware MFA should be enabled for the root user\n {12}arn:aws:ssm:us-east-1:111122223333:opsitem\/oi-[0-9a-f]{12}\n {12}finding: …\.6\/finding\/3f1c6a2e-55b1-4d0c-9a0e-6d2c8e71b001  from samples\/findings\/01-eventbridge-events\.json\[0\]\n/);
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

    describe("command line", () => {
        let dir: string;
        beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "simulate-cli-")); });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const write = (name: string, content: string) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, content);
            return file;
        };
        /** An event whose StartIncident request the service refuses (no usable timestamp). */
        // An Id that is not valid Unicode (a lone surrogate) cannot be put into a console link: the
        // execution fails. Security Hub never sends one; hand-made input can.
        const failing = () => {
            const event = findingEvent();
            event.detail.findings[0].Id = "bad-\ud800-id";
            return event;
        };

        it("under --json prints one JSON document on exit 0, 1 and 2, failures with their cause", () => {
            const ok = cli(["--json", write("ok.json", JSON.stringify(findingEvent()))]);
            expect(ok.status, ok.stderr).to.equal(0);
            expect(JSON.parse(ok.stdout).incidents).to.have.length(1);

            const failed = cli(["--json", write("fails.json", JSON.stringify(failing()))]);
            expect(failed.status, failed.stderr).to.equal(1);
            const report = JSON.parse(failed.stdout);
            // The failed execution and its retries (failedExecutionRetryAttempts, default 3).
            expect(report.failures).to.have.length(4);
            expect(report.findings.map((f: { outcome: string }) => f.outcome)).to.deep.equal(["failed"]);
            expect(report.stuckClaims).to.equal(0);
            expect(report.failures[0]).to.have.all.keys("findingId", "source", "error", "cause");
            expect(report.failures[0].error).to.equal("States.QueryEvaluationError");
            expect(report.failures[0].cause).to.include("Malformed URL passed to $encodeUrlComponent()");

            const broken = write("broken.json", '{"Findings": [');
            const input = cli(["--json", broken]);
            expect(input.status).to.equal(2);
            expect(JSON.parse(input.stdout)).to.deep.equal({ error: { kind: "input", message: "nothing was replayed; fix or leave out the files above", problems: [
                { source: `${broken}:1:15`, reason: "not JSON: the file ends before the JSON document does (truncated?)" },
            ] } });

            const usage = cli(["--json", "--deliveries", "0x10", "--bogus"]);
            expect(usage.status).to.equal(2);
            expect(JSON.parse(usage.stdout).error.kind).to.equal("usage");
            expect(JSON.parse(usage.stdout).error.problems.map((p: { source: string }) => p.source)).to.deep.equal(["--bogus", "--deliveries"]);

            const config = cli(["--json", "--stack", "staging"]);
            expect(config.status).to.equal(2);
            expect(JSON.parse(config.stdout).error).to.deep.include({ kind: "config", message: "--stack staging: Pulumi.staging.yaml does not exist; stacks here: dev, opscenter, prod" });
        });

        it("writes the report to --output, resolved from where npm was run, and nothing to stdout", () => {
            fs.mkdirSync(path.join(dir, "sub"));
            write("sub/in.json", JSON.stringify(findingEvent()));
            const run = cli(["--json", "--output", "report.json", "in.json"], path.join(dir, "sub"));
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.equal("");
            expect(run.stderr).to.equal(`simulate: report written to ${path.join(dir, "sub", "report.json")}\n`);
            const report = JSON.parse(fs.readFileSync(path.join(dir, "sub", "report.json"), "utf8"));
            expect(report.incidents.map((i: { source: string }) => i.source)).to.deep.equal([path.join(dir, "sub", "in.json")]);

            // On exit 2 the file gets the error document, never a stale report.
            const broken = cli(["--json", "--output", "report.json", "missing.json"], path.join(dir, "sub"));
            expect(broken.status).to.equal(2);
            expect(broken.stdout).to.equal("");
            expect(JSON.parse(fs.readFileSync(path.join(dir, "sub", "report.json"), "utf8")).error.problems).to.deep.equal([
                { source: path.join(dir, "sub", "missing.json"), reason: "no such file or directory (ENOENT)" },
            ]);

            const text = cli(["--output", path.join(dir, "report.txt"), path.join(dir, "sub", "in.json")]);
            expect(text.status, text.stderr).to.equal(0);
            expect(fs.readFileSync(path.join(dir, "report.txt"), "utf8")).to.match(/incidents opened +1\n/);
        });

        it("refuses an --output that is a directory, an input file or under a missing directory", () => {
            const input = write("in.json", JSON.stringify(findingEvent()));
            const before = fs.readFileSync(input, "utf8");
            const same = cli(["--output", input, input]);
            expect(same.status).to.equal(2);
            expect(same.stderr).to.include(`simulate: --output ${input} is one of the input files; the report would overwrite it`);
            expect(fs.readFileSync(input, "utf8")).to.equal(before);
            const isDir = cli(["--json", "--output", dir, input]);
            expect(isDir.status).to.equal(2);
            expect(JSON.parse(isDir.stdout).error.kind).to.equal("output");
            const missing = cli(["--output", path.join(dir, "no", "such", "r.json"), input]);
            expect(missing.status).to.equal(2);
            expect(missing.stderr).to.include(`--output ${path.join(dir, "no", "such", "r.json")} cannot be written: no such file or directory (ENOENT)`);
            expect(missing.stderr).not.to.match(/\n\s+at /);
        });

        it("resolves FILE and DIR arguments from where npm was run and names the resolved path", () => {
            write("here.json", JSON.stringify(findingEvent()));
            const run = cli(["here.json", "gone.json"], dir);
            expect(run.status).to.equal(2);
            expect(run.stderr).to.include(`simulate: ${path.join(dir, "gone.json")}: no such file or directory (ENOENT)\n`);
            const ok = cli(["--json", "."], dir);
            expect(ok.status, ok.stderr).to.equal(0);
            expect(JSON.parse(ok.stdout).incidents.map((i: { source: string }) => i.source)).to.deep.equal([path.join(dir, "here.json")]);
        });

        it("strips terminal escape sequences and control characters from finding text", () => {
            const event = findingEvent({ title: "\u001b]0;owned\u0007\u001b[2J\u001b[31mRed\u001b[0m\nFAKE LINE\u009b1m\u202eevil" });
            event.detail.findings[0].Id = "id-\u001b[8mhidden";
            const bad = failing();
            bad.detail.findings[0].Id = "fail-\u001b[1A\r-id\ud800";
            const run = cli([write("hostile.json", JSON.stringify([event, bad, { "detail-type": "\u001b[31mx", source: "s", detail: {} }]))]);
            expect(run.status).to.equal(1);
            expect(run.stdout).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
            expect(run.stdout).to.include("[111122223333][HIGH]: Red FAKE LINEevil");
            expect(run.stdout).to.include(": fail- -id");
            expect(run.stdout).to.include("States.QueryEvaluationError: Malformed URL passed to $encodeUrlComponent()");
        });

        it("prints the usage with every option for --help and -h, and exits 0", () => {
            for (const flag of ["--help", "-h"]) {
                const run = cli([flag, "--bogus"]);
                expect(run.status).to.equal(0);
                for (const option of ["--stack <name>", "--stack-file <file>", "--deliveries <N>", "--json", "--output <file>", "-h, --help"]) expect(run.stdout).to.include(option);
            }
        });

        it("refuses --deliveries that are not plain digits, unknown options and missing values, one line each", () => {
            const deliveries = cli(["--deliveries", "1e3"]);
            expect(deliveries.status).to.equal(2);
            expect(deliveries.stderr).to.include('simulate: --deliveries "1e3" must be a whole number from 1 to 1000, in digits\n');
            const run = cli(["--frobnicate", "--stack"]);
            expect(run.status).to.equal(2);
            expect(run.stderr.split("\n")).to.deep.equal([
                "simulate: unknown option --frobnicate",
                "simulate: --stack needs a value (a stack name)",
                "usage: npm run simulate -- [options] [FILE|DIR ...]",
                "(npm run simulate -- --help for every option)",
                "",
            ]);
        });

        it("takes settings from --stack-file, naming the stack after Pulumi.<name>.yaml", () => {
            write("Pulumi.lowtoo.yaml", "config:\n  aws:region: ap-northeast-1\n  securityhub-incidents:severityLabels: [LOW]\n");
            const low = write("low.json", JSON.stringify(findingEvent({ severity: "LOW" })));
            const run = cli(["--stack-file", "Pulumi.lowtoo.yaml", low], dir);
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.match(/^Stack lowtoo: findings rule matches severity LOW,/);
            expect(run.stdout).to.match(/incidents opened +1\n/);
            const unnamed = cli(["--stack-file", write("settings.yaml", "config: {}\n"), low]);
            expect(unnamed.status).to.equal(2);
            expect(unnamed.stderr).to.include("the file is not named Pulumi.<stack>.yaml, so give the stack's name with --stack");
        });

        it("warns about an event with several findings, in the report and in --json", () => {
            const event = findingEvent({ severity: "LOW" });
            event.detail.findings.push(findingEvent({ severity: "CRITICAL" }).detail.findings[0]);
            const file = write("multi.json", JSON.stringify(event));
            const run = cli([file]);
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.include(`Warnings:\n  ${file}: the event holds 2 findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[1])\n`);
            const json = JSON.parse(cli(["--json", file]).stdout);
            expect(json.warnings).to.deep.equal([{ source: file, reason: "the event holds 2 findings; Security Hub sends one per event, so each finding is replayed as its own event (findings[0] to findings[1])" }]);
        });

        it("lists at most 50 skipped records or unreadable files on the terminal; --json has them all", () => {
            const empty = path.join(dir, "empty");
            fs.mkdirSync(empty);
            for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(empty, `${String(i).padStart(2, "0")}.json`), "");
            const run = cli([empty]);
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.include(`  ${path.join(empty, "49.json")}: the file is empty: it holds no events\n  … and 10 more (--json lists them all)\n`);
            expect(run.stdout).not.to.include("50.json");
            for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(empty, `${String(i).padStart(2, "0")}.json`), "{");
            const broken = cli(["--json", empty]);
            expect(broken.status).to.equal(2);
            expect(broken.stderr.trim().split("\n")).to.have.length(52);
            expect(JSON.parse(broken.stdout).error.problems).to.have.length(60);
        });

        it("names an --output that cannot be written after the replay (a full device) in one line", function () {
            if (!fs.existsSync("/dev/full")) this.skip();
            const run = cli(["--json", "--output", "/dev/full", write("in.json", JSON.stringify(findingEvent()))]);
            expect(run.status).to.equal(2);
            expect(run.stderr).to.equal("simulate: --output /dev/full cannot be written: no space left on the device (ENOSPC)\n");
            expect(JSON.parse(run.stdout).error).to.deep.equal({ kind: "output", message: "--output /dev/full cannot be written: no space left on the device (ENOSPC)", problems: [{ source: "/dev/full", reason: "cannot be written: no space left on the device (ENOSPC)" }] });
        });

        it("reports a truncated findings file in one line, not one per line", () => {
            const text = JSON.stringify({ Findings: Array.from({ length: 200 }, () => findingEvent().detail.findings[0]) }, null, 4);
            const run = cli([write("truncated.json", text.slice(0, Math.floor(text.length / 2)))]);
            expect(run.status).to.equal(2);
            expect(run.stdout).to.equal("");
            expect(run.stderr.trim().split("\n")).to.have.length(2);
            expect(run.stderr).to.match(/truncated\.json:\d+:\d+: not JSON: the file ends before the JSON document does \(truncated\?\)\nsimulate: nothing was replayed/);
        });
    });
});
