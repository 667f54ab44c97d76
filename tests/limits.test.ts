import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DOCUMENTED_LIMITS, EVENT_PATTERN_LIMITS, RESPONSE_PLAN_LIMITS } from "../lib/limits";
import { buildEventPattern, buildLifecyclePattern } from "../lib/eventPattern";
import { ConfigurationError, loadSettings, Settings } from "../lib/settings";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

/** Issue 14, C and D-11: AWS's limits checked before deploy, user keys as data, YAML as written. */
function problemsOf(values: Record<string, string>, region?: string): string[] {
    try {
        loadSettings(key => values[key], PROJECT_DIR, undefined, region);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigurationError);
        return (err as ConfigurationError).problems;
    }
    throw new Error("expected a ConfigurationError");
}
const load = (values: Record<string, string>): Settings => loadSettings(key => values[key], PROJECT_DIR);

const contact = (i: number) => `arn:aws:ssm-contacts:us-east-1:111122223333:contact/c${i}`;
const topic = (i: number, partition = "aws") => `arn:${partition}:sns:us-east-1:111122223333:t${i}`;
const list = (n: number, item: (i: number) => string) => JSON.stringify(Array.from({ length: n }, (_, i) => item(i)));

describe("documented limits", () => {
    it("lists every documented limit of the resources the stack declares, with its source", () => {
        expect(DOCUMENTED_LIMITS.map(l => `${l.resource} ${l.field}: ${l.limit}`)).to.deep.equal([
            "aws:ssmincidents/responsePlan engagements: 0-5",
            "aws:ssmincidents/responsePlan chatChannel.chatbotSns: 1-5 (or none)",
            "aws:ssmincidents/responsePlan incidentTemplate.notificationTargets: 0-10",
            "aws:ssmincidents/responsePlan ARNs (engagements, chat channel, notification targets): the stack's partition",
            "aws:ssmincidents/responsePlan name: ^[a-zA-Z0-9_-]+$, 1-200",
            "aws:ssmincidents/responsePlan incidentTemplate.title: 1-200",
            "aws:ssmincidents/responsePlan actions[].ssmAutomation.dynamicParameters: 1-200",
            "aws:ssmincidents/replicationSet regions: 1-3",
            "aws:cloudwatch/eventRule eventPattern: at most 2048 characters (4096 with a quota increase)",
            "aws:cloudwatch/eventTarget retryPolicy: attempts 0-185, age 60-86400 s",
            "aws:cloudwatch/logGroup retentionInDays: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
            "aws:ssm/document content: at most 65536 bytes",
            "aws:ssm/document aws:pause timeoutSeconds: 1-2592000",
            "aws:dynamodb/table name: 3-255 of a-z A-Z 0-9 _ - .",
        ]);
        for (const limit of DOCUMENTED_LIMITS) {
            expect(limit.source, limit.field).to.match(/\S/);
            expect(limit.checkedBy, limit.field).to.match(/\S/);
        }
    });

    describe("response plans (CreateResponsePlan)", () => {
        it("take at most 5 engagements, 5 chat channel topics and 10 notification topics, top level and per plan", () => {
            const { engagements, chatChannelTopicsMax, notificationTargets } = RESPONSE_PLAN_LIMITS;
            expect(load({ engagementContactArns: list(engagements, contact), chatChannelTopicArns: list(chatChannelTopicsMax, topic), notificationTopicArns: list(notificationTargets, topic) }).engagementContactArns).to.have.length(5);
            expect(problemsOf({ engagementContactArns: list(6, contact) })).to.deep.equal([
                "securityhub-incidents:engagementContactArns: lists 6 Incident Manager contact ARNs; a response plan engages at most 5 contacts or escalation plans (Incident Manager, CreateResponsePlan engagements)",
            ]);
            expect(problemsOf({ chatChannelTopicArns: list(6, topic) })).to.deep.equal([
                "securityhub-incidents:chatChannelTopicArns: lists 6 SNS topic ARNs; a response plan's chat channel takes 1-5 topics (Incident Manager, ChatChannel chatbotSns)",
            ]);
            expect(problemsOf({ notificationTopicArns: list(11, topic) })).to.deep.equal([
                "securityhub-incidents:notificationTopicArns: lists 11 SNS topic ARNs; a response plan notifies at most 10 topics (Incident Manager, incidentTemplate notificationTargets)",
            ]);
            const plans = JSON.stringify({ critical: { severityLabels: ["CRITICAL"], engagementContactArns: JSON.parse(list(6, contact)) }, high: { severityLabels: ["HIGH"] } });
            expect(problemsOf({ responsePlans: plans })).to.deep.equal([
                'securityhub-incidents:responsePlans: plan "critical": engagementContactArns: lists 6 Incident Manager contact ARNs; a response plan engages at most 5 contacts or escalation plans (Incident Manager, CreateResponsePlan engagements)',
            ]);
        });

        it("take at most 3 replication Regions", () => {
            expect(problemsOf({ createReplicationSet: "true", replicationRegions: '["us-east-1","us-west-2","eu-west-1","ap-northeast-1"]' })).to.deep.equal([
                "securityhub-incidents:replicationRegions: lists 4 AWS Regions; a replication set has at most 3 Regions (Incident Manager, CreateReplicationSet regions)",
            ]);
        });

        it("refuse ARNs of another partition than the stack's Region, one line each", () => {
            const plans = JSON.stringify({ critical: { severityLabels: ["CRITICAL"], notificationTopicArns: [topic(1, "aws-cn")] }, high: { severityLabels: ["HIGH"] } });
            expect(problemsOf({ chatChannelTopicArns: JSON.stringify([topic(1), topic(2, "aws-us-gov")]), alarmTopicArn: topic(3, "aws-cn"), responsePlans: plans }, "us-east-1")).to.deep.equal([
                `securityhub-incidents:chatChannelTopicArns: "${topic(2, "aws-us-gov")}" is in partition aws-us-gov, but the stack's Region us-east-1 (aws:region) is in aws; give an ARN of the form arn:aws:…`,
                `securityhub-incidents:alarmTopicArn: "${topic(3, "aws-cn")}" is in partition aws-cn, but the stack's Region us-east-1 (aws:region) is in aws; give an ARN of the form arn:aws:…`,
                `securityhub-incidents:responsePlans: plan "critical": notificationTopicArns: "${topic(1, "aws-cn")}" is in partition aws-cn, but the stack's Region us-east-1 (aws:region) is in aws; give an ARN of the form arn:aws:…`,
            ]);
            expect(loadSettings(key => ({ notificationTopicArns: JSON.stringify([topic(1, "aws-cn")]) } as Record<string, string>)[key], PROJECT_DIR, undefined, "cn-north-1").notificationTopicArns).to.have.length(1);
        });
    });

    describe("event patterns (EventBridge)", () => {
        it("refuse a findings pattern over 2,048 characters, naming the rule, its size and the setting", () => {
            const many = JSON.stringify(Array.from({ length: 300 }, (_, i) => `Product ${i}`));
            const [problem, lifecycle, ...rest] = problemsOf({ productNames: many });
            expect(rest).to.deep.equal([]);
            expect(problem).to.match(/^securityhub-incidents:productNames: the findings rule \(ASFF, findings-rule\)'s event pattern would be [\d,]+ characters; EventBridge takes at most 2,048 \(4,096 with a quota increase\)\. productNames makes [\d,]+ of them \(300 names, the longest 11 characters\); list fewer or shorter names$/);
            // The lifecycle rule follows NOTIFIED findings of the same products (recurring activity): it grows with them too.
            expect(lifecycle).to.match(/^securityhub-incidents:productNames: the lifecycle rule \(ASFF, findings-lifecycle-rule\)'s event pattern would be [\d,]+ characters/);
            const long = problemsOf({ productNames: JSON.stringify(["x".repeat(5000)]), findingFormats: '["ASFF","OCSF"]' });
            expect(long).to.have.length(4);
            expect(long[1]).to.match(/^securityhub-incidents:productNames: the OCSF findings rule \(findings-ocsf-rule\)'s event pattern would be 5,\d{3} characters/);
            // Just under the limit is accepted (the longer of the findings and the lifecycle pattern decides).
            const defaults = load({});
            const withName = (name: string) => ({ ...defaults, productNames: [name] });
            const fits = EVENT_PATTERN_LIMITS.maxLength - Math.max(JSON.stringify(buildEventPattern(withName(""))).length, JSON.stringify(buildLifecyclePattern(withName(""))).length);
            expect(load({ productNames: JSON.stringify(["y".repeat(fits)]) }).productNames[0]).to.have.length(fits);
            expect(problemsOf({ productNames: JSON.stringify(["y".repeat(fits + 1)]) })).to.have.length(1);
        });
    });

    describe("keys from the user's files are data", () => {
        it("names an option called constructor, toString, hasOwnProperty or __proto__ as unknown", () => {
            for (const key of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
                const plans = `{"critical": {"severityLabels": ["CRITICAL", "HIGH"], "${key}": []}}`;
                expect(problemsOf({ responsePlans: plans }), key).to.deep.equal([
                    `securityhub-incidents:responsePlans: plan "critical": unknown option "${key}"; a plan takes severityLabels, engagementContactArns, chatChannelTopicArns, notificationTopicArns, runbookLanguage, runbookFile, incidentTitle, accounts`,
                ]);
            }
        });

        it("keeps plans named __proto__, constructor or toString like any other", () => {
            const settings = load({ responsePlans: '{"__proto__": {"severityLabels": ["CRITICAL"]}, "constructor": {"severityLabels": ["HIGH"]}}' });
            expect(Object.keys(settings.responsePlans!)).to.deep.equal(["__proto__", "constructor"]);
            expect(settings.responsePlans!["__proto__"].severityLabels).to.deep.equal(["CRITICAL"]);
            expect(problemsOf({ responsePlans: '{"toString": {"severityLabels": ["CRITICAL"]}}' })).to.deep.equal([
                "securityhub-incidents:responsePlans: no plan answers HIGH, which severityLabels lets through; add HIGH to the severityLabels of one plan",
            ]);
        });
    });
});

describe("stack files as written (issue 14, 11)", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-as-written-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const stackFile = (config: string) => {
        const file = path.join(dir, "Pulumi.x.yaml");
        fs.writeFileSync(file, `config:\n${config}`);
        return file;
    };
    const read = (config: string) => readStackConfig("x", PROJECT_DIR, stackFile(config));

    it("names YAML's .inf and .nan as written, not as null", () => {
        expect(() => read("  securityhub-incidents:dedupTtlDays: .inf\n")).to.throw(
            "Pulumi.x.yaml: securityhub-incidents:dedupTtlDays: .inf is YAML's infinity, which no setting takes (Pulumi hands values over as JSON, which has neither); give a finite number, or quote it for the text");
        expect(() => read("  securityhub-incidents:impactBySeverity: {HIGH: .NaN}\n")).to.throw(/^Pulumi\.x\.yaml: securityhub-incidents:impactBySeverity: \.nan is YAML's not-a-number/);
    });

    it("keeps a date-like value as the text written (tableName: 2026-01-01)", () => {
        const config = read("  securityhub-incidents:tableName: 2026-01-01\n  securityhub-incidents:productNames: [2026-01-01T10:00:00Z]\n");
        expect(config.read("tableName")).to.equal("2026-01-01");
        expect(config.read("productNames")).to.equal('["2026-01-01T10:00:00Z"]');
        const bad = readStackConfig("x", PROJECT_DIR, stackFile("  securityhub-incidents:tableName: 2026-01-01 10:00:00\n"));
        expect(() => loadSettings(bad.read, PROJECT_DIR)).to.throw('securityhub-incidents:tableName: "2026-01-01 10:00:00" is not a DynamoDB table name');
    });

    it("keeps a config key called __proto__ and names it", () => {
        expect(() => read("  __proto__: x\n")).to.throw("Pulumi.x.yaml: keys outside securityhub-incidents: and aws:: __proto__");
        expect(() => read("  securityhub-incidents:constructor: x\n")).to.throw(/^Pulumi\.x\.yaml: unknown settings constructor; known: /);
    });

    it("gives one line per problem, without a header line", () => {
        let message = "";
        try {
            load({ severityLabels: '["HIHG"]', tableName: "x" });
        } catch (err) {
            message = (err as Error).message;
        }
        expect(message.split("\n")).to.deep.equal([
            'securityhub-incidents:severityLabels: "HIHG" is not allowed; use one or more of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL',
            'securityhub-incidents:tableName: "x" is not a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _, -, .)',
        ]);
    });
});
