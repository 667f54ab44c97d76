import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigurationError, configKeyProblems, loadSettings, responsePlanNameFor, SETTING_KEYS, settingWarnings, Settings } from "../lib/settings";
import { formatWarnings } from "../lib/config/formats";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { responsePlanArnBySeverity, responsePlanLayout } from "../lib/responsePlans";
import { readStackConfig, PROJECT_DIR } from "../offline/stackConfig";

function load(values: Record<string, string>): Settings {
    return loadSettings(key => values[key], PROJECT_DIR);
}

function problemsOf(values: Record<string, string>): string[] {
    try {
        load(values);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigurationError);
        return (err as ConfigurationError).problems;
    }
    throw new Error("expected a ConfigurationError");
}

describe("settings", () => {
    it("applies the seed's filter and safe defaults when nothing is set", () => {
        const s = load({});
        expect(s.severityLabels).to.deep.equal(["CRITICAL", "HIGH"]);
        expect(s.recordStates).to.deep.equal(["ACTIVE"]);
        expect(s.workflowStatuses).to.deep.equal(["NEW"]);
        expect(s.productNames).to.deep.equal(["Security Hub"]);
        expect(s.tableName).to.equal(undefined);
        expect(s.impactBySeverity).to.deep.equal(DEFAULT_IMPACT_BY_SEVERITY);
        expect(s.dedupTtlDays).to.equal(30);
        expect(s.createReplicationSet).to.equal(false);
        expect(s.runbookPath).to.equal(path.join(PROJECT_DIR, "runbooks", "securityhub-incident.en.yaml"));
        // aws:pause's maximum, so a phase left open for weeks does not time the runbook out.
        expect(s.runbookPauseTimeoutDays).to.equal(30);
        // The finding's life: write-back on, incidents left to responders, records kept a year after the finding closes.
        expect([s.notifyFindings, s.resolveIncidentsWithFindings, s.recordRetentionDays]).to.deep.equal([true, false, 365]);
    });

    it("parses lists, numbers, booleans and maps as Pulumi hands them over", () => {
        const s = load({
            severityLabels: '["CRITICAL"]',
            tableName: "findings.dedup_table-1",
            dedupTtlDays: "7",
            tableDeletionProtection: "true",
            impactBySeverity: '{"HIGH": 1}',
            runbookLanguage: "ja",
            chatChannelTopicArns: '["arn:aws:sns:ap-northeast-1:111122223333:chat"]',
            engagementContactArns: '["arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/oncall"]',
        });
        expect(s.severityLabels).to.deep.equal(["CRITICAL"]);
        expect(s.tableName).to.equal("findings.dedup_table-1");
        expect(s.dedupTtlDays).to.equal(7);
        expect(s.tableDeletionProtection).to.equal(true);
        expect(s.impactBySeverity).to.deep.equal({ ...DEFAULT_IMPACT_BY_SEVERITY, HIGH: 1 });
        expect(s.runbookPath).to.match(/securityhub-incident\.ja\.yaml$/);
        expect(s.chatChannelTopicArns).to.have.length(1);
        expect(s.engagementContactArns).to.have.length(1);
    });

    const cases: Array<[string, Record<string, string>, RegExp]> = [
        ["an unknown severity label", { severityLabels: '["HIHG"]' }, /severityLabels: "HIHG" is not allowed; use one or more of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL/],
        ["an empty severity list", { severityLabels: "[]" }, /severityLabels: the list is empty; give at least one of severity labels/],
        ["a severity list that is not JSON", { severityLabels: "CRITICAL,HIGH" }, /severityLabels: "CRITICAL,HIGH" is not a JSON list of severity labels/],
        ["a repeated label", { severityLabels: '["HIGH","HIGH"]' }, /severityLabels: .* lists a value twice/],
        ["a table name under 3 characters", { tableName: "ab" }, /tableName: "ab" is not a DynamoDB table name \(3-255 characters/],
        ["a table name with a space", { tableName: "my table" }, /tableName: "my table" is not a DynamoDB table name/],
        ["an unknown runbook language", { runbookLanguage: "fr" }, /runbookLanguage: "fr" is not allowed; use one of en, ja/],
        ["a missing runbook file", { runbookFile: "runbooks/nope.yaml" }, /runbookFile: runbook file .*runbooks\/nope\.yaml does not exist/],
        ["a malformed alarm topic ARN", { alarmTopicArn: "arn:aws:sns:topic" }, /alarmTopicArn: "arn:aws:sns:topic" is not an SNS topic ARN/],
        ["a malformed contact ARN", { engagementContactArns: '["oncall"]' }, /engagementContactArns: "oncall" is not Incident Manager contact ARN/],
        ["an impact out of range", { impactBySeverity: '{"HIGH": 0}' }, /impactBySeverity: impact 0 for HIGH is not a whole number from 1 \(critical\) to 5/],
        ["an impact for an unknown label", { impactBySeverity: '{"SEVERE": 1}' }, /impactBySeverity: "SEVERE" is not a severity label/],
        ["a TTL of zero days", { dedupTtlDays: "0" }, /dedupTtlDays: "0" is not a whole number from 1 to 3650/],
        ["a boolean spelt wrong", { tableDeletionProtection: "yes" }, /tableDeletionProtection: "yes" is not a boolean; use true or false/],
        ["an unsupported log retention", { logRetentionDays: "10" }, /logRetentionDays: "10" is not a CloudWatch Logs retention; use one of 1, 3, 5/],
        ["a retry count above EventBridge's limit", { eventRetryAttempts: "186" }, /eventRetryAttempts: "186" is not a whole number from 0 to 185/],
        ["replication regions without the replication set", { replicationRegions: '["ap-northeast-1"]' }, /replicationRegions: is set but createReplicationSet is false/],
        ["an unknown workflow status", { workflowStatuses: '["OPEN"]' }, /workflowStatuses: "OPEN" is not allowed; use one or more of NEW, NOTIFIED, RESOLVED, SUPPRESSED/],
        ["a pause timeout over aws:pause's 30 days", { runbookPauseTimeoutDays: "31" }, /runbookPauseTimeoutDays: "31" is not a whole number from 1 to 30/],
        ["a pause timeout of zero days", { runbookPauseTimeoutDays: "0" }, /runbookPauseTimeoutDays: "0" is not a whole number from 1 to 30/],
        ["NOTIFIED in the filter while the workflow writes NOTIFIED back", { workflowStatuses: '["NEW","NOTIFIED"]' }, /workflowStatuses: includes NOTIFIED, but with notifyFindings the workflow marks every finding NOTIFIED itself/],
        ["resolving incidents without the write-back", { notifyFindings: "false", resolveIncidentsWithFindings: "true" }, /resolveIncidentsWithFindings: needs notifyFindings/],
        ["a record retention of zero days", { recordRetentionDays: "0" }, /recordRetentionDays: "0" is not a whole number from 1 to 3650/],
        ["an unknown finding format", { findingFormats: '["OCSF2"]' }, /findingFormats: "OCSF2" is not allowed; use one or more of ASFF, OCSF/],
        ["a finding format in lower case", { findingFormats: '["ocsf"]' }, /findingFormats: "ocsf" is not allowed; use one or more of ASFF, OCSF/],
        ["no finding format", { findingFormats: "[]" }, /findingFormats: the list is empty; give at least one of finding formats/],
        ["a finding format twice", { findingFormats: '["OCSF","OCSF"]' }, /findingFormats: .* lists a value twice/],
        ["finding formats that are not a list", { findingFormats: "OCSF" }, /findingFormats: "OCSF" is not a JSON list of finding formats/],
    ];
    for (const [what, values, message] of cases) {
        it(`rejects ${what}, naming the key and what is allowed`, () => {
            const problems = problemsOf(values);
            expect(problems).to.have.length(1);
            expect(problems[0]).to.match(/^securityhub-incidents:/);
            expect(problems[0]).to.match(message);
        });
    }

    it("reports every bad key at once", () => {
        const problems = problemsOf({ severityLabels: '["HIHG"]', tableName: "ab", logLevel: "DEBUG" });
        expect(problems.map(p => p.split(":")[1])).to.deep.equal(["severityLabels", "tableName", "logLevel"]);
    });

    it("listens to ASFF only unless told, and to OCSF or both when asked", () => {
        expect(load({}).findingFormats).to.deep.equal(["ASFF"]);
        expect(load({ findingFormats: '["OCSF"]' }).findingFormats).to.deep.equal(["OCSF"]);
        expect(load({ findingFormats: '["ASFF","OCSF"]' }).findingFormats).to.deep.equal(["ASFF", "OCSF"]);
    });

    it("is documented key by key in the README configuration table", () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        for (const key of SETTING_KEYS) expect(readme, key).to.match(new RegExp("\\| `" + key + "` \\|"));
    });
});

describe("stack files", () => {
    it("dev also takes MEDIUM findings and is easy to tear down", () => {
        const dev = readStackConfig("dev");
        const s = loadSettings(dev.read, PROJECT_DIR);
        expect(s.severityLabels).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM"]);
        expect(s.tableDeletionProtection).to.equal(false);
        expect(s.tablePointInTimeRecovery).to.equal(false);
        expect(dev.region).to.equal("ap-northeast-1");
    });

    it("prod keeps the seed's filter and protects its table", () => {
        const s = loadSettings(readStackConfig("prod").read, PROJECT_DIR);
        expect(s.severityLabels).to.deep.equal(["CRITICAL", "HIGH"]);
        expect(s.tableName).to.equal("securityhub-incidents-prod-findings");
        expect(s.tableDeletionProtection).to.equal(true);
        expect(s.tablePointInTimeRecovery).to.equal(true);
        expect(s.runbookLanguage).to.equal("ja");
        expect(s.logRetentionDays).to.equal(365);
    });

    it("names only settings the program knows", () => {
        for (const stack of ["dev", "prod"]) {
            const keys = Object.keys(readStackConfig(stack).values).filter(k => k.startsWith("securityhub-incidents:"));
            for (const key of keys) expect(SETTING_KEYS as string[]).to.include(key.split(":")[1]);
        }
    });

    it("refuses an unknown stack, listing the ones there are", () => {
        expect(() => readStackConfig("staging")).to.throw(/Pulumi\.staging\.yaml does not exist; stacks here: dev, opscenter, prod/);
    });
});

describe("settings set item by item with --path", () => {
    it("accepts impacts stored as strings", () => {
        const s = loadSettings(key => ({ impactBySeverity: '{"HIGH":"1"}' } as Record<string, string>)[key], PROJECT_DIR);
        expect(s.impactBySeverity.HIGH).to.equal(1);
    });
});

describe("stack files with a misspelt setting", () => {
    it("are refused, naming the key and the known ones", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stack-")), "Pulumi.typo.yaml");
        fs.writeFileSync(file, "config:\n  securityhub-incidents:severityLables: [HIGH]\n");
        expect(() => readStackConfig("typo", PROJECT_DIR, file)).to.throw(/Pulumi\.typo\.yaml: unknown settings severityLables; known: severityLabels, /);
    });

    it("refuse a setting stored as a secret, naming it", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stack-")), "Pulumi.secret.yaml");
        fs.writeFileSync(file, "config:\n  securityhub-incidents:tableName:\n    secure: AAABAExampleCiphertext==\n");
        expect(() => readStackConfig("secret", PROJECT_DIR, file)).to.throw(/Pulumi\.secret\.yaml: securityhub-incidents:tableName: is stored as a secret, but none of this project's settings is secret; set it in plain text: pulumi config set tableName <value>/);
    });
});

describe("config keys, as the program checks them (pulumi.runtime.allConfig())", () => {
    const keysOf = (keys: string[], secret: string[] = []) => ({ keys, isSecret: (k: string) => secret.includes(k) });

    it("are refused when misspelt, with the message synth and simulate give", () => {
        const problems = configKeyProblems(keysOf(["aws:region", "securityhub-incidents:severityLables", "securityhub-incidents:tableName"]));
        expect(problems).to.deep.equal([`unknown settings severityLables; known: ${SETTING_KEYS.join(", ")}`]);
        expect(() => loadSettings(() => undefined, PROJECT_DIR, keysOf(["securityhub-incidents:severityLables"]))).to.throw(ConfigurationError, /unknown settings severityLables; known: /);
    });

    it("are refused when one of ours is a secret; other namespaces may hold secrets", () => {
        expect(configKeyProblems(keysOf(["securityhub-incidents:alarmTopicArn", "aws:secretKey"], ["securityhub-incidents:alarmTopicArn", "aws:secretKey"])))
            .to.deep.equal(["securityhub-incidents:alarmTopicArn: is stored as a secret, but none of this project's settings is secret; set it in plain text: pulumi config set alarmTopicArn <value>"]);
    });
});

describe("stack names", () => {
    it("give the response plan its name", () => {
        expect(responsePlanNameFor("prod")).to.equal("securityhub-incidents-prod");
    });

    it("are refused when Incident Manager would refuse the plan name, saying why", () => {
        expect(() => responsePlanNameFor("team.prod")).to.throw(ConfigurationError, /stack "team\.prod": its response plan would be named "securityhub-incidents-team\.prod", which Incident Manager refuses; a plan name is 1-200 letters, digits, - or _/);
        expect(() => responsePlanNameFor("x".repeat(190))).to.throw(ConfigurationError, /at most 178/);
    });
});

describe("responsePlans (plans per severity)", () => {
    const CONTACT = "arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/security-oncall";
    const CHAT = "arn:aws:sns:ap-northeast-1:111122223333:security-chat";
    const plans = (value: unknown, extra: Record<string, string> = {}) => ({ responsePlans: JSON.stringify(value), ...extra });
    const twoPlans = {
        critical: { severityLabels: ["CRITICAL"], engagementContactArns: [CONTACT] },
        standard: { severityLabels: ["HIGH"], chatChannelTopicArns: [CHAT], runbookLanguage: "ja", incidentTitle: "Security Hub finding (chat)" },
    };

    it("is unset by default: one plan answers every severity", () => {
        expect(load({}).responsePlans).to.equal(undefined);
    });

    it("reads each plan, filling what it leaves out from the top-level settings of the same name", () => {
        const s = load(plans(twoPlans, { notificationTopicArns: '["arn:aws:sns:ap-northeast-1:111122223333:updates"]', chatChannelTopicArns: '["arn:aws:sns:ap-northeast-1:111122223333:all"]' }));
        expect(s.responsePlans!.critical).to.deep.equal({
            severityLabels: ["CRITICAL"],
            engagementContactArns: [CONTACT],
            chatChannelTopicArns: ["arn:aws:sns:ap-northeast-1:111122223333:all"],
            notificationTopicArns: ["arn:aws:sns:ap-northeast-1:111122223333:updates"],
            runbookLanguage: "en",
            runbookPath: path.join(PROJECT_DIR, "runbooks", "securityhub-incident.en.yaml"),
        });
        expect(s.responsePlans!.standard).to.deep.include({
            engagementContactArns: [],
            chatChannelTopicArns: [CHAT],
            runbookLanguage: "ja",
            runbookPath: path.join(PROJECT_DIR, "runbooks", "securityhub-incident.ja.yaml"),
            incidentTitle: "Security Hub finding (chat)",
        });
    });

    it("gives a plan's own runbookFile or runbookLanguage precedence over both top-level ones", () => {
        const s = load(plans({ all: { severityLabels: ["CRITICAL", "HIGH"], runbookLanguage: "ja" } }, { runbookFile: "runbooks/securityhub-incident.en.yaml" }));
        expect(s.responsePlans!.all.runbookPath).to.equal(path.join(PROJECT_DIR, "runbooks", "securityhub-incident.ja.yaml"));
        const inherited = load(plans({ all: { severityLabels: ["CRITICAL", "HIGH"] } }, { runbookFile: "runbooks/securityhub-incident.ja.yaml" }));
        expect(inherited.responsePlans!.all).to.deep.include({ runbookFile: "runbooks/securityhub-incident.ja.yaml", runbookPath: path.join(PROJECT_DIR, "runbooks", "securityhub-incident.ja.yaml") });
    });

    const refused: Array<[string, Record<string, string>, RegExp]> = [
        ["a severity the filter lets through that no plan answers", plans({ critical: { severityLabels: ["CRITICAL"] } }),
            /^securityhub-incidents:responsePlans: no plan answers HIGH, which severityLabels lets through; add HIGH to the severityLabels of one plan$/],
        ["a severity answered by two plans", plans({ a: { severityLabels: ["CRITICAL", "HIGH"] }, b: { severityLabels: ["HIGH"] } }),
            /^securityhub-incidents:responsePlans: HIGH is answered by plans "a" and "b"; each severity belongs to exactly one plan/],
        ["a severity the filter never lets through", plans({ a: { severityLabels: ["CRITICAL", "HIGH", "LOW"] } }),
            /^securityhub-incidents:responsePlans: plan "a" answers LOW, but severityLabels \(CRITICAL, HIGH\) does not let LOW findings through; add LOW to severityLabels or remove it from the plan$/],
        ["a plan name Incident Manager would refuse", plans({ "on.call": { severityLabels: ["CRITICAL", "HIGH"] } }),
            /^securityhub-incidents:responsePlans: plan "on\.call": the name is not allowed; a plan name is letters, digits, - and _/],
        ["a plan without severityLabels", plans({ a: { engagementContactArns: [CONTACT] } }),
            /^securityhub-incidents:responsePlans: plan "a": severityLabels is required/],
        ["an unknown severity label in a plan", plans({ a: { severityLabels: ["CRITICAL", "HIHG"] } }),
            /^securityhub-incidents:responsePlans: plan "a": severityLabels: "HIHG" is not allowed; use one or more of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL$/],
        ["a malformed contact ARN in a plan (the top-level parser's message)", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], engagementContactArns: ["oncall"] } }),
            /^securityhub-incidents:responsePlans: plan "a": engagementContactArns: "oncall" is not Incident Manager contact ARN$/],
        ["a malformed chat topic in a plan", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], chatChannelTopicArns: "arn:aws:sns:topic" } }),
            /^securityhub-incidents:responsePlans: plan "a": chatChannelTopicArns: "arn:aws:sns:topic" is not a JSON list of SNS topic ARNs$/],
        ["an unknown runbook language in a plan", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], runbookLanguage: "fr" } }),
            /^securityhub-incidents:responsePlans: plan "a": runbookLanguage: "fr" is not allowed; use one of en, ja$/],
        ["a missing runbook file in a plan", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], runbookFile: "runbooks/nope.yaml" } }),
            /^securityhub-incidents:responsePlans: plan "a": runbookFile: runbook file .*runbooks\/nope\.yaml does not exist/],
        ["an incident title over 200 characters", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], incidentTitle: "x".repeat(201) } }),
            /^securityhub-incidents:responsePlans: plan "a": incidentTitle: "x+" is not an incident title of 1-200 characters$/],
        ["an option a plan does not take", plans({ a: { severityLabels: ["CRITICAL", "HIGH"], impactBySeverity: { HIGH: 1 } } }),
            /^securityhub-incidents:responsePlans: plan "a": unknown option "impactBySeverity"; a plan takes severityLabels, engagementContactArns, chatChannelTopicArns, notificationTopicArns, runbookLanguage, runbookFile, incidentTitle, accounts$/],
        ["an empty mapping", plans({}), /^securityhub-incidents:responsePlans: the mapping is empty; give at least one plan/],
        ["a list instead of a mapping", plans([{ severityLabels: ["HIGH"] }]), /^securityhub-incidents:responsePlans: .* is not a mapping of plan name to its options/],
    ];
    for (const [what, values, message] of refused) {
        it(`refuses ${what}, naming the setting and the plan`, () => {
            const problems = problemsOf(values);
            expect(problems, problems.join("\n")).to.have.length(1);
            expect(problems[0]).to.match(message);
        });
    }

    it("reports every problem of every plan at once", () => {
        const problems = problemsOf(plans({ a: { severityLabels: ["CRITICAL"], runbookLanguage: "fr" }, "b c": { severityLabels: ["HIGH"] } }));
        expect(problems).to.deep.equal([
            'securityhub-incidents:responsePlans: plan "a": runbookLanguage: "fr" is not allowed; use one of en, ja',
            'securityhub-incidents:responsePlans: plan "b c": the name is not allowed; a plan name is letters, digits, - and _ (it becomes part of the Incident Manager response plan name)',
        ]);
    });

    it("refuses, with the stack, a plan whose full response plan name would be over 200 characters", () => {
        expect(responsePlanNameFor("prod", "critical")).to.equal("securityhub-incidents-prod-critical");
        expect(responsePlanNameFor("prod", "p".repeat(173))).to.have.length(200);
        expect(() => responsePlanNameFor("prod", "p".repeat(174))).to.throw(ConfigurationError,
            /securityhub-incidents:responsePlans: plan "p{174}": its response plan would be named "securityhub-incidents-prod-p{174}" \(201 characters\), which Incident Manager refuses; .* use a plan name of those characters of at most 173/);
    });
});

describe("the documented worked example of responsePlans", () => {
    it("is a valid stack file: CRITICAL pages the escalation plan, HIGH goes to the chat channel", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "response-plans.md"), "utf8");
        const example = /# Respond by severity[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)![1];
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "readme-")), "Pulumi.prod.yaml");
        fs.writeFileSync(file, example);
        const s = loadSettings(readStackConfig(undefined, PROJECT_DIR, file).read, PROJECT_DIR);
        const layout = responsePlanLayout(s, "prod");
        expect(layout.plans.map(p => [p.responsePlanName, p.severityLabels, p.engagementContactArns.length, p.chatChannelTopicArns.length])).to.deep.equal([
            ["securityhub-incidents-prod-critical", ["CRITICAL"], 1, 0],
            ["securityhub-incidents-prod-standard", ["HIGH"], 0, 1],
        ]);
        expect(layout.runbooks.map(r => path.basename(r.path))).to.deep.equal(["securityhub-incident.ja.yaml"]);
    });
});

describe("the response plan layout (lib/responsePlans.ts)", () => {
    it("without responsePlans: one plan with today's names, answering every severity, and no routing map", () => {
        const layout = responsePlanLayout(load({ severityLabels: '["CRITICAL","HIGH","MEDIUM"]' }), "prod");
        expect(layout.bySeverity).to.equal(false);
        expect(layout.plans.map(p => [p.componentName, p.responsePlanName, p.runbookComponentName, p.severityLabels])).to.deep.equal([
            ["response", "securityhub-incidents-prod", "runbook", ["CRITICAL", "HIGH", "MEDIUM"]],
        ]);
        expect(layout.defaultPlan).to.equal(layout.plans[0]);
        expect(responsePlanArnBySeverity(layout, p => p.responsePlanName)).to.deep.equal({});
    });

    it("with responsePlans: one plan per entry, the most severe first and default, one runbook per distinct file", () => {
        const s = load({
            severityLabels: '["CRITICAL","HIGH","MEDIUM"]',
            responsePlans: JSON.stringify({
                chat: { severityLabels: ["MEDIUM", "HIGH"], runbookLanguage: "ja" },
                page: { severityLabels: ["CRITICAL"] },
            }),
        });
        const layout = responsePlanLayout(s, "prod");
        expect(layout.bySeverity).to.equal(true);
        expect(layout.plans.map(p => [p.plan, p.componentName, p.responsePlanName, p.runbookComponentName, p.severityLabels])).to.deep.equal([
            ["page", "response-page", "securityhub-incidents-prod-page", "runbook", ["CRITICAL"]],
            ["chat", "response-chat", "securityhub-incidents-prod-chat", "runbook-securityhub-incident.ja", ["HIGH", "MEDIUM"]],
        ]);
        expect(layout.defaultPlan.plan).to.equal("page");
        expect(layout.runbooks).to.deep.equal([
            { componentName: "runbook", path: path.join(PROJECT_DIR, "runbooks", "securityhub-incident.en.yaml") },
            { componentName: "runbook-securityhub-incident.ja", path: path.join(PROJECT_DIR, "runbooks", "securityhub-incident.ja.yaml") },
        ]);
        expect(responsePlanArnBySeverity(layout, p => `arn:${p.responsePlanName}`)).to.deep.equal({
            CRITICAL: "arn:securityhub-incidents-prod-page",
            HIGH: "arn:securityhub-incidents-prod-chat",
            MEDIUM: "arn:securityhub-incidents-prod-chat",
        });
    });

    it("shares one runbook document between plans that run the same file", () => {
        const s = load({ responsePlans: JSON.stringify({ a: { severityLabels: ["CRITICAL"], runbookLanguage: "ja" }, b: { severityLabels: ["HIGH"], runbookLanguage: "ja" } }) });
        const layout = responsePlanLayout(s, "dev");
        expect(layout.runbooks.map(r => r.componentName)).to.deep.equal(["runbook-securityhub-incident.ja"]);
        expect(layout.plans.map(p => p.runbookComponentName)).to.deep.equal(["runbook-securityhub-incident.ja", "runbook-securityhub-incident.ja"]);
    });
});

describe("setting warnings (pulumi preview logs them; nothing stops)", () => {
    it("has none for ASFF alone, whatever the filter", () => {
        expect(settingWarnings(load({ recordStates: '["ACTIVE","ARCHIVED"]' }))).to.deep.equal([]);
    });

    it("says that ARCHIVED has no exact OCSF counterpart, only when OCSF is on", () => {
        const both = { findingFormats: '["ASFF","OCSF"]', recordStates: '["ACTIVE","ARCHIVED"]' };
        const warnings = formatWarnings(load(both));
        expect(warnings).to.deep.equal([{
            key: "recordStates",
            message: "includes ARCHIVED, which OCSF findings have no record state for: the new Security Hub gives an archived finding status Archived (status_id 5) in place of its workflow status, so the OCSF rule matches every archived finding whatever workflowStatuses says",
        }]);
        expect(formatWarnings(load({ findingFormats: '["OCSF"]' }))).to.deep.equal([]);
        expect(formatWarnings(load({ recordStates: '["ARCHIVED"]' }))).to.deep.equal([]);
    });

    it("names the key in each line the program logs", () => {
        const lines = settingWarnings(load({ findingFormats: '["OCSF"]', recordStates: '["ARCHIVED"]' }));
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^securityhub-incidents:recordStates: includes ARCHIVED/);
    });
});
