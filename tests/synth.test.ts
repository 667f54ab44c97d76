import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runScript } from "./support/scripts";
import { loadRunbook } from "../lib/runbook";
import { PROJECT_DIR } from "../offline/stackConfig";

const synth = (args: string[]) => runScript("synth", args);

describe("npm run synth", function () {
    this.timeout(120000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), "utf8");

    it("writes what `pulumi up` would create for the dev stack", () => {
        const out = path.join(tmp, "dev");
        const run = synth(["--stack", "dev", "--out", out]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/stack dev: 18 resources in 6 components/);
        const resources = JSON.parse(read(out, "resources.json"));
        expect(resources.map((r: { type: string }) => r.type)).to.include.members(["aws:sfn/stateMachine:StateMachine", "aws:ssmincidents/responsePlan:ResponsePlan"]);
        expect(JSON.parse(read(out, "event-pattern.json")).detail.findings.Severity.Label).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM"]);
        const asl = read(out, "state-machine.asl.json");
        expect(asl).not.to.include("${");
        expect(asl).to.include("arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-dev");
        // The bundled runbook, each phase given aws:pause's longest timeout (30 days).
        expect(read(out, "runbook.yaml")).to.equal(loadRunbook(path.join(PROJECT_DIR, "runbooks/securityhub-incident.en.yaml"), { pauseTimeoutSeconds: 30 * 86400 }).content);
        expect(read(out, "runbook.yaml")).to.include("timeoutSeconds: 2592000");
        const policies = fs.readdirSync(path.join(out, "policies")).sort();
        expect(policies).to.include.members(["incidents-tasks.json", "incidents-role.trust.json", "response-runbook-policy.json", "findings-dlq-policy.json", "findings-start-execution.json"]);
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

    it("exits non-zero with the same message on bad config", () => {
        const stackFile = path.join(tmp, "Pulumi.bad.yaml");
        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:severityLabels: [HIHG]\n  securityhub-incidents:severityLables: [HIGH]\n");
        const unknown = synth(["--stack", "bad", "--stack-file", stackFile, "--out", path.join(tmp, "bad")]);
        expect(unknown.status).to.equal(1);
        expect(unknown.stderr).to.match(/unknown settings severityLables/);

        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:severityLabels: [HIHG]\n");
        const bad = synth(["--stack", "bad", "--stack-file", stackFile, "--out", path.join(tmp, "bad")]);
        expect(bad.status).to.equal(1);
        expect(bad.stderr).to.include('securityhub-incidents:severityLabels: "HIHG" is not allowed; use one or more of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL');
        expect(bad.stderr).not.to.match(/\n\s+at /);
        expect(fs.existsSync(path.join(tmp, "bad"))).to.equal(false);
    });
});
