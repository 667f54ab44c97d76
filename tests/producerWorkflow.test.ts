/**
 * Findings of every producer through the workflow's programs and patterns (issue 16, items 4-7),
 * each case built on a real published finding of ../shared/real-findings (named beside it; a
 * "derived" case changes only what it says). The programs are evaluated as the rendered
 * definition has them, without DynamoDB: the requests the workflow would send.
 */
import { expect } from "chai";
import { buildEventPattern, buildOcsfEventPattern } from "../lib/eventPattern";
import { renderStateMachineDefinition } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { matchEventPattern } from "../offline/eventPatternMatcher";
import { evaluateTemplate } from "../offline/stepFunctionsJsonata";
import { Delivery } from "../offline/replayAccount";
import { replayAccounts, settingsOf } from "./support/account";
import { CORPUS, corpusFindings, eventOf } from "./support/corpus";

// The corpus helpers live in tests/support/corpus.ts (other test files use them too).
export { CORPUS, corpusFindings, eventOf };

const PLAN = "arn:aws:ssm-incidents::123456789012:response-plan/securityhub-incidents-test";
const definition = renderStateMachineDefinition({
    tableName: "t", responsePlanArn: PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, findingFormats: ["ASFF", "OCSF"],
});
const context = (event: Record<string, any>, state: string) => ({
    Execution: { Id: "arn:aws:states:eu-west-3:123456789012:execution:sm:e1", Input: event, StartTime: event.time.replace("Z", ".000Z") },
    State: { Name: state },
});
/** The StartIncident request OpenIncident would send for this event. */
const startIncident = async (event: Record<string, any>) =>
    await evaluateTemplate(definition.States.OpenIncident.Arguments, { input: {}, context: context(event, "OpenIncident") }) as Record<string, any>;
/** The storm group ReserveSlot would count this event in. */
const stormGroup = async (event: Record<string, any>) =>
    ((await evaluateTemplate(definition.States.ReserveSlot.Arguments, { input: {}, context: context(event, "ReserveSlot") }) as any)
        .ExpressionAttributeValues[":group"].S as string);
const related = (request: Record<string, any>, type: string) =>
    (request.RelatedItems as any[]).filter(i => i.Identifier.Type === type).map(i => i.Identifier.Value.Arn ?? i.Identifier.Value.Url);

describe("findings of every producer (real published findings)", () => {
    const every = settingsOf({ productNames: '["Security Hub","GuardDuty","Inspector","Config","Systems Manager Patch Manager","Security Hub Exposure Analysis"]', severityLabels: '["CRITICAL","HIGH","MEDIUM","LOW","INFORMATIONAL"]' });

    describe("compliance status (item 4)", () => {
        it("opens for a FAILED control check but not for one that went to WARNING or NOT_AVAILABLE, unless complianceStatuses asks", () => {
            // awsdocs-securityhub/internal-providers.config-typical-finding.json: Config, FAILED.
            const [config] = corpusFindings("awsdocs-securityhub/internal-providers.config-typical-finding.json");
            // awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json: CloudTrail.2, FAILED.
            const [control] = corpusFindings("awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json");
            const pattern = buildEventPattern(every);
            for (const finding of [config, control]) {
                expect(matchEventPattern(pattern, eventOf(finding)).matched).to.equal(true);
                // Derived: Security Hub reset the notified finding to NEW on PASSED → WARNING / NOT_AVAILABLE.
                for (const status of ["WARNING", "NOT_AVAILABLE", "PASSED"]) {
                    const derived = { ...finding, Compliance: { ...finding.Compliance, Status: status } };
                    expect(matchEventPattern(pattern, eventOf(derived)).matched, status).to.equal(false);
                }
            }
            const wider = buildEventPattern({ ...every, complianceStatuses: ["FAILED", "WARNING"] });
            expect(matchEventPattern(wider, eventOf({ ...control, Compliance: { ...control.Compliance, Status: "WARNING" } })).matched).to.equal(true);
            expect(matchEventPattern(wider, eventOf({ ...control, Compliance: { ...control.Compliance, Status: "NOT_AVAILABLE" } })).matched).to.equal(false);
        });

        it("does not filter findings without compliance (GuardDuty, Inspector, Patch Manager) in ASFF or OCSF", () => {
            const pattern = buildEventPattern(every);
            for (const file of ["awsdocs-service-guides/guardduty-typical-finding.current-docs.json", "ocsf-examples-asff/vulnerability-inspector.raw.json", "awsdocs-service-guides/patch-manager-sample-finding.json"]) {
                const [finding] = corpusFindings(file);
                expect(finding.Compliance?.Status, file).to.equal(undefined);
                expect(matchEventPattern(pattern, eventOf(finding)), file).to.deep.equal({ matched: true });
            }
            // awsdocs-securityhub-v2/exposure-finding.sample.json: OCSF, no compliance, Critical, New.
            const [exposure] = corpusFindings("awsdocs-securityhub-v2/exposure-finding.sample.json");
            expect(matchEventPattern(buildOcsfEventPattern(every), eventOf(exposure))).to.deep.equal({ matched: true });
            const failing = { ...exposure, compliance: { control: "Lambda.1", status: "Warning" } };
            expect(matchEventPattern(buildOcsfEventPattern(every), eventOf(failing)).matched).to.equal(false);
            expect(matchEventPattern(buildOcsfEventPattern(every), eventOf({ ...failing, compliance: { control: "Lambda.1", status: "Fail" } })).matched).to.equal(true);
        });
    });

    describe("storm groups (item 5)", () => {
        it("groups GuardDuty by product and finding type, the same in ASFF and OCSF, across accounts and detectors", async () => {
            // ocsf-examples-asff/detection-guardduty.raw.json (ASFF) and
            // sumologic-docs-v2/security-hub-ocsf.sample-log-message.json (OCSF): both Stealth:IAMUser/CloudTrailLoggingDisabled.
            const [asff] = corpusFindings("ocsf-examples-asff/detection-guardduty.raw.json");
            const [ocsf] = corpusFindings("sumologic-docs-v2/security-hub-ocsf.sample-log-message.json");
            const expected = "guardduty: Stealth:IAMUser-CloudTrailLoggingDisabled";
            expect(await stormGroup(eventOf(asff))).to.equal(expected);
            expect(await stormGroup(eventOf(ocsf))).to.equal(expected);
            // Derived: the same type from another account's detector is the same group (today's GeneratorId was the detector).
            const other = { ...asff, AwsAccountId: "444455556666", GeneratorId: "arn:aws:guardduty:us-east-2:444455556666:detector/0123456789abcdef0123456789abcdef" };
            expect(await stormGroup(eventOf(other))).to.equal(expected);
            // awsdocs-service-guides/guardduty-typical-finding.json: another type, another group.
            const [ssh] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.json");
            expect(await stormGroup(eventOf(ssh))).to.equal("guardduty: UnauthorizedAccess:EC2-SSHBruteForce");
        });

        it("groups Inspector by the vulnerability, controls by their security control, and Config by its rule", async () => {
            // ocsf-examples-asff/vulnerability-inspector.raw.json: CVE-2023-1255 (GeneratorId AWSInspector for every finding).
            const [cve] = corpusFindings("ocsf-examples-asff/vulnerability-inspector.raw.json");
            expect(cve.GeneratorId).to.equal("AWSInspector");
            expect(await stormGroup(eventOf(cve))).to.equal("inspector: CVE-2023-1255");
            // awsdocs-securityhub/sample-control-findings.cis140-3.7.json: CloudTrail.2 whatever the standard.
            const [cis] = corpusFindings("awsdocs-securityhub/sample-control-findings.cis140-3.7.json");
            expect(await stormGroup(eventOf(cis))).to.equal("CloudTrail.2");
            // awsdocs-securityhub/internal-providers.config-typical-finding.json: a Config rule (compliance, no control ID).
            const [config] = corpusFindings("awsdocs-securityhub/internal-providers.config-typical-finding.json");
            expect(await stormGroup(eventOf(config))).to.equal(config.GeneratorId);
            // awsdocs-securityhub-v2/exposure-finding.sample.json: the new Security Hub's exposure type.
            const [exposure] = corpusFindings("awsdocs-securityhub-v2/exposure-finding.sample.json");
            expect(await stormGroup(eventOf(exposure))).to.equal("security hub exposure analysis: Resource Hijacking");
        });
    });

    describe("resources and links (item 6)", () => {
        it("builds the instance ARN of Patch Manager's bare instance ID, with the resource's Region when the finding has none", async () => {
            // awsdocs-service-guides/patch-manager-sample-finding.json: Resources[0].Id i-02573cafcfEXAMPLE, no top-level Region.
            const [patch] = corpusFindings("awsdocs-service-guides/patch-manager-sample-finding.json");
            expect(patch.Region).to.equal(undefined);
            const request = await startIncident(eventOf(patch));
            // The published ID's "EXAMPLE" is not hexadecimal: derived, with the documented form of an instance ID.
            expect(related(request, "INVOLVED_RESOURCE")).to.deep.equal([]);
            const derived = { ...patch, Resources: [{ ...patch.Resources[0], Id: "i-02573cafcf0123456" }] };
            const fixed = await startIncident(eventOf(derived));
            expect(related(fixed, "INVOLVED_RESOURCE")).to.deep.equal([`arn:aws:ec2:us-east-2:${patch.AwsAccountId}:instance/i-02573cafcf0123456`]);
            expect(JSON.parse(fixed.TriggerDetails.RawData).Region).to.equal("us-east-2");
            // Its SourceUrl (the instance's patch page) is a related item.
            expect(related(fixed, "OTHER")).to.include(patch.SourceUrl);
        });

        it("builds an RDS ARN from a DB instance identifier, never from a resource ID (db-…)", async () => {
            // awsdocs-service-guides/patch-manager-sample-finding.json, derived: its resource an RDS DB instance named
            // by identifier, by resource ID (DbiResourceId, as in the RDS user guide's rds-db ARN example), and a Lambda function.
            const [patch] = corpusFindings("awsdocs-service-guides/patch-manager-sample-finding.json");
            const withResources = (...resources: Array<{ Type: string; Id: string }>) =>
                ({ ...patch, Resources: resources.map(r => ({ ...patch.Resources[0], ...r })) });
            const arns = async (...resources: Array<{ Type: string; Id: string }>) => related(await startIncident(eventOf(withResources(...resources))), "INVOLVED_RESOURCE");
            const at = `us-east-2:${patch.AwsAccountId}`;
            expect(await arns({ Type: "AwsRdsDbInstance", Id: "orders-db-1" })).to.deep.equal([`arn:aws:rds:${at}:db:orders-db-1`]);
            expect(await arns({ Type: "AwsRdsDbInstance", Id: "db-12ABC34DEFG5HIJ6KLMNOP78QR" })).to.deep.equal([]);
            // Not identifiers: a leading digit, a double hyphen, 64 characters.
            expect(await arns({ Type: "AwsRdsDbInstance", Id: "1db" }, { Type: "AwsRdsDbInstance", Id: "a--b" }, { Type: "AwsRdsDbInstance", Id: "a".repeat(64) })).to.deep.equal([]);
            expect(await arns({ Type: "AwsLambdaFunction", Id: "my_function-1" }, { Type: "AwsLambdaFunction", Id: "f".repeat(65) }))
                .to.deep.equal([`arn:aws:lambda:${at}:function:my_function-1`]);
        });

        it("links GuardDuty's console (SourceUrl) and Inspector's advisory (Vulnerabilities[].Vendor.Url)", async () => {
            // awsdocs-service-guides/guardduty-typical-finding.current-docs.json; ocsf-examples-asff/vulnerability-inspector.raw.json.
            const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
            const gd = await startIncident(eventOf(guardDuty));
            expect(related(gd, "OTHER")).to.include(guardDuty.SourceUrl);
            expect(related(gd, "INVOLVED_RESOURCE")).to.deep.equal([guardDuty.Resources[0].Id]);
            // No top-level Region: the resource's.
            expect(guardDuty.Region).to.equal(undefined);
            expect(JSON.parse(gd.TriggerDetails.RawData).Region).to.equal("us-east-1");
            const [cve] = corpusFindings("ocsf-examples-asff/vulnerability-inspector.raw.json");
            expect(related(await startIncident(eventOf(cve)), "OTHER")).to.include("https://nvd.nist.gov/vuln/detail/CVE-2023-1255");
        });

        it("gives an OpsItem the same links: built resource ARNs in /aws/resources, the product's console and advisories in its description", async () => {
            // The same findings as above: Patch Manager's (derived: a hexadecimal instance ID), GuardDuty's and Inspector's.
            const opsDefinition = renderStateMachineDefinition({
                tableName: "t", dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, findingFormats: ["ASFF", "OCSF"], incidentBackend: "opscenter",
                opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document" },
            });
            const createOpsItem = async (event: Record<string, any>) =>
                await evaluateTemplate(opsDefinition.States.OpenIncident.Arguments, { input: {}, context: context(event, "OpenIncident") }) as Record<string, any>;
            const [patch] = corpusFindings("awsdocs-service-guides/patch-manager-sample-finding.json");
            const derived = { ...patch, Resources: [{ ...patch.Resources[0], Id: "i-02573cafcf0123456" }] };
            const opsItem = await createOpsItem(eventOf(derived));
            expect(JSON.parse(opsItem.OperationalData["/aws/resources"].Value)).to.deep.equal([{ arn: `arn:aws:ec2:us-east-2:${patch.AwsAccountId}:instance/i-02573cafcf0123456` }]);
            expect(opsItem.Description).to.include(`[Finding in its product](${patch.SourceUrl})`);
            const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
            expect((await createOpsItem(eventOf(guardDuty))).Description).to.include(`[Finding in its product](${guardDuty.SourceUrl})`);
            const [cve] = corpusFindings("ocsf-examples-asff/vulnerability-inspector.raw.json");
            expect((await createOpsItem(eventOf(cve))).Description).to.include("[Advisory](https://nvd.nist.gov/vuln/detail/CVE-2023-1255)");
        });

        it("takes the Region from the product ARN or the ID when neither the finding nor its resources have one", async () => {
            // awsdocs-service-guides/guardduty-typical-finding.current-docs.json, derived: Resources[].Region removed
            // (pre-2021 ASFF). Its published ProductArn (arn:aws:securityhub:us-east-1:product/aws/guardduty) still has the Region field.
            const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
            const bare = { ...guardDuty, Resources: guardDuty.Resources.map(({ Region, ...r }: any) => r) };
            const request = await startIncident(eventOf(bare));
            expect(JSON.parse(request.TriggerDetails.RawData).Region).to.equal("us-east-1");
            expect(related(request, "OTHER")[0]).to.include("region=us-east-1");
            // Derived further: without a product ARN, the Region of the finding's ID (not the event's eu-west-3).
            const { ProductArn, ...noProduct } = bare as Record<string, any>;
            expect(JSON.parse((await startIncident(eventOf(noProduct))).TriggerDetails.RawData).Region).to.equal("us-east-1");
            // The older published copy (awsdocs-service-guides/guardduty-typical-finding.json) has "arn:aws::…" ARNs
            // whose Region field is empty: the event's Region stands in, as before.
            const [archived] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.json");
            const old = { ...archived, Resources: archived.Resources.map(({ Region, ...r }: any) => r) };
            expect(JSON.parse((await startIncident(eventOf(old))).TriggerDetails.RawData).Region).to.equal("eu-west-3");
        });

        it("links the new Security Hub console for an OCSF-only exposure finding, and builds the ARN of GuardDuty OCSF's bare instance", async () => {
            // awsdocs-securityhub-v2/exposure-finding.sample.json: ID arn:aws:securityhub:us-east-1:…:risk:…, only in the new Security Hub.
            const [exposure] = corpusFindings("awsdocs-securityhub-v2/exposure-finding.sample.json");
            const request = await startIncident(eventOf(exposure));
            expect(related(request, "OTHER")[0]).to.equal("https://console.aws.amazon.com/securityhub/v2/home?region=us-east-1");
            expect(related(request, "INVOLVED_RESOURCE")).to.deep.equal(["arn:aws:lambda:us-east-1:123456789012:application-function"]);
            // sumologic-docs-v2/security-hub-ocsf.sample-log-message.json, derived: the resource an EC2 instance named by ID,
            // as GuardDuty's OCSF EC2 findings name it. Its ID is a GuardDuty ARN: the CSPM link stays.
            const [gd] = corpusFindings("sumologic-docs-v2/security-hub-ocsf.sample-log-message.json");
            const ec2 = { ...gd, resources: [{ ...gd.resources[0], type: "AWS::EC2::Instance", uid: "i-0c10c2c7863d1a356", data: undefined }] };
            const gdRequest = await startIncident(eventOf(ec2));
            expect(related(gdRequest, "INVOLVED_RESOURCE")).to.deep.equal([`arn:aws:ec2:us-east-1:${gd.cloud.account.uid}:instance/i-0c10c2c7863d1a356`]);
            expect(related(gdRequest, "OTHER")[0]).to.match(/^https:\/\/console\.aws\.amazon\.com\/securityhub\/home\?region=us-east-1#\/findings\?search=/);
        });
    });
});

describe("recurring activity and other tools' Notes, replayed offline (real published findings)", function () {
    this.timeout(120000);
    const { account } = replayAccounts("producers", { responsePlanArn: PLAN, config: { productNames: '["Security Hub","GuardDuty"]', severityLabels: '["CRITICAL","HIGH","MEDIUM"]' } });
    const states = (d: Delivery) => d.runs.map(r => r.states);
    /** A provider's update of the same finding: new UpdatedAt and LastObservedAt, as GuardDuty reports recurring activity. */
    const update = (finding: Record<string, any>, time: string, lastObservedAt = time) => eventOf({ ...finding, UpdatedAt: time, LastObservedAt: lastObservedAt }, time);

    it("follows a control finding to its incident after a Jira sync rewrote its Note (the link is the record)", async () => {
        // awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json (FAILED, NEW).
        const [control] = corpusFindings("awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json");
        const { replay, incidents } = await account();
        const opened = await replay.deliverFromInput(eventOf(control, "2026-11-01T00:00:00Z"));
        expect(opened.runs[0].status, opened.runs[0].cause).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(1);
        // Derived: the Jira integration writes its own Note and keeps NOTIFIED (set in the account).
        const jira = { ...control, Workflow: { Status: "NOTIFIED" }, Note: { Text: "Jira issue SEC-42 created for this finding", UpdatedBy: "jira-securityhub", UpdatedAt: "2026-11-01T01:00:00Z" } };
        const synced = await replay.deliverFromInput(eventOf(jira, "2026-11-01T01:00:00Z"));
        expect(synced.rule).to.equal(undefined);
        // Derived: the next check passes; Security Hub sets RESOLVED and keeps Jira's Note.
        const passed = await replay.deliverFromInput(eventOf({ ...control, Compliance: { ...control.Compliance, Status: "PASSED" }, UpdatedAt: "2026-11-02T00:00:00Z" }, "2026-11-02T00:00:00Z"));
        expect(passed.event.detail.findings[0].Note.Text).to.equal(jira.Note.Text);
        expect(passed.rule).to.equal("lifecycle");
        expect(states(passed)).to.deep.equal([["Route", "ReadLinkedRecord", "Linked", "AddClosedTimeline", "RecordClosed", "CloseNote", "NoteClosed", "ClosedWithNote"]]);
        expect(incidents.incidents[0].timeline.map(t => t.eventData)).to.satisfy((texts: string[]) => texts.some(t => t.includes(`${control.Id} was resolved.`)));
        // A closed finding whose Note another tool wrote again: read, not linked any more, nothing written.
        const again = await replay.redeliver(passed.event);
        expect(states(again)).to.deep.equal([["Route", "ReadLinkedRecord", "Linked", "NotLinked"]]);
        expect(incidents.incidents[0].timeline).to.have.length(1);
    });

    it("leaves a finding another tool marked NOTIFIED before we saw it, unless openFindingsNotifiedByOthers asks", async () => {
        // awsdocs-service-guides/guardduty-typical-finding.current-docs.json, derived: NOTIFIED with another tool's Note.
        const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
        const notified = { ...guardDuty, Workflow: { Status: "NOTIFIED" }, Note: { Text: "ASR: remediation started", UpdatedBy: "automated-security-response", UpdatedAt: "2026-11-01T00:00:00Z" } };
        const off = await account();
        const left = await off.replay.deliverFromInput(eventOf(notified, "2026-11-01T00:00:00Z"));
        expect(left.rule).to.equal("lifecycle");
        expect(states(left)).to.deep.equal([["Route", "ReadRecord", "Decide", "NotLinked"]]);
        expect(off.incidents.incidents).to.have.length(0);
        const on = await account({ config: { openFindingsNotifiedByOthers: "true" } });
        const opened = await on.replay.deliverFromInput(eventOf(notified, "2026-11-01T00:00:00Z"));
        expect(states(opened)[0].slice(0, 6)).to.deep.equal(["Route", "ReadRecord", "Decide", "ClaimFinding", "InProblemGroup", "ReserveSlot"]);
        expect(on.incidents.incidents).to.have.length(1);
    });

    it("raises the incident's impact once for a re-import whose severity rose, never lowers it, and a redelivery repeats nothing (item 7)", async () => {
        // awsdocs-service-guides/guardduty-typical-finding.current-docs.json (MEDIUM, NEW, no compliance):
        // opens at MEDIUM's impact 3. Derived: GuardDuty updates the same finding within the hour, first
        // raising it to HIGH, then reporting it at MEDIUM again.
        const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
        expect(guardDuty.Severity.Label).to.equal("MEDIUM");
        const { replay, incidents, record } = await account();
        const opened = await replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
        expect(opened.runs[0].status, opened.runs[0].cause).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].request.Impact).to.equal(3);
        expect((await record(guardDuty.Id))!.Impact.N).to.equal("3");
        const updates = incidents.callsOf.updateIncidentRecord;

        const high = { ...guardDuty, Severity: { ...guardDuty.Severity, Label: "HIGH", Normalized: 70 } };
        const raised = await replay.deliverFromInput(update(high, "2026-11-01T00:10:00Z"));
        expect(raised.runs[0].status, raised.runs[0].cause).to.equal("SUCCEEDED");
        expect(states(raised)).to.deep.equal([["Route", "ReadRecord", "Decide", "EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "EscalatedThen", "DuplicateFinding"]]);
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].request.Impact).to.equal(2);
        expect(incidents.callsOf.updateIncidentRecord).to.equal(updates + 1);
        expect(incidents.incidents[0].timeline).to.have.length(1);
        expect(incidents.incidents[0].timeline[0].eventData).to.include(`${guardDuty.Id} arrived with a higher severity (HIGH)`).and.include("raised from 3 to 2");
        expect((await record(guardDuty.Id))!.Impact.N).to.equal("2");

        // The same event again: the record holds impact 1, nothing to raise.
        const again = await replay.redeliver(raised.event);
        expect(states(again)).to.deep.equal([["Route", "ReadRecord", "Decide", "DuplicateFinding"]]);
        // A less severe copy: nothing lowered.
        const lowered = await replay.deliverFromInput(update(guardDuty, "2026-11-01T00:20:00Z"));
        expect(states(lowered)).to.deep.equal([["Route", "ReadRecord", "Decide", "DuplicateFinding"]]);
        expect(incidents.incidents[0].request.Impact).to.equal(2);
        expect(incidents.callsOf.updateIncidentRecord).to.equal(updates + 1);
        expect(incidents.incidents[0].timeline).to.have.length(1);
        expect((await record(guardDuty.Id))!.Impact.N).to.equal("2");

        // Derived: new activity two hours later, now CRITICAL, on the open incident: the re-open's
        // activity event, then the escalation to impact 1.
        const critical = { ...guardDuty, Severity: { ...guardDuty.Severity, Label: "CRITICAL", Normalized: 90 } };
        const recurred = await replay.deliverFromInput(update(critical, "2026-11-01T02:00:00Z"));
        expect(recurred.runs[0].status, recurred.runs[0].cause).to.equal("SUCCEEDED");
        expect(states(recurred)[0].slice(0, 11)).to.deep.equal(["Route", "ReadRecord", "Decide", "CheckIncident", "IncidentStillOpen", "AddReopenedTimeline", "ReopenEscalates", "EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "EscalatedThen"]);
        expect(states(recurred)[0]).to.include("RecordIncident");
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].request.Impact).to.equal(1);
        expect(incidents.callsOf.updateIncidentRecord).to.equal(updates + 2);
        expect(incidents.incidents[0].timeline.map(t => t.eventData).join(" ")).to.include("reported new activity").and.include("raised from 2 to 1");
        expect(incidents.incidents[0].timeline).to.have.length(3);
        expect((await record(guardDuty.Id))!.Impact.N).to.equal("1");
    });

    it("escalates a control finding re-imported NOTIFIED with a raised severity only with escalateNotifiedControlFindings; the rule keeps the rest out (item 7)", async () => {
        // awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json (CloudTrail.2, FAILED, MEDIUM, NEW):
        // opens at MEDIUM's impact 3. Derived: Security Hub's next re-imports of the same finding (it keeps
        // NOTIFIED and our Note, as the account's Security Hub does) carry the label HIGH, then CRITICAL.
        const [control] = corpusFindings("awsdocs-securityhub/sample-control-findings.fsbp-cloudtrail2.json");
        expect([control.Severity.Label, control.Compliance.Status]).to.deep.equal(["MEDIUM", "FAILED"]);
        const raise = (label: string, time: string) => eventOf({ ...control, Severity: { ...control.Severity, Label: label }, UpdatedAt: time }, time);
        // Off (the default): the re-import stops at the rules, the incident keeps impact 3.
        const off = await account();
        await off.replay.deliverFromInput(eventOf(control, "2026-11-01T00:00:00Z"));
        const ignored = await off.replay.deliverFromInput(raise("HIGH", "2026-11-02T00:00:00Z"));
        expect([ignored.rule, ignored.runs.length]).to.deep.equal([undefined, 0]);
        expect(off.incidents.incidents[0].request.Impact).to.equal(3);
        // On: CRITICAL and HIGH could raise a MEDIUM incident (severityLabels CRITICAL, HIGH, MEDIUM), MEDIUM could not.
        const { replay, incidents, record } = await account({ config: { escalateNotifiedControlFindings: "true" } });
        await replay.deliverFromInput(eventOf(control, "2026-11-01T00:00:00Z"));
        const same = await replay.deliverFromInput(raise("MEDIUM", "2026-11-01T18:00:00Z"));
        expect([same.rule, same.runs.length]).to.deep.equal([undefined, 0]);
        const high = await replay.deliverFromInput(raise("HIGH", "2026-11-02T00:00:00Z"));
        expect(high.rule).to.equal("lifecycle");
        expect(states(high)).to.deep.equal([["Route", "ReadRecord", "Decide", "EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "EscalatedThen", "DuplicateFinding"]]);
        // The next daily re-import at HIGH: the record holds impact 2, the cheap exit (4 transitions).
        const again = await replay.deliverFromInput(raise("HIGH", "2026-11-03T00:00:00Z"));
        expect(states(again)).to.deep.equal([["Route", "ReadRecord", "Decide", "DuplicateFinding"]]);
        expect(again.runs[0].transitions).to.equal(4);
        const critical = await replay.deliverFromInput(raise("CRITICAL", "2026-11-04T00:00:00Z"));
        expect(states(critical)[0]).to.include("EscalateIncident");
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].request.Impact).to.equal(1);
        expect(incidents.incidents[0].timeline.map(t => t.eventData).join(" ")).to.include("raised from 3 to 2").and.include("raised from 2 to 1");
        expect((await record(control.Id))!.Impact.N).to.equal("1");
    });

    it("re-opens GuardDuty's recurring activity: one timeline event per hour while open, a new linked incident after resolution, and the record expires", async () => {
        // awsdocs-service-guides/guardduty-typical-finding.current-docs.json (HIGH, NEW, no compliance); the updates are derived.
        const [guardDuty] = corpusFindings("awsdocs-service-guides/guardduty-typical-finding.current-docs.json");
        const { replay, incidents, record } = await account({ resolveIncidentsAfterMs: 48 * 3600 * 1000 });
        const opened = await replay.deliverFromInput(eventOf(guardDuty, "2026-11-01T00:00:00Z"));
        expect(opened.runs[0].status, opened.runs[0].cause).to.equal("SUCCEEDED");
        // The write-back's own event now reaches the lifecycle rule, and ends as a duplicate.
        expect(opened.echoes.map(e => e.rule)).to.deep.equal(["lifecycle"]);
        expect(states(opened.echoes[0])).to.deep.equal([["Route", "ReadRecord", "Decide", "DuplicateFinding"]]);
        const item = (await record(guardDuty.Id))!;
        expect(Number(item.ExpiresAt.N)).to.equal(Date.parse("2026-11-01T00:00:00Z") / 1000 + 365 * 86400);

        // Activity 30 minutes later: within the hour, nothing.
        const soon = await replay.deliverFromInput(update(guardDuty, "2026-11-01T00:30:00Z"));
        expect(states(soon)).to.deep.equal([["Route", "ReadRecord", "Decide", "DuplicateFinding"]]);
        // Six hours later, the incident still open: one timeline event, no new incident.
        const later = await replay.deliverFromInput(update(guardDuty, "2026-11-01T06:00:00Z"));
        expect(states(later)[0]).to.include.members(["CheckIncident", "AddReopenedTimeline", "NotifyFinding", "RecordIncident"]);
        expect(incidents.incidents).to.have.length(1);
        expect(incidents.incidents[0].timeline.map(t => t.eventData).join(" ")).to.include("reported new activity (last observed 2026-11-01T06:00:00.000Z)");
        // Renewed by the activity.
        expect(Number((await record(guardDuty.Id))!.ExpiresAt.N)).to.equal(Date.parse("2026-11-01T06:00:00Z") / 1000 + 365 * 86400);

        // The responder resolved the incident on day 2 (48 h after it opened). An update whose activity predates that opens nothing.
        const stale = await replay.deliverFromInput(update(guardDuty, "2026-11-03T06:00:00Z", "2026-11-02T12:00:00Z"));
        expect(states(stale)[0]).to.include.members(["CheckIncident", "IncidentStillOpen", "DuplicateFinding"]);
        expect(incidents.incidents).to.have.length(1);
        // New activity after the resolution: a new incident linking the old one.
        const recurred = await replay.deliverFromInput(update(guardDuty, "2026-11-04T06:00:00Z"));
        expect(recurred.runs[0].status, recurred.runs[0].cause).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(2);
        const previous = incidents.incidents[1].request.RelatedItems!.filter(i => i.Identifier.Type === "INCIDENT").map(i => i.Identifier.Value.Arn);
        expect(previous).to.deep.equal([incidents.incidents[0].incidentRecordArn]);
    });
});
