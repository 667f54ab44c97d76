import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings, Settings } from "../lib/settings";
import { PRODUCERS, producersExcluded, productFilterNote } from "../lib/producers";
import { eventForFinding, indexFindingInputs, readFindingInputs } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { runScript } from "./support/scripts";

/** The shared corpus of real published findings (read its SOURCES.md; never edited). */
const CORPUS = "/work/shared/real-findings";
const corpus = (file: string) => JSON.parse(fs.readFileSync(path.join(CORPUS, file), "utf8"));
const settingsOf = (stack: string): Settings => loadSettings(readStackConfig(stack).read, PROJECT_DIR);

describe("real findings (the shared corpus)", function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "real-findings-"));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        return file;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("replays the whole corpus, read recursively, with 0 failures and no stuck claims; every file's findings read or skipped with a reason", async () => {
        const { input, skipped, warnings, unreadable } = indexFindingInputs([CORPUS]);
        expect(unreadable).to.deep.equal([]);
        const files = (function walk(d: string): string[] {
            return fs.readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(path.join(d, e.name)) : /\.json$/.test(e.name) ? [path.join(d, e.name)] : []);
        })(CORPUS);
        expect(files.length).to.be.greaterThan(15);
        // Every producer on: as many findings as possible go through the workflow, both formats.
        const settings: Settings = { ...settingsOf("dev"), findingFormats: ["ASFF", "OCSF"], productNames: [...new Set(PRODUCERS.flatMap(p => [p.asff, p.ocsf].filter((n): n is string => n !== undefined)))] };
        const report = await simulate({ settings, stack: "dev", input });
        expect(report.failures).to.deep.equal([]);
        expect(report.stuckClaims).to.equal(0);
        expect(report.events).to.equal(input.events);
        const sources = [...report.findings.map(f => f.source), ...skipped.map(s => s.source)];
        for (const file of files) expect(sources.some(s => s.startsWith(file)), `${file}: neither read nor skipped`).to.equal(true);
        // The Insight Results event (awsdocs-securityhub/cwe-event-formats.insight-results.json) is replayed with its reason.
        expect(warnings.map(w => path.relative(CORPUS, w.source))).to.include("awsdocs-securityhub/cwe-event-formats.insight-results.json");
        expect(report.incidents.length).to.be.greaterThan(5);
        // The input's products: all counted, for the productNames report.
        expect([...input.products.values()].map(p => p.product)).to.include.members(["Security Hub", "GuardDuty", "Inspector", "Security Hub Exposure Analysis"]);
    });

    it("reads a bare ASFF finding and a bare OCSF finding (awsdocs-securityhub fsbp-cloudtrail2, awsdocs-securityhub-v2 exposure-finding)", () => {
        const asff = corpus("awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json").Findings[0];
        const ocsf = corpus("awsdocs-securityhub-v2/exposure-finding.sample.json").Findings[0];
        const input = readFindingInputs([write("bare-asff.json", JSON.stringify(asff, null, 2)), write("bare-ocsf.json", JSON.stringify(ocsf))]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.skipped).to.deep.equal([]);
        expect(input.events.map(e => [path.basename(e.source), e.findingId, e.format, e.event["detail-type"]])).to.deep.equal([
            ["bare-asff.json", asff.Id, "ASFF", "Security Hub Findings - Imported"],
            ["bare-ocsf.json", ocsf.finding_info.uid, "OCSF", "Findings Imported V2"],
        ]);
    });

    it("reads Prowler's -M json-asff list and a get-findings --query Findings list (prowler-docs json-asff-output, awsdocs-service-guides guardduty)", () => {
        const prowler = corpus("prowler-docs/json-asff-output.getfindings.json").Findings;
        const guardDuty = [corpus("awsdocs-service-guides/guardduty-typical-finding.json").Findings[0], corpus("awsdocs-service-guides/guardduty-typical-finding.current-docs.json").Findings[0]];
        const input = readFindingInputs([write("prowler.asff.json", JSON.stringify(prowler, null, 4)), write("query-findings.json", JSON.stringify(guardDuty))]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal([...prowler.map((_: unknown, i: number) => `prowler.asff.json[${i}]`), "query-findings.json[0]", "query-findings.json[1]"]);
        expect(input.events.map(e => e.findingId)).to.deep.equal([...prowler, ...guardDuty].map((f: { Id: string }) => f.Id));
    });

    it("reads Firehose-style concatenated objects and JSON Lines (sumologic-docs-v2 event, awsdocs-service-guides inspector)", () => {
        const event = corpus("sumologic-docs-v2/security-hub-ocsf.sample-log-message.json");
        const inspector = eventForFinding(corpus("awsdocs-service-guides/inspector-classic-typical-finding.json").Findings[0]);
        const one = JSON.stringify(event);
        const input = readFindingInputs([write("firehose.json", `${one}${JSON.stringify(inspector)}\n${JSON.stringify(event, null, 2)}`), write("events.jsonl", `${one}\n${JSON.stringify(inspector)}\n`)]);
        expect(input.unreadable).to.deep.equal([]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal(["firehose.json:1", `firehose.json:1:${one.length + 1}`, "firehose.json:2", "events.jsonl:1", "events.jsonl:2"]);
        expect(input.events.map(e => e.format)).to.deep.equal(["OCSF", "ASFF", "OCSF", "OCSF", "ASFF"]);
        expect(input.events[0].event).to.deep.equal(event);
    });

    it("skips one finding nested 152 deep, not the other four of its file (derived from awsdocs-securityhub sample control findings)", () => {
        const findings = ["cis120-2.7", "cis140-3.7", "controltower-cloudtrail2", "fsbp-cloudtrail2", "pcidss-cloudtrail2"].map(n => corpus(`awsdocs-securityhub/sample-control-findings.${n}.json`).Findings[0]);
        let deep: unknown = "x";
        for (let i = 0; i < 150; i++) deep = { nested: deep };
        findings[2].ProductFields = { ...findings[2].ProductFields, Deep: deep };
        const file = write("five.json", JSON.stringify({ Findings: findings }));
        const input = readFindingInputs([file]);
        expect(input.events.map(e => path.basename(e.source))).to.deep.equal(["five.json Findings[0]", "five.json Findings[1]", "five.json Findings[3]", "five.json Findings[4]"]);
        expect(input.skipped).to.deep.equal([{ source: `${file} Findings[2]`, reason: "nested more than 100 levels deep; no Security Hub finding is" }]);
        // The same five as a bare list: the deep one alone is skipped too.
        const list = readFindingInputs([write("five-list.json", JSON.stringify(findings))]);
        expect(list.events).to.have.length(4);
        expect(list.skipped.map(s => path.basename(s.source))).to.deep.equal(["five-list.json[2]"]);
    });

    it("warns, with the reason, for findings the rule never matches: 2018-style severity, Security Lake OCSF, Custom Action and Insight events", () => {
        // Derived: the GuardDuty typical finding (awsdocs-service-guides) with only Severity.Normalized, as 2018 findings had.
        const old = corpus("awsdocs-service-guides/guardduty-typical-finding.json").Findings[0];
        old.Severity = { Normalized: 50, Product: 5 };
        // Derived: the exposure finding (awsdocs-securityhub-v2) without status_id, as Security Lake keeps OCSF.
        const lake = corpus("awsdocs-securityhub-v2/exposure-finding.sample.json").Findings[0];
        delete lake.status_id;
        // Derived: the Inspector finding (awsdocs-service-guides) in a Custom Action event.
        const action = { ...eventForFinding(corpus("awsdocs-service-guides/inspector-classic-typical-finding.json").Findings[0]), "detail-type": "Security Hub Findings - Custom Action" };
        const input = readFindingInputs([
            write("old.json", JSON.stringify({ Findings: [old] })),
            write("lake.json", JSON.stringify([lake])),
            write("action.json", JSON.stringify(action)),
            path.join(CORPUS, "awsdocs-securityhub/cwe-event-formats.insight-results.json"),
        ]);
        expect(input.events).to.have.length(4);
        expect(input.warnings.map(w => [path.basename(w.source), w.reason.split(/[:;]/)[0]])).to.deep.equal([
            ["old.json Findings[0]", "2018-style ASFF"],
            ["lake.json[0]", "OCSF without status_id (as Security Lake stores findings, not as Security Hub sends them)"],
            ["action.json", "a Custom Action event (sent when someone chooses a custom action on findings in the console), not an import"],
            ["cwe-event-formats.insight-results.json", "an Insight Results event (sent for a custom action on an insight"],
        ]);
    });

    it("says which well-known producers the default productNames drops (lib/producers.ts), per format", () => {
        const dropped = producersExcluded(["Security Hub"], ["ASFF", "OCSF"]).map(e => e.producer.name);
        expect(dropped).to.include.members(["Amazon GuardDuty", "Amazon Inspector", "Amazon Macie", "IAM Access Analyzer", "Security Hub exposure findings"]);
        expect(dropped).not.to.include("Security Hub (CSPM controls)");
        // ASFF only: the exposure findings (OCSF only) are not named.
        expect(productFilterNote(["Security Hub"])).to.include('Amazon GuardDuty (ASFF "GuardDuty")').and.not.include("Exposure");
        expect(productFilterNote(PRODUCERS.flatMap(p => [p.asff, p.ocsf].filter((n): n is string => n !== undefined)), ["ASFF", "OCSF"])).to.equal(undefined);
    });

    it("simulate on the corpus: each incident's finding id and source file, and the products productNames drops, with counts", () => {
        const run = runScript("simulate", [CORPUS]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/not in productNames\s+.*GuardDuty \(ASFF\) 3 findings/);
        expect(run.stdout).to.match(/finding: ….[27]\/finding\/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111  from /);
        // FSBP, PCI DSS and CIS 1.2.0 report one check on one trail: one incident (a problem group), opened by whichever came first.
        const opened = ["fsbp-cloudtrail2", "pcidss-cloudtrail2", "cis120-2.7"].filter(n => run.stdout.includes(`awsdocs-securityhub/sample-control-findings.${n}.json Findings[0]`));
        expect(opened).to.have.length(1);
        expect(run.stdout).to.include("awsdocs-securityhub/sample-control-findings.controltower-cloudtrail2.json Findings[0]");
    });
});
