import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runScript } from "./support/scripts";
import { loadRunbook } from "../lib/runbook";
import { buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { loadSettings } from "../lib/settings";
import { readStackConfig } from "../offline/stackConfig";
import { eventPatternFiles, SynthOutputError } from "../offline/synthOutput";
import { PROJECT_DIR } from "../offline/stackConfig";

const synth = (args: string[], initCwd?: string) => runScript("synth", args, { initCwd });

describe("npm run synth", function () {
    this.timeout(120000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

    it("writes what `pulumi up` would create for the dev stack", () => {
        const out = path.join(tmp, "dev");
        const run = synth(["--stack", "dev", "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        // 20, plus the retry of failed executions (11), plus the sample suppressions.yaml's 3 rules as 6 CSPM automation rules (a pair each: notifyFindings is on).
        expect(run.stdout).to.match(/stack dev: 37 resources in 8 components/);
        // One line naming the well-known producers the default productNames drops (lib/producers.ts).
        expect(run.stdout).to.match(/^note: productNames \["Security Hub"\] excludes findings of .*Amazon GuardDuty \(ASFF "GuardDuty"\).*Amazon Inspector.*Amazon Macie.*IAM Access Analyzer.* at any severity/m);
        const rules = JSON.parse(read(out, "suppression-rules.json"));
        expect(rules.asff.map((r: any) => [r.inputs.ruleName, r.inputs.ruleOrder, r.inputs.ruleStatus])).to.deep.equal([
            ["public-website-bucket-on-incident", 1, "ENABLED"], ["public-website-bucket", 2, "ENABLED"],
            ["sandbox-account-ec2-on-incident", 3, "ENABLED"], ["sandbox-account-ec2", 4, "ENABLED"],
            ["scratch-buckets-by-tag-on-incident", 5, "ENABLED"], ["scratch-buckets-by-tag", 6, "ENABLED"],
        ]);
        expect(rules.ocsf).to.deep.equal([]);
        // The retry of failed executions: its rule's pattern and its state machine.
        expect(JSON.parse(read(out, "failed-execution-event-pattern.json")).detail.status).to.deep.equal(["FAILED"]);
        expect(JSON.parse(read(out, "retry-state-machine.asl.json")).States.StartAgain.Resource).to.equal("arn:aws:states:::states:startExecution");
        const resources = JSON.parse(read(out, "resources.json"));
        expect(resources.map((r: { type: string }) => r.type)).to.include.members(["aws:sfn/stateMachine:StateMachine", "aws:ssmincidents/responsePlan:ResponsePlan"]);
        expect(JSON.parse(read(out, "event-pattern.json")).detail.findings.Severity.Label).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM"]);
        expect(JSON.parse(read(out, "lifecycle-event-pattern.json"))).to.deep.equal(buildLifecyclePattern(loadSettings(readStackConfig("dev", PROJECT_DIR).read, PROJECT_DIR)));
        const asl = read(out, "state-machine.asl.json");
        expect(asl).not.to.include("${");
        expect(asl).to.include("arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-dev");
        // The bundled runbook, each phase given aws:pause's longest timeout (30 days).
        expect(read(out, "runbook.yaml")).to.equal(loadRunbook(path.join(PROJECT_DIR, "runbooks/securityhub-incident.en.yaml"), { pauseTimeoutSeconds: 30 * 86400 }).content);
        expect(read(out, "runbook.yaml")).to.include("timeoutSeconds: 2592000");
        const policies = fs.readdirSync(path.join(out, "policies")).sort();
        expect(policies).to.include.members(["incidents-tasks.json", "incidents-role.trust.json", "response-runbook-policy.json", "findings-dlq-policy.json", "findings-start-execution.json"]);
    });

    it("writes each format's patterns, named after the rules, only for the formats that are on", () => {
        const stackFile = path.join(tmp, "Pulumi.both.yaml");
        fs.writeFileSync(stackFile, read(PROJECT_DIR, "Pulumi.dev.yaml").replace("config:\n", "config:\n  securityhub-incidents:findingFormats:\n    - ASFF\n    - OCSF\n"));
        const out = path.join(tmp, "both");
        const run = synth(["--stack-file", stackFile, "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        // 24, plus the retry of failed executions (11), plus 6 CSPM and 6 V2 automation rules for the sample suppressions.yaml.
        expect(run.stdout).to.match(/stack both: 47 resources in 8 components/);
        expect(JSON.parse(read(out, "suppression-rules.json")).ocsf.map((r: any) => r.criteria.CompositeOperator)).to.deep.equal(Array(6).fill("AND"));
        const settings = loadSettings(readStackConfig("both", PROJECT_DIR, stackFile).read, PROJECT_DIR);
        expect(JSON.parse(read(out, "event-pattern.json")).detail.findings.Severity.Label).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM"]);
        expect(JSON.parse(read(out, "lifecycle-event-pattern.json"))).to.deep.equal(buildLifecyclePattern(settings));
        expect(JSON.parse(read(out, "ocsf-event-pattern.json"))).to.deep.equal(buildOcsfEventPattern(settings));
        expect(JSON.parse(read(out, "ocsf-lifecycle-event-pattern.json"))).to.deep.equal(buildOcsfLifecyclePattern(settings));
        // The dev stack (ASFF only) writes no OCSF pattern.
        expect(fs.readdirSync(path.join(tmp, "dev")).filter(f => f.includes("ocsf"))).to.deep.equal([]);
    });

    it("names pattern files by the rule's logical name after its component, and refuses rules it cannot name", () => {
        const component = { type: "securityhub-incidents:events:FindingEventRule", name: "findings", inputs: {} };
        const rule = (name: string, marker: string) => ({ type: "aws:cloudwatch/eventRule:EventRule", name, inputs: { eventPattern: JSON.stringify({ marker: [marker] }) } });
        const files = eventPatternFiles([component, rule("findings-rule", "a"), rule("findings-lifecycle-rule", "b"), rule("findings-ocsf-rule", "c"), rule("findings-ocsf-lifecycle-rule", "d")]);
        expect([...files.entries()]).to.deep.equal([
            ["event-pattern.json", { marker: ["a"] }],
            ["lifecycle-event-pattern.json", { marker: ["b"] }],
            ["ocsf-event-pattern.json", { marker: ["c"] }],
            ["ocsf-lifecycle-event-pattern.json", { marker: ["d"] }],
        ]);
        expect(() => eventPatternFiles([component, rule("other-rule", "x")])).to.throw(SynthOutputError, /event rule other-rule is not named <component>-…rule after a FindingEventRule component/);
        const second = { ...component, name: "more" };
        expect([...eventPatternFiles([component, second, rule("more-rule", "x")]).keys()]).to.deep.equal(["event-pattern.json"]);
        expect(() => eventPatternFiles([component, second, rule("findings-rule", "x"), rule("more-rule", "y")])).to.throw(SynthOutputError, /two event rules would both write event-pattern\.json \(the second is more-rule\)/);
    });

    it("reflects a config change in the artefacts", () => {
        const stackFile = path.join(tmp, "Pulumi.changed.yaml");
        fs.writeFileSync(stackFile, read(PROJECT_DIR, "Pulumi.prod.yaml").replace("    - HIGH\n", "    - HIGH\n    - LOW\n"));
        const out = path.join(tmp, "changed");
        const run = synth(["--stack", "prod", "--stack-file", stackFile, "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        expect(JSON.parse(read(out, "event-pattern.json")).detail.findings.Severity.Label).to.deep.equal(["CRITICAL", "HIGH", "LOW"]);
        expect(read(out, "runbook.yaml")).to.include("インシデント");
    });

    it("writes one response plan, runbook role and runbook policy per plan of responsePlans, and each runbook", () => {
        const stackFile = path.join(tmp, "Pulumi.bysev.yaml");
        fs.writeFileSync(stackFile, read(PROJECT_DIR, "Pulumi.prod.yaml") + [
            "  securityhub-incidents:responsePlans:",
            "    critical:",
            "      severityLabels: [CRITICAL]",
            "      engagementContactArns: [arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/security-oncall]",
            "      runbookLanguage: en",
            "    standard:",
            "      severityLabels: [HIGH]",
            "      chatChannelTopicArns: [arn:aws:sns:ap-northeast-1:111122223333:security-chat]",
            "",
        ].join("\n"));
        const out = path.join(tmp, "bysev");
        const run = synth(["--stack-file", stackFile, "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        const resources: Array<{ type: string; name: string; inputs: Record<string, any> }> = JSON.parse(read(out, "resources.json"));
        const plans = resources.filter(r => r.type === "aws:ssmincidents/responsePlan:ResponsePlan").sort((a, b) => a.name.localeCompare(b.name));
        expect(plans.map(p => [p.name, p.inputs.name, p.inputs.engagements, p.inputs.chatChannels])).to.deep.equal([
            ["response-critical-plan", "securityhub-incidents-bysev-critical", ["arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/security-oncall"], []],
            ["response-standard-plan", "securityhub-incidents-bysev-standard", [], ["arn:aws:sns:ap-northeast-1:111122223333:security-chat"]],
        ]);
        expect(resources.filter(r => r.type === "aws:iam/role:Role" && r.name.includes("runbook")).map(r => r.name).sort()).to.deep.equal(["response-critical-runbook-role", "response-standard-runbook-role"]);
        const policies = fs.readdirSync(path.join(out, "policies"));
        expect(policies.filter(f => f.startsWith("response-")).sort()).to.deep.equal([
            "response-critical-runbook-policy.json", "response-critical-runbook-role.trust.json",
            "response-standard-runbook-policy.json", "response-standard-runbook-role.trust.json",
        ]);
        expect(JSON.parse(read(out, "policies/response-standard-runbook-role.trust.json")).Statement[0].Condition.ArnLike["aws:SourceArn"])
            .to.equal("arn:aws:ssm-incidents::111122223333:incident-record/securityhub-incidents-bysev-standard/*");
        // prod's Japanese runbook for the standard plan, the English one the critical plan asks for.
        expect(read(out, "runbook.yaml")).to.include("インシデント");
        expect(read(out, "runbook-securityhub-incident.en.yaml")).to.include("Security Hub finding response");
        const asl = read(out, "state-machine.asl.json");
        expect(asl).to.include("response-plan/securityhub-incidents-bysev-critical").and.include("response-plan/securityhub-incidents-bysev-standard");
    });

    it("exits non-zero with the same message on bad config", () => {
        const stackFile = path.join(tmp, "Pulumi.bad.yaml");
        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:severityLabels: [HIHG]\n  securityhub-incidents:severityLables: [HIGH]\n");
        const unknown = synth(["--stack", "bad", "--stack-file", stackFile, "--out", path.join(tmp, "bad")]);
        expect(unknown.status).to.equal(2);
        expect(unknown.stderr).to.match(/unknown settings severityLables/);

        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:severityLabels: [HIHG]\n");
        const bad = synth(["--stack", "bad", "--stack-file", stackFile, "--out", path.join(tmp, "bad")]);
        expect(bad.status).to.equal(2);
        expect(bad.stderr).to.include('securityhub-incidents:severityLabels: "HIHG" is not allowed; use one or more of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL');
        expect(bad.stderr).not.to.match(/\n\s+at /);
        expect(fs.existsSync(path.join(tmp, "bad"))).to.equal(false);

        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:responsePlans:\n    critical:\n      severityLabels: [CRITICAL]\n");
        const unanswered = synth(["--stack", "bad", "--stack-file", stackFile, "--out", path.join(tmp, "bad")]);
        expect(unanswered.status).to.equal(2);
        expect(unanswered.stderr).to.include("securityhub-incidents:responsePlans: no plan answers HIGH, which severityLabels lets through");
        expect(unanswered.stderr).not.to.match(/\n\s+at /);
    });

    const noStackTrace = (stderr: string) => expect(stderr).not.to.match(/\n\s+at |Error:/);

    it("never deletes or overwrites what it did not write: a non-empty --out without its manifest is refused", () => {
        const project = path.join(tmp, "user-project");
        fs.mkdirSync(path.join(project, "runbooks"), { recursive: true });
        fs.writeFileSync(path.join(project, "README.md"), "mine\n");
        fs.writeFileSync(path.join(project, "runbooks", "runbook.yaml"), "mine too\n");
        // Absolute paths: even a synth that got relative paths wrong could only touch the temp dir.
        for (const out of [path.join(project, "runbooks"), project]) {
            const run = synth(["--out", out], project);
            expect(run.status, out).to.equal(2);
            expect(run.stderr).to.equal(`synth: --out ${out} is not empty and holds no earlier synth output (no .synth-manifest.json); synth only replaces files it wrote itself: choose a new or empty directory\n`);
        }
        expect(fs.readFileSync(path.join(project, "README.md"), "utf8")).to.equal("mine\n");
        expect(fs.readFileSync(path.join(project, "runbooks", "runbook.yaml"), "utf8")).to.equal("mine too\n");
        expect(fs.readdirSync(project).sort()).to.deep.equal(["README.md", "runbooks"]);
    });

    it("replaces its own earlier output: removes only files it wrote, keeps the user's", () => {
        const out = path.join(tmp, "again");
        expect(synth(["--out", out]).status).to.equal(0);
        const manifest = JSON.parse(read(out, ".synth-manifest.json"));
        expect(Object.keys(manifest.files)).to.include.members(["resources.json", "runbook.yaml", "policies/incidents-tasks.json"]);
        // A file an earlier run wrote that this run does not (e.g. a role since removed).
        fs.writeFileSync(path.join(out, "policies", "old-role.json"), "{}\n");
        manifest.files["policies/old-role.json"] = require("crypto").createHash("sha256").update("{}\n").digest("hex");
        fs.writeFileSync(path.join(out, ".synth-manifest.json"), JSON.stringify(manifest));
        fs.writeFileSync(path.join(out, "notes.txt"), "mine\n");
        fs.writeFileSync(path.join(out, "policies", "mine.json"), "{}\n");
        const run = synth(["--stack", "prod", "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        expect(fs.existsSync(path.join(out, "policies", "old-role.json"))).to.equal(false);
        expect(read(out, "notes.txt")).to.equal("mine\n");
        expect(read(out, "policies/mine.json")).to.equal("{}\n");
        expect(read(out, "runbook.yaml")).to.include("インシデント");
        expect(JSON.parse(read(out, ".synth-manifest.json")).stack).to.equal("prod");
    });

    it("refuses to replace a file that changed, a user's file in the way, or to write through a symlink", () => {
        const out = path.join(tmp, "guarded");
        expect(synth(["--out", out]).status).to.equal(0);
        fs.appendFileSync(path.join(out, "runbook.yaml"), "# my edit\n");
        const changed = synth(["--out", out]);
        expect(changed.status).to.equal(2);
        expect(changed.stderr).to.equal(`synth: ${path.join(out, "runbook.yaml")} was changed since synth wrote it; synth will not overwrite or remove it: move it away or restore it\n`);
        expect(read(out, "runbook.yaml")).to.include("# my edit");

        const outside = path.join(tmp, "outside");
        fs.mkdirSync(outside);
        fs.writeFileSync(path.join(outside, "incidents-tasks.json"), "precious\n");
        const linked = path.join(tmp, "linked");
        fs.mkdirSync(linked);
        fs.writeFileSync(path.join(linked, ".synth-manifest.json"), JSON.stringify({ tool: "securityhub-incidents synth", version: 1, stack: "dev", files: {} }));
        fs.symlinkSync(outside, path.join(linked, "policies"));
        const through = synth(["--out", linked]);
        expect(through.status).to.equal(2);
        expect(through.stderr).to.equal(`synth: ${path.join(linked, "policies")} is a symbolic link and was not made by synth; synth will not write through it: move it away or choose another --out\n`);
        expect(read(outside, "incidents-tasks.json")).to.equal("precious\n");

        fs.writeFileSync(path.join(linked, ".synth-manifest.json"), JSON.stringify({ tool: "securityhub-incidents synth", version: 1, stack: "dev", files: { "../outside/incidents-tasks.json": "0".repeat(64) } }));
        const escaping = synth(["--out", linked]);
        expect(escaping.status).to.equal(2);
        expect(escaping.stderr).to.include("is not a manifest synth wrote");
        expect(read(outside, "incidents-tasks.json")).to.equal("precious\n");
    });

    it("names a bad --out path in one line, without a stack trace", () => {
        const file = path.join(tmp, "a-file");
        fs.writeFileSync(file, "x");
        const under = synth(["--out", path.join(file, "out")]);
        expect(under.status).to.equal(2);
        expect(under.stderr).to.equal(`synth: --out ${path.join(file, "out")}: a part of the path is not a directory (ENOTDIR)\n`);
        const itself = synth(["--out", file]);
        expect(itself.status).to.equal(2);
        expect(itself.stderr).to.equal(`synth: --out ${file} is a file, not a directory\n`);
        noStackTrace(under.stderr + itself.stderr);
        if (process.getuid?.() !== 0) {
            const locked = path.join(tmp, "locked");
            fs.mkdirSync(locked, { mode: 0o500 });
            const denied = synth(["--out", path.join(locked, "out")]);
            expect(denied.status).to.equal(2);
            expect(denied.stderr).to.match(/^synth: cannot write .*locked.*: permission denied \(EACCES\)\n$/);
        }
    });

    it("prints the usage for --help and -h, and one line per bad option plus the usage line", () => {
        for (const flag of ["--help", "-h"]) {
            const help = synth([flag]);
            expect(help.status).to.equal(0);
            for (const option of ["--stack <name>", "--stack-file <file>", "--out <dir>", "-h, --help"]) expect(help.stdout).to.include(option);
        }
        const bad = synth(["--bogus", "--out"]);
        expect(bad.status).to.equal(2);
        expect(bad.stderr.split("\n")).to.deep.equal([
            "synth: unknown option --bogus",
            "synth: --out needs a value (a directory)",
            "usage: npm run synth -- [options]",
            "(npm run synth -- --help for every option)",
            "",
        ]);
    });

    it("with --stack-file and no --stack, uses the stack named in Pulumi.<name>.yaml; paths are taken from where npm was run", () => {
        const here = path.join(tmp, "here");
        fs.mkdirSync(here);
        fs.writeFileSync(path.join(here, "Pulumi.staging.yaml"), "config:\n  aws:region: eu-west-1\n");
        const run = synth(["--stack-file", "Pulumi.staging.yaml", "--out", "artefacts"], here);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/^synth: stack staging: 31 resources in 7 components, written to /);
        expect(run.stdout).to.include(path.join(here, "artefacts"));
        expect(read(path.join(here, "artefacts"), "state-machine.asl.json")).to.include("securityhub-incidents-staging");
        fs.writeFileSync(path.join(here, "settings.yaml"), "config: {}\n");
        const unnamed = synth(["--stack-file", "settings.yaml", "--out", "other"], here);
        expect(unnamed.status).to.equal(2);
        expect(unnamed.stderr).to.equal(`synth: --stack-file ${path.join(here, "settings.yaml")}: the file is not named Pulumi.<stack>.yaml, so give the stack's name with --stack\n`);
        expect(fs.existsSync(path.join(here, "other"))).to.equal(false);
    });
});
