import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings } from "../lib/settings";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { findingEvent } from "./support/findings";
import { runScript } from "./support/scripts";

/** A stack that pages on-call for CRITICAL findings and sends HIGH ones to a chat channel. */
const STACK = `config:
  aws:region: ap-northeast-1
  securityhub-incidents:severityLabels:
    - CRITICAL
    - HIGH
  securityhub-incidents:responsePlans:
    critical:
      severityLabels: [CRITICAL]
      engagementContactArns:
        - arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/security-oncall
    standard:
      severityLabels: [HIGH]
      chatChannelTopicArns:
        - arn:aws:sns:ap-northeast-1:111122223333:security-chat
      runbookLanguage: ja
`;

const planArn = (plan: string) => `arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-bysev-${plan}`;

describe("respond by severity: the replay routes each finding to its severity's plan", function () {
    this.timeout(120000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "by-severity-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stackFile = path.join(dir, "Pulumi.bysev.yaml");
    fs.writeFileSync(stackFile, STACK);
    const critical = findingEvent({ severity: "CRITICAL" });
    const high = findingEvent({ severity: "HIGH" });

    it("starts a CRITICAL and a HIGH finding's incidents on different plans through simulate()", async () => {
        const config = readStackConfig(undefined, PROJECT_DIR, stackFile);
        expect(config.stack).to.equal("bysev");
        const settings = loadSettings(config.read, PROJECT_DIR);
        const report = await simulate({
            settings,
            stack: config.stack,
            events: [critical, high].map((event, i) => ({ source: `events.json[${i}]`, event, findingId: event.detail.findings[0].Id })),
        });
        expect(report.failures).to.deep.equal([]);
        expect(report.incidents.map(i => [i.findingId, i.responsePlanArn])).to.have.deep.members([
            [critical.detail.findings[0].Id, planArn("critical")],
            [high.detail.findings[0].Id, planArn("standard")],
        ]);
        // Each incident record belongs to the plan that started it.
        for (const incident of report.incidents) expect(incident.incidentArn).to.include(`incident-record/${incident.responsePlanArn.split("/").pop()}/`);
    });

    it("shows the routing in `npm run simulate` (--json and the summary) for a stack file with responsePlans", () => {
        const input = path.join(dir, "findings.json");
        fs.writeFileSync(input, JSON.stringify([critical, high]));
        const json = runScript("simulate", ["--json", "--stack-file", stackFile, input]);
        expect(json.status, json.stderr).to.equal(0);
        const bySeverity = Object.fromEntries(JSON.parse(json.stdout).incidents.map((i: { title: string; responsePlanArn: string }) => [/^\[\d+\]\[(\w+)\]/.exec(i.title)![1], i.responsePlanArn]));
        expect(bySeverity).to.deep.equal({ CRITICAL: planArn("critical"), HIGH: planArn("standard") });
        const human = runScript("simulate", ["--stack-file", stackFile, input]);
        expect(human.status, human.stderr).to.equal(0);
        expect(human.stdout).to.include("plan: securityhub-incidents-bysev-critical").and.include("plan: securityhub-incidents-bysev-standard");
    });
});
