import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigurationError, loadSettings } from "../lib/settings";
import { planFor, responsePlanArnBySeverity, responsePlanLayout } from "../lib/responsePlans";
import { SeverityLabel } from "../lib/severity";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

/**
 * The worked example of docs/suppressions.md ("Routing by account"): the payments team answers
 * its two accounts' CRITICAL and HIGH findings, the data team its account's CRITICAL ones, and the
 * security team (the plan naming no accounts) everything else.
 */
const STACK = `config:
  aws:region: ap-northeast-1
  securityhub-incidents:severityLabels: [CRITICAL, HIGH, MEDIUM]
  # One control's findings in twelve accounts and severities: no storm roll-up for the example.
  securityhub-incidents:stormGroupBy: "off"
  securityhub-incidents:responsePlans:
    security:
      severityLabels: [CRITICAL, HIGH, MEDIUM]
    payments:
      accounts: ["444455556666", "123456789012"]
      severityLabels: [CRITICAL, HIGH]
      engagementContactArns: [arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/payments-oncall]
    data:
      accounts: ["777788889999"]
      severityLabels: [CRITICAL]
`;

const planArn = (plan: string) => `arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-teams-${plan}`;

/** A real CSPM control finding (user guide sample, FSBP CloudTrail.2, account 123456789012), moved to an account and severity. */
const REAL = JSON.parse(fs.readFileSync("/work/shared/real-findings/awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json", "utf8")).Findings[0];
function eventFor(account: string, label: SeverityLabel, n: number): Record<string, any> {
    const finding = structuredClone(REAL);
    finding.Id = `${REAL.Id}-${account}-${label}-${n}`;
    // A trail of its own per case: one standard's findings of one check on one resource would share one incident (problem groups).
    finding.Resources = REAL.Resources.map((r: Record<string, any>) => ({ ...r, Id: `${r.Id}-${n}` }));
    finding.AwsAccountId = account;
    finding.Severity = { ...finding.Severity, Label: label };
    return {
        version: "0", id: `e-${n}`, "detail-type": "Security Hub Findings - Imported", source: "aws.securityhub",
        account, time: `2026-12-01T00:${String(n).padStart(2, "0")}:00Z`, region: finding.Region, resources: [finding.Id], detail: { findings: [finding] },
    };
}

function settingsFrom(stack: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "routing-"));
    try {
        const file = path.join(dir, "Pulumi.teams.yaml");
        fs.writeFileSync(file, stack);
        return loadSettings(readStackConfig(undefined, PROJECT_DIR, file).read, PROJECT_DIR);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function problemsOf(stack: string): string[] {
    try {
        settingsFrom(stack);
    } catch (err) {
        if (err instanceof ConfigurationError) return err.problems;
        throw err;
    }
    throw new Error("expected the settings to be refused");
}

describe("routing by account: a plan may name accounts", function () {
    this.timeout(120000);

    it("lays the plans out with a plan for every account first, and routes account|label before label", () => {
        const layout = responsePlanLayout(settingsFrom(STACK), "teams");
        expect(layout.defaultPlan.plan).to.equal("security");
        expect(layout.plans.map(p => [p.plan, p.accounts])).to.deep.equal([["security", undefined], ["data", ["777788889999"]], ["payments", ["444455556666", "123456789012"]]]);
        expect(responsePlanArnBySeverity(layout, p => p.plan)).to.deep.equal({
            CRITICAL: "security", HIGH: "security", MEDIUM: "security",
            "444455556666|CRITICAL": "payments", "444455556666|HIGH": "payments", "123456789012|CRITICAL": "payments", "123456789012|HIGH": "payments",
            "777788889999|CRITICAL": "data",
        });
    });

    it("the worked example: the replayed workflow starts every account and severity's incident on the plan planFor names", async () => {
        const settings = settingsFrom(STACK);
        const layout = responsePlanLayout(settings, "teams");
        const accounts = ["444455556666", "123456789012", "777788889999", "111122223333"];
        const labels: SeverityLabel[] = ["CRITICAL", "HIGH", "MEDIUM"];
        const cases = accounts.flatMap(account => labels.map(label => ({ account, label })));
        const events = cases.map(({ account, label }, n) => eventFor(account, label, n));
        const report = await simulate({ settings, stack: "teams", events: events.map((event, i) => ({ event, source: `cases[${i}]`, findingId: event.detail.findings[0].Id })) });
        expect(report.failures).to.deep.equal([]);
        const planOf = new Map(report.incidents.map(i => [i.findingId, i.responsePlanArn]));
        const routed = cases.map(({ account, label }, n) => `${account} ${label} → ${planOf.get(events[n].detail.findings[0].Id)!.split("-").pop()}`);
        expect(routed).to.deep.equal([
            "444455556666 CRITICAL → payments", "444455556666 HIGH → payments", "444455556666 MEDIUM → security",
            "123456789012 CRITICAL → payments", "123456789012 HIGH → payments", "123456789012 MEDIUM → security",
            "777788889999 CRITICAL → data", "777788889999 HIGH → security", "777788889999 MEDIUM → security",
            "111122223333 CRITICAL → security", "111122223333 HIGH → security", "111122223333 MEDIUM → security",
        ]);
        cases.forEach(({ account, label }, n) => expect(planOf.get(events[n].detail.findings[0].Id), `${account} ${label}`).to.equal(planArn(planFor(layout, account, label).plan!)));
    });

    it("refuses an account and severity answered by two plans, and a severity only account plans answer", () => {
        const ambiguous = STACK.replace('      accounts: ["777788889999"]', '      accounts: ["777788889999", "444455556666"]');
        expect(problemsOf(ambiguous)).to.deep.equal([
            'securityhub-incidents:responsePlans: account 444455556666 with CRITICAL is answered by plans "payments" and "data"; each account and severity belongs to exactly one plan, so remove CRITICAL or the account from all but one',
        ]);
        const missing = STACK.replace("      severityLabels: [CRITICAL, HIGH, MEDIUM]\n    payments", "      severityLabels: [HIGH, MEDIUM]\n    payments");
        expect(problemsOf(missing)).to.deep.equal([
            'securityhub-incidents:responsePlans: only plans naming accounts ("payments", "data") answer CRITICAL, so CRITICAL findings of every other account have no plan; add CRITICAL to the severityLabels of a plan without accounts',
        ]);
        const notLetThrough = STACK.replace("      severityLabels: [CRITICAL]\n", "      severityLabels: [CRITICAL, LOW]\n");
        expect(problemsOf(notLetThrough)).to.deep.equal([
            'securityhub-incidents:responsePlans: plan "data" answers LOW, but severityLabels (CRITICAL, HIGH, MEDIUM) does not let LOW findings through; add LOW to severityLabels or remove it from the plan',
        ]);
        expect(problemsOf(STACK.replace('["777788889999"]', "[777788889999]"))).to.deep.equal([
            'securityhub-incidents:responsePlans: plan "data": accounts: 777788889999 is not a non-empty string; give a JSON list of 12-digit account IDs (quoted strings)',
        ]);
    });
});

describe("routing by account with OCSF findings", function () {
    this.timeout(120000);
    it("starts a bundled OCSF sample's incident on the plan naming its account (cloud.account.uid)", async () => {
        const labels = "[CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL]";
        const settings = settingsFrom(`config:
  aws:region: ap-northeast-1
  securityhub-incidents:findingFormats: [OCSF]
  securityhub-incidents:severityLabels: ${labels}
  securityhub-incidents:responsePlans:
    security:
      severityLabels: ${labels}
    team:
      accounts: ["111122223333"]
      severityLabels: ${labels}
`);
        const event = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "samples", "findings", "05-ocsf-findings.jsonl"), "utf8").split("\n")[0]);
        expect(event.detail.findings[0].cloud.account.uid).to.equal("111122223333");
        const report = await simulate({ settings, stack: "teams", events: [{ event, source: "05[0]", findingId: event.detail.findings[0].finding_info.uid }] });
        expect(report.incidents.map(i => i.responsePlanArn)).to.deep.equal([planArn("team")]);
        const other = structuredClone(event);
        other.detail.findings[0].cloud.account.uid = "999988887777";
        other.detail.findings[0].finding_info.uid += "-other";
        const otherReport = await simulate({ settings, stack: "teams", events: [{ event: other, source: "05[0]'", findingId: other.detail.findings[0].finding_info.uid }] });
        expect(otherReport.incidents.map(i => i.responsePlanArn)).to.deep.equal([planArn("security")]);
    });
});
