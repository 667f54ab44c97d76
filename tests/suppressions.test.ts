import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSuppressions, parseSuppressions, SuppressionsFileError, SUPPRESSION_CRITERIA } from "../lib/config/suppressions";
import { compileSuppressions, CRITERION_FIELDS, isExpired, splitRule, SUPPRESSION_NOTE_AUTHOR, valuesPerField } from "../lib/suppressions";
import { AUTOMATION_RULE_LIMITS, AUTOMATION_RULE_WIDE_CRITERIA, OCSF_STATUS_IDS } from "../lib/limits";
import { NOTE_OPEN_PREFIX } from "../lib/stateMachineDefinition";
import { ConfigurationError, loadSettings } from "../lib/settings";

const FILE = "suppressions.yaml";
const NOW = new Date("2026-12-01T09:00:00Z");

function problemsOf(text: string): string[] {
    try {
        parseSuppressions(FILE, text);
    } catch (err) {
        if (err instanceof SuppressionsFileError) return err.problems;
        throw err;
    }
    throw new Error("expected the file to be refused");
}

const ALL_CRITERIA = `
rules:
  - name: website
    reason: Serves the public website (reviewed 2026-11)
    expires: 2027-03-31
    match:
      securityControlIds: [S3.2, S3.8]
      accounts: ["111122223333"]
      regions: [ap-northeast-1]
      resourceIds: ["arn:aws:s3:::example-website"]
      resourceIdPrefixes: ["arn:aws:s3:::example-static-"]
      productNames: [Security Hub]
      titleContains: [public read]
      resourceTags: {Purpose: website}
`;

const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));
const list = (values: string[]) => `[${values.map(v => JSON.stringify(v)).join(", ")}]`;

describe("suppressions file", () => {
    it("reads every criterion as written (dates stay text)", () => {
        const file = parseSuppressions(FILE, ALL_CRITERIA);
        expect(file.firstRuleOrder).to.equal(1);
        expect(file.rules).to.deep.equal([{
            name: "website",
            reason: "Serves the public website (reviewed 2026-11)",
            expires: "2027-03-31",
            match: {
                securityControlIds: ["S3.2", "S3.8"],
                accounts: ["111122223333"],
                regions: ["ap-northeast-1"],
                resourceIds: ["arn:aws:s3:::example-website"],
                resourceIdPrefixes: ["arn:aws:s3:::example-static-"],
                productNames: ["Security Hub"],
                titleContains: ["public read"],
                resourceTags: { Purpose: "website" },
            },
        }]);
        expect(Object.keys(file.rules[0].match)).to.have.members([...SUPPRESSION_CRITERIA]);
    });

    it("names the file, the rule and the field of every problem, one line each", () => {
        const problems = problemsOf(`
rules:
  - name: a
    match: {accounts: [123456789012, "12345"]}
  - name: a
    reason: dup
    expires: 2027-02-30
    match: {regions: [tokyo], colour: [red]}
  - name: "bad name!"
    reason: " "
    match: {}
`);
        expect(problems).to.deep.equal([
            `${FILE}: rule "a" (rules[0]): reason is required; say why these findings are accepted (it becomes the finding's Note)`,
            `${FILE}: rule "a" (rules[0]): match.accounts[0]: 123456789012 is a number; quote account IDs ("123456789012") so that YAML keeps every digit`,
            `${FILE}: rule "a" (rules[0]): match.accounts[1]: "12345" is not a 12-digit account ID (quote it, so YAML keeps leading zeros)`,
            `${FILE}: rule "a" (rules[1]): name: "a" is used by an earlier rule; names must be unique`,
            `${FILE}: rule "a" (rules[1]): expires: "2027-02-30" is not a date YYYY-MM-DD (the last day the rule applies, UTC)`,
            `${FILE}: rule "a" (rules[1]): match.regions[0]: "tokyo" is not an AWS Region such as ap-northeast-1`,
            `${FILE}: rule "a" (rules[1]): match.colour: unknown criterion; use ${SUPPRESSION_CRITERIA.join(", ")}`,
            `${FILE}: rule "bad name!" (rules[2]): name: "bad name!" is not allowed; a name is 1-64 letters, digits, - and _, starting with a letter or digit`,
            `${FILE}: rule "bad name!" (rules[2]): reason: " " is not text of 1-512 characters (Security Hub's Note and comment limit)`,
            `${FILE}: rule "bad name!" (rules[2]): match is empty, which would suppress every finding; name at least one of ${SUPPRESSION_CRITERIA.join(", ")}`,
        ]);
    });

    it("refuses what automation rules cannot express, saying what to write instead", () => {
        const problems = problemsOf(`
rules:
  - name: r
    reason: x
    match:
      resourceIds: ["arn:aws:s3:::logs-*", "arn:aws:s3:::a*b"]
      titleContains: ["*public*", "^S3 .*$"]
      accounts: ["1111*"]
      titleRegex: ["S3\\\\.\\\\d"]
      securityControlIds: ["S3.*"]
      resourceTags: {Env: "dev*"}
`);
        expect(problems).to.deep.equal([
            `${FILE}: rule "r" (rules[0]): match.resourceIds[0]: "arn:aws:s3:::logs-*": automation rules have no wildcards; for IDs that start with "arn:aws:s3:::logs-" use resourceIdPrefixes: ["arn:aws:s3:::logs-"]`,
            `${FILE}: rule "r" (rules[0]): match.resourceIds[1]: "arn:aws:s3:::a*b": automation rules have no wildcards or regular expressions; use resourceIds (equal) or resourceIdPrefixes (starts with)`,
            `${FILE}: rule "r" (rules[0]): match.titleContains[0]: "*public*": titleContains already matches text anywhere in the title; drop the * (write "public")`,
            `${FILE}: rule "r" (rules[0]): match.titleContains[1]: "^S3 .*$": automation rules have no regular expressions; list each literal piece of text in titleContains (any of them matches)`,
            `${FILE}: rule "r" (rules[0]): match.accounts[0]: "1111*": automation rules have no wildcards or regular expressions; list every account ID in full`,
            `${FILE}: rule "r" (rules[0]): match.titleRegex: cannot be expressed as an automation rule: automation rules have no regular expressions; list literal text in titleContains (any of them matches)`,
            `${FILE}: rule "r" (rules[0]): match.securityControlIds[0]: "S3.*": automation rules have no wildcards or regular expressions; list every control ID in full`,
            `${FILE}: rule "r" (rules[0]): match.resourceTags.Env: "dev*": automation rules have no wildcards or regular expressions; list every value in full`,
        ]);
    });

    it("keeps literal brackets and question marks in titles", () => {
        const file = parseSuppressions(FILE, `rules: [{name: t, reason: x, match: {titleContains: ["[S3.2] S3 general purpose buckets", "public?"]}}]`);
        expect(file.rules[0].match.titleContains).to.deep.equal(["[S3.2] S3 general purpose buckets", "public?"]);
    });

    it("refuses YAML aliases, unknown top-level fields and a bad firstRuleOrder", () => {
        expect(problemsOf("base: &b {accounts: ['111122223333']}\nrules: [{name: a, reason: x, match: *b}]\n")[0]).to.match(/^suppressions\.yaml:\d+: YAML anchors and aliases \(&b\) are not accepted/);
        expect(problemsOf("rule: []\nrules: []\nfirstRuleOrder: 0\n")).to.deep.equal([
            `${FILE}: unknown top-level field "rule"; the file takes rules, firstRuleOrder`,
            `${FILE}: firstRuleOrder: 0 is not a whole number from 1 to 1000 (RuleOrder)`,
        ]);
    });

    it("reads only a regular file inside the project, of bounded size", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "suppressions-"));
        try {
            fs.mkdirSync(path.join(project, "dir.yaml"));
            fs.writeFileSync(path.join(project, "big.yaml"), "#".repeat(300 * 1024));
            fs.writeFileSync(path.join(project, "ok.yaml"), "rules: []\n");
            const refused = (file: string) => {
                try {
                    loadSuppressions(project, file);
                } catch (err) {
                    return (err as SuppressionsFileError).problems[0];
                }
                return "read";
            };
            expect(refused("ok.yaml")).to.equal("read");
            expect(refused("missing.yaml")).to.equal("missing.yaml: cannot be read (no such file); give a YAML file relative to the project");
            expect(refused("dir.yaml")).to.equal("dir.yaml: is a directory; give a YAML file");
            expect(refused("big.yaml")).to.match(/^big\.yaml: is 307200 bytes; a suppressions file over 262144 bytes is not read$/);
            expect(refused("../outside.yaml")).to.match(/^\.\.\/outside\.yaml: is outside the project/);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    it("is checked by the settings loader, every problem prefixed with the setting", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "suppressions-"));
        try {
            fs.mkdirSync(path.join(project, "runbooks"));
            fs.copyFileSync(path.join(__dirname, "..", "runbooks", "securityhub-incident.en.yaml"), path.join(project, "runbooks", "securityhub-incident.en.yaml"));
            fs.writeFileSync(path.join(project, "s.yaml"), "rules: [{name: a, match: {accounts: ['111122223333']}}]\n");
            const read = (key: string) => (key === "suppressionsFile" ? "s.yaml" : undefined);
            expect(() => loadSettings(read, project)).to.throw(ConfigurationError, 'securityhub-incidents:suppressionsFile: s.yaml: rule "a" (rules[0]): reason is required');
            fs.writeFileSync(path.join(project, "s.yaml"), ALL_CRITERIA);
            expect(loadSettings(read, project).suppressions?.rules.map(r => r.name)).to.deep.equal(["website"]);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});

describe("suppressions compiled to automation rules", () => {
    const file = parseSuppressions(FILE, ALL_CRITERIA);

    it("maps every criterion to its ASFF field and comparison, values OR-joined within a field", () => {
        const { asff } = compileSuppressions(file, { formats: ["ASFF"], followIncidents: false, now: NOW });
        expect(asff).to.have.length(1);
        expect(asff[0].args).to.deep.equal({
            ruleName: "website",
            description: "Suppression website (securityhub-incidents): Sets the finding SUPPRESSED with the reason as its Note. Reason: Serves the public website (reviewed 2026-11)",
            ruleOrder: 1,
            ruleStatus: "ENABLED",
            isTerminal: false,
            criteria: {
                complianceSecurityControlIds: [{ comparison: "EQUALS", value: "S3.2" }, { comparison: "EQUALS", value: "S3.8" }],
                awsAccountIds: [{ comparison: "EQUALS", value: "111122223333" }],
                resourceRegions: [{ comparison: "EQUALS", value: "ap-northeast-1" }],
                resourceIds: [{ comparison: "EQUALS", value: "arn:aws:s3:::example-website" }, { comparison: "PREFIX", value: "arn:aws:s3:::example-static-" }],
                productNames: [{ comparison: "EQUALS", value: "Security Hub" }],
                titles: [{ comparison: "CONTAINS", value: "public read" }],
                resourceTags: [{ comparison: "EQUALS", key: "Purpose", value: "website" }],
            },
            actions: [{ type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate: { workflow: { status: "SUPPRESSED" }, note: { text: "Serves the public website (reviewed 2026-11)", updatedBy: SUPPRESSION_NOTE_AUTHOR } } }],
        });
    });

    it("maps every criterion to its OCSF field: one OR composite per field, composites AND-joined", () => {
        const { ocsf, asff } = compileSuppressions(file, { formats: ["OCSF"], followIncidents: false, now: NOW });
        expect(asff).to.deep.equal([]);
        expect(ocsf).to.have.length(1);
        expect(ocsf[0].args.action).to.deep.equal({ type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate: { statusId: OCSF_STATUS_IDS.Suppressed, comment: "Serves the public website (reviewed 2026-11)" } });
        const criteria = JSON.parse(ocsf[0].args.criteria.ocsfFindingCriteriaJson);
        expect(criteria.CompositeOperator).to.equal("AND");
        const fields = criteria.CompositeFilters.map((c: any) => ({ op: c.Operator, filters: (c.StringFilters ?? c.MapFilters).map((f: any) => `${f.FieldName} ${f.Filter.Comparison} ${f.Filter.Key ? `${f.Filter.Key}=` : ""}${f.Filter.Value}`) }));
        expect(fields).to.deep.equal([
            { op: "OR", filters: ["compliance.control EQUALS S3.2", "compliance.control EQUALS S3.8"] },
            { op: "OR", filters: ["cloud.account.uid EQUALS 111122223333"] },
            { op: "OR", filters: ["cloud.region EQUALS ap-northeast-1"] },
            { op: "OR", filters: ["resources.uid EQUALS arn:aws:s3:::example-website", "resources.uid PREFIX arn:aws:s3:::example-static-"] },
            { op: "OR", filters: ["metadata.product.name EQUALS Security Hub"] },
            { op: "OR", filters: ["finding_info.title CONTAINS public read"] },
            { op: "OR", filters: ["resources.tags EQUALS Purpose=website"] },
        ]);
    });

    it("with the write-back on, pairs each rule: a terminal status-only rule for findings with an incident first", () => {
        const { asff, ocsf } = compileSuppressions(file, { formats: ["ASFF", "OCSF"], followIncidents: true, now: NOW });
        expect(asff.map(r => [r.args.ruleName, r.args.ruleOrder, r.args.isTerminal, r.role])).to.deep.equal([["website-on-incident", 1, true, "on-incident"], ["website", 2, false, "suppress"]]);
        expect(asff[0].args.criteria.noteTexts).to.deep.equal([{ comparison: "PREFIX", value: NOTE_OPEN_PREFIX }]);
        expect(asff[0].args.actions).to.deep.equal([{ type: "FINDING_FIELDS_UPDATE", findingFieldsUpdate: { workflow: { status: "SUPPRESSED" } } }]);
        expect(asff[1].args.criteria).to.not.have.property("noteTexts");
        const note = (i: number) => JSON.parse(ocsf[i].args.criteria.ocsfFindingCriteriaJson).CompositeFilters.at(-1).StringFilters[0];
        expect(note(0)).to.deep.equal({ FieldName: "comment", Filter: { Value: NOTE_OPEN_PREFIX, Comparison: "PREFIX" } });
        expect(note(1)).to.deep.equal({ FieldName: "comment", Filter: { Value: NOTE_OPEN_PREFIX, Comparison: "PREFIX_NOT_EQUALS" } });
        expect(ocsf[0].args.action.findingFieldsUpdate).to.deep.equal({ statusId: OCSF_STATUS_IDS.Suppressed });
        expect(ocsf.map(r => r.args.ruleOrder)).to.deep.equal([1, 2]);
    });

    it("knows which fields take 100 values and which 20", () => {
        expect(AUTOMATION_RULE_WIDE_CRITERIA).to.include.members(["AwsAccountId", "ResourceId", "Title"]);
        for (const criterion of SUPPRESSION_CRITERIA) {
            const wide = ["accounts", "resourceIds", "resourceIdPrefixes", "titleContains"].includes(criterion);
            expect(valuesPerField(criterion), criterion).to.equal(wide ? AUTOMATION_RULE_LIMITS.valuesPerWideCriterion : AUTOMATION_RULE_LIMITS.valuesPerCriterion);
            expect(CRITERION_FIELDS[criterion].asff, criterion).to.be.a("string");
        }
    });

    it("splits a criterion over its field's limit into parts, and the parts multiply across split fields", () => {
        const controls = many(21, i => `EC2.${i + 1}`);
        const accounts = many(101, i => String(100000000000 + i));
        const rules = parseSuppressions(FILE, `rules:\n  - name: big\n    reason: x\n    match:\n      securityControlIds: ${list(controls)}\n      accounts: ${list(accounts)}\n`);
        const parts = splitRule(rules.rules[0]);
        expect(parts.map(p => [p.get("accounts")!.length, p.get("securityControlIds")!.length])).to.deep.equal([[100, 20], [1, 20], [100, 1], [1, 1]]);
        const { asff, problems } = compileSuppressions(rules, { formats: ["ASFF"], followIncidents: false, now: NOW });
        expect(problems).to.deep.equal([]);
        expect(asff.map(r => r.args.ruleName)).to.deep.equal(["big-part1", "big-part2", "big-part3", "big-part4"]);
        expect(asff.map(r => r.args.ruleOrder)).to.deep.equal([1, 2, 3, 4]);
        // Every value lands in exactly one part per combination: each account with each control once.
        const pairs = new Set(asff.flatMap(r => r.args.criteria.awsAccountIds.flatMap(a => r.args.criteria.complianceSecurityControlIds.map(c => `${a.value}|${c.value}`))));
        expect(pairs.size).to.equal(21 * 101);
    });

    it("counts resourceIds and resourceIdPrefixes together against ResourceId's 100 values", () => {
        const rules = parseSuppressions(FILE, `rules:\n  - name: ids\n    reason: x\n    match:\n      resourceIds: ${list(many(60, i => `arn:aws:s3:::a${i}`))}\n      resourceIdPrefixes: ${list(many(41, i => `arn:aws:s3:::p${i}-`))}\n`);
        const { asff } = compileSuppressions(rules, { formats: ["ASFF"], followIncidents: false, now: NOW });
        expect(asff.map(r => r.args.criteria.resourceIds.length)).to.deep.equal([100, 1]);
        expect(asff[1].args.criteria.resourceIds).to.deep.equal([{ comparison: "PREFIX", value: "arn:aws:s3:::p40-" }]);
    });

    it("refuses more than 100 rules per format and Region, naming the largest rules", () => {
        const rules = parseSuppressions(FILE, `rules:\n${many(51, i => `  - {name: r${i}, reason: x, match: {accounts: ["${String(100000000000 + i)}"]}}`).join("\n")}\n`);
        expect(compileSuppressions(rules, { formats: ["ASFF"], followIncidents: false, now: NOW }).problems).to.deep.equal([]);
        const paired = compileSuppressions(rules, { formats: ["ASFF", "OCSF"], followIncidents: true, now: NOW });
        expect(paired.asff).to.have.length(102);
        expect(paired.problems).to.deep.equal([
            `${FILE}: the rules compile to 102 Security Hub CSPM automation rules; Security Hub allows at most 100 per administrator account and Region (each rule is a pair while notifyFindings is on); the largest: r0: 2, r1: 2, r2: 2: merge rules or shorten long value lists`,
            `${FILE}: the rules compile to 102 Security Hub (OCSF) automation rules; Security Hub allows at most 100 per administrator account and Region (each rule is a pair while notifyFindings is on); the largest: r0: 2, r1: 2, r2: 2: merge rules or shorten long value lists`,
        ]);
    });

    it("refuses a RuleOrder past 1000", () => {
        const rules = parseSuppressions(FILE, `firstRuleOrder: 999\nrules:\n  - {name: a, reason: x, match: {accounts: ["111122223333"]}}\n  - {name: b, reason: x, match: {accounts: ["111122223334"]}}\n`);
        expect(compileSuppressions(rules, { formats: ["ASFF"], followIncidents: false, now: NOW }).problems).to.deep.equal([]);
        expect(compileSuppressions(rules, { formats: ["ASFF"], followIncidents: true, now: NOW }).problems).to.deep.equal([
            `${FILE}: the rules need RuleOrder 999 to 1002; RuleOrder is at most 1000: lower firstRuleOrder or merge rules`,
        ]);
    });

    it("declares an expired rule DISABLED and names it in a warning; the last day still applies", () => {
        const rules = parseSuppressions(FILE, `rules:\n  - {name: old, reason: x, expires: 2026-11-30, match: {accounts: ["111122223333"]}}\n  - {name: today, reason: x, expires: 2026-12-01, match: {accounts: ["111122223333"]}}\n`);
        const compiled = compileSuppressions(rules, { formats: ["ASFF", "OCSF"], followIncidents: true, now: NOW });
        expect(compiled.asff.map(r => [r.args.ruleName, r.args.ruleStatus])).to.deep.equal([["old-on-incident", "DISABLED"], ["old", "DISABLED"], ["today-on-incident", "ENABLED"], ["today", "ENABLED"]]);
        expect(compiled.ocsf.map(r => r.args.ruleStatus)).to.deep.equal(["DISABLED", "DISABLED", "ENABLED", "ENABLED"]);
        expect(compiled.warnings).to.deep.equal([`${FILE}: rule "old" expired on 2026-11-30; its automation rules are declared DISABLED: remove the rule or move its expires date`]);
        expect(isExpired(rules.rules[1], new Date("2026-12-01T23:59:59Z"))).to.equal(false);
        expect(isExpired(rules.rules[1], new Date("2026-12-02T00:00:00Z"))).to.equal(true);
    });
});

/**
 * A real CSPM control finding (AWS Security Hub user guide, sample control findings: FSBP
 * CloudTrail.2, MEDIUM, account 123456789012, us-east-2), as the Imported event carrying it.
 */
const REAL_FINDING = JSON.parse(fs.readFileSync("/work/shared/real-findings/awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json", "utf8")).Findings[0];
function importedAt(time: string): Record<string, any> {
    const finding = structuredClone(REAL_FINDING);
    finding.UpdatedAt = time;
    return {
        version: "0", id: `event-${time}`, "detail-type": "Security Hub Findings - Imported", source: "aws.securityhub",
        account: finding.AwsAccountId, time, region: finding.Region, resources: [finding.Id], detail: { findings: [finding] },
    };
}

const RULES_FOR_REAL_FINDING = `
rules:
  - name: macie-trail
    reason: Macie's own trail; encryption is managed by the Macie team (SEC-42).
    match:
      securityControlIds: [CloudTrail.2]
      accounts: ["123456789012"]
      resourceIdPrefixes: ["arn:aws:cloudtrail:us-east-2:123456789012:trail/AWSMacie"]
      titleContains: [encryption at-rest]
  - name: other-account
    reason: never matches this finding
    match:
      accounts: ["999999999999"]
`;

describe("suppressions replayed: the Security Hub stand-in applies the automation rules", function () {
    this.timeout(60000);
    let dynamoDb: import("../offline/localDynamoDb").LocalDynamoDb;
    let tables = 0;
    before(async () => {
        const { LocalDynamoDb } = await import("../offline/localDynamoDb");
        dynamoDb = await LocalDynamoDb.start();
    });
    after(async () => dynamoDb.stop());

    async function account(timing: "separate-event" | "in-import", withRules = true) {
        const { renderStateMachineDefinition } = await import("../lib/stateMachineDefinition");
        const { buildEventPattern, buildLifecyclePattern } = await import("../lib/eventPattern");
        const { IncidentManagerStandIn } = await import("../offline/incidentManagerStandIn");
        const { ReplayAccount } = await import("../offline/replayAccount");
        const { DEFAULT_IMPACT_BY_SEVERITY } = await import("../lib/severity");
        const table = `suppressions-${++tables}`;
        await dynamoDb.createDedupTable(table);
        const plan = "arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test";
        const incidents = new IncidentManagerStandIn([plan]);
        const compiled = compileSuppressions(parseSuppressions(FILE, RULES_FOR_REAL_FINDING), { formats: ["ASFF"], followIncidents: true, now: NOW });
        const replay = new ReplayAccount({
            definition: renderStateMachineDefinition({ tableName: table, responsePlanArn: plan, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY } }),
            patterns: { findings: buildEventPattern({ severityLabels: ["CRITICAL", "HIGH", "MEDIUM"], recordStates: ["ACTIVE"], workflowStatuses: ["NEW"], productNames: ["Security Hub"] }), lifecycle: buildLifecyclePattern() },
            dynamoDb,
            incidents,
            ...(withRules ? { automationRules: compiled, automationRuleTiming: timing } : {}),
        });
        return { replay, incidents, sh: replay.securityHub, compiled };
    }

    it("matches the real finding on every criterion named, and not on a rule for another account", () => {
        const compiled = compileSuppressions(parseSuppressions(FILE, RULES_FOR_REAL_FINDING), { formats: ["ASFF"], followIncidents: true, now: NOW });
        const { asffCriteriaMatch } = require("../offline/securityHubStandIn");
        expect(compiled.asff.map(r => [r.args.ruleName, asffCriteriaMatch(r.args.criteria, REAL_FINDING)])).to.deep.equal([
            ["macie-trail-on-incident", false], ["macie-trail", true], ["other-account-on-incident", false], ["other-account", false],
        ]);
        // One criterion off and the rule no longer matches (fields are AND-joined).
        const otherTitle = { ...REAL_FINDING, Title: "CloudTrail.2 something else" };
        expect(asffCriteriaMatch(compiled.asff[1].args.criteria, otherTitle)).to.equal(false);
        // Values of one field are OR-joined; negated filters of one field are AND-joined.
        expect(asffCriteriaMatch({ awsAccountIds: [{ comparison: "EQUALS", value: "1" }, { comparison: "EQUALS", value: "123456789012" }] }, REAL_FINDING)).to.equal(true);
        expect(asffCriteriaMatch({ awsAccountIds: [{ comparison: "NOT_EQUALS", value: "1" }, { comparison: "NOT_EQUALS", value: "123456789012" }] }, REAL_FINDING)).to.equal(false);
        expect(asffCriteriaMatch({ awsAccountIds: [{ comparison: "NOT_EQUALS", value: "1" }, { comparison: "NOT_EQUALS", value: "2" }] }, REAL_FINDING)).to.equal(true);
    });

    it("in-import: the import's event already carries SUPPRESSED and the reason; no incident opens", async () => {
        const { replay, incidents, sh } = await account("in-import");
        const delivery = await replay.deliverFromInput(importedAt("2026-12-01T00:00:00Z"));
        expect(delivery.rule).to.equal(undefined);
        expect(delivery.filteredBy).to.equal("detail.findings.Workflow.Status");
        expect(incidents.incidents).to.have.length(0);
        const stored = sh.finding(REAL_FINDING.Id)!;
        expect(stored.Workflow.Status).to.equal("SUPPRESSED");
        expect(stored.Note).to.deep.include({ Text: "Macie's own trail; encryption is managed by the Macie team (SEC-42).", UpdatedBy: SUPPRESSION_NOTE_AUTHOR });
        expect(sh.automationUpdates.map(u => [u.suppression, u.ruleName, u.status])).to.deep.equal([["macie-trail", "macie-trail", "SUPPRESSED"]]);
        // A re-import keeps it suppressed and applies nothing new.
        await replay.deliverFromInput(importedAt("2026-12-02T00:00:00Z"));
        expect(sh.automationUpdates).to.have.length(1);
        expect(incidents.incidents).to.have.length(0);
    });

    it("separate-event: the incident opens first, and hears of the suppression through the lifecycle at the next import", async () => {
        const { replay, incidents, sh } = await account("separate-event");
        const first = await replay.deliverFromInput(importedAt("2026-12-01T00:00:00Z"));
        expect(first.rule).to.equal("findings");
        expect(incidents.incidents).to.have.length(1);
        // The rule's own event (SUPPRESSED, the reason as Note) matches no rule; the workflow's NOTIFIED write came after it.
        expect(first.echoes.map(e => [e.event.detail.findings[0].Workflow.Status, e.rule])).to.deep.equal([["SUPPRESSED", undefined], ["NOTIFIED", undefined]]);
        expect(sh.finding(REAL_FINDING.Id)!.Note.Text.startsWith(NOTE_OPEN_PREFIX)).to.equal(true);
        const next = await replay.deliverFromInput(importedAt("2026-12-02T00:00:00Z"));
        // The terminal on-incident rule keeps the incident's Note; its event reaches the lifecycle rule.
        expect(sh.automationUpdates.map(u => u.ruleName)).to.deep.equal(["macie-trail", "macie-trail-on-incident"]);
        expect(next.echoes[0].rule).to.equal("lifecycle");
        const [incident] = incidents.incidents;
        expect(incident.timeline).to.have.length(1);
        expect(incident.timeline[0].eventData).to.include(`Security Hub finding ${REAL_FINDING.Id} was suppressed.`);
        expect(sh.finding(REAL_FINDING.Id)!.Workflow.Status).to.equal("SUPPRESSED");
    });

    it("a rule added after the incident opened reaches the incident through the lifecycle, in either timing", async () => {
        for (const timing of ["in-import", "separate-event"] as const) {
            const { replay, incidents, sh, compiled } = await account(timing, false);
            await replay.deliverFromInput(importedAt("2026-12-01T00:00:00Z"));
            expect(incidents.incidents, timing).to.have.length(1);
            sh.setAutomationRules(compiled, timing);
            const next = await replay.deliverFromInput(importedAt("2026-12-02T00:00:00Z"));
            expect(sh.automationUpdates.map(u => u.ruleName), timing).to.deep.equal(["macie-trail-on-incident"]);
            const lifecycle = timing === "in-import" ? next.rule : next.echoes[0].rule;
            expect(lifecycle, timing).to.equal("lifecycle");
            expect(incidents.incidents[0].timeline.map(e => e.eventData.includes("was suppressed.")), timing).to.deep.equal([true]);
            expect(incidents.incidents, timing).to.have.length(1);
        }
    });

    it("the replay report counts the findings suppressed per rule; the dev stack's sample rules suppress none of the bundled samples", async () => {
        const { simulate } = await import("../offline/simulation");
        const settings = loadSettings(key => ({ severityLabels: '["CRITICAL","HIGH","MEDIUM"]' } as Record<string, string>)[key], path.join(__dirname, ".."));
        settings.suppressions = parseSuppressions(FILE, RULES_FOR_REAL_FINDING);
        const report = await simulate({ settings, stack: "test", events: [importedAt("2026-12-01T00:00:00Z"), importedAt("2026-12-02T00:00:00Z")].map((event, i) => ({ event, source: `real[${i}]`, findingId: REAL_FINDING.Id })), now: NOW, automationRuleTiming: "in-import" });
        expect(report.suppressedByRule).to.deep.equal({ "macie-trail": 1 });
        expect(report.incidents).to.have.length(0);

        const { readStackConfig } = await import("../offline/stackConfig");
        const { readFindingInputs } = await import("../offline/findingInput");
        const dev = loadSettings(readStackConfig("dev").read, path.join(__dirname, ".."));
        expect(dev.suppressions?.rules.map(r => r.name)).to.deep.equal(["public-website-bucket", "sandbox-account-ec2", "scratch-buckets-by-tag"]);
        const samples = readFindingInputs([path.join(__dirname, "..", "samples", "findings")], process.cwd());
        const devReport = await simulate({ settings: dev, stack: "dev", events: samples.events, now: NOW });
        expect(devReport.suppressedByRule).to.deep.equal({});
    });
});

describe("suppressions replayed on OCSF findings", () => {
    it("evaluates the compiled V2 criteria on a bundled OCSF sample finding, comment guard included", () => {
        const { ocsfCriteriaMatch } = require("../offline/securityHubStandIn");
        const event = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "samples", "findings", "05-ocsf-findings.jsonl"), "utf8").split("\n")[0]);
        const finding = event.detail.findings[0];
        const rules = parseSuppressions(FILE, `rules:\n  - name: db\n    reason: Reporting replica, public by design.\n    match:\n      securityControlIds: [RDS.2]\n      accounts: ["111122223333"]\n      regions: [ap-northeast-1]\n      resourceIds: [orders-db-1]\n      productNames: [Security Hub]\n      titleContains: [prohibit public access]\n`);
        const { ocsf } = compileSuppressions(rules, { formats: ["OCSF"], followIncidents: true, now: NOW });
        const matches = (f: unknown) => ocsf.map(r => ocsfCriteriaMatch(JSON.parse(r.args.criteria.ocsfFindingCriteriaJson), f));
        // Without the incident's comment only the suppressing rule matches; with it, only the status-only one.
        expect(matches(finding)).to.deep.equal([false, true]);
        expect(matches({ ...finding, comment: `${NOTE_OPEN_PREFIX} incident arn:aws:ssm-incidents::111122223333:incident-record/x/1` })).to.deep.equal([true, false]);
        expect(matches({ ...finding, cloud: { ...finding.cloud, region: "us-east-1" } })).to.deep.equal([false, false]);
        const tagged = { ...finding, resources: [{ ...finding.resources[0], tags: [{ name: "Purpose", value: "reporting" }] }] };
        const byTag = compileSuppressions(parseSuppressions(FILE, "rules: [{name: t, reason: x, match: {resourceTags: {Purpose: reporting}}}]"), { formats: ["OCSF"], followIncidents: false, now: NOW }).ocsf[0];
        expect(ocsfCriteriaMatch(JSON.parse(byTag.args.criteria.ocsfFindingCriteriaJson), tagged)).to.equal(true);
        expect(ocsfCriteriaMatch(JSON.parse(byTag.args.criteria.ocsfFindingCriteriaJson), finding)).to.equal(false);
    });
});

describe("suppressions: names after splitting and pairing", () => {
    it("refuses a rule whose automation rule name another rule's part or pair already has", () => {
        const rules = parseSuppressions(FILE, `rules:\n  - {name: a-on-incident, reason: x, match: {accounts: ["111122223333"]}}\n  - {name: a, reason: x, match: {accounts: ["111122223334"]}}\n`);
        expect(compileSuppressions(rules, { formats: ["ASFF"], followIncidents: false, now: NOW }).problems).to.deep.equal([]);
        expect(compileSuppressions(rules, { formats: ["ASFF"], followIncidents: true, now: NOW }).problems).to.deep.equal([
            `${FILE}: rule "a": its automation rule "a-on-incident" has the name of another rule's (names get -partN and -on-incident); rename one of them`,
        ]);
    });
});
