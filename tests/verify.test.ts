import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, TestStateCommand } from "@aws-sdk/client-sfn";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, TestEventPatternCommand } from "@aws-sdk/client-eventbridge";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetIncidentRecordCommand, GetReplicationSetCommand, GetResponsePlanCommand, ListRelatedItemsCommand, ListReplicationSetsCommand, ResourceNotFoundException, SSMIncidentsClient, UpdateIncidentRecordCommand } from "@aws-sdk/client-ssm-incidents";
import { runScript } from "./support/scripts";
import { Deployment, ExpectedStack, expectedStack, readOutputs, substitute, substitutions, VerifyError } from "../lib/verify/model";
import { callerPolicy, plannedCalls } from "../lib/verify/calls";
import { CheckResult, Clients, runVerify } from "../lib/verify/run";
import { CHECK_MARKER, CHECK_OPS_ITEM_ID, checkContext, checkIncidentArn, checkStateInput, incidentBackendOf, judgeTestState, planTaskChecks, unsafeRequest } from "../lib/verify/taskChecks";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { renderStateMachineDefinition, taskStates, TASK_INTEGRATIONS } from "../lib/stateMachineDefinition";
import { evaluateTemplate } from "../offline/stepFunctionsJsonata";
import { retryMachinePolicy } from "../lib/failedExecutionRetry";
import { matchEventPattern } from "../offline/eventPatternMatcher";

// No test reaches AWS: every client is mocked, has fake credentials and a fixed Region, and the
// SDK may not ask the EC2 instance metadata service for credentials.
process.env.AWS_EC2_METADATA_DISABLED = "true";
const ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";
const NOW = "2026-12-01T10:00:00.000Z";
const config = { region: REGION, credentials: { accessKeyId: "AKIDVERIFYTEST", secretAccessKey: "verify-test-secret" }, maxAttempts: 1 };
const clients: Clients = {
    sts: new STSClient(config), sfn: new SFNClient(config), events: new EventBridgeClient(config), iam: new IAMClient(config),
    dynamodb: new DynamoDBClient(config), incidents: new SSMIncidentsClient(config),
};
const mocks = {
    sts: mockClient(clients.sts), sfn: mockClient(clients.sfn), events: mockClient(clients.events), iam: mockClient(clients.iam),
    dynamodb: mockClient(clients.dynamodb), incidents: mockClient(clients.incidents),
};

const SAMPLE_EVENTS = [
    { source: "a", event: { version: "0", id: "1", "detail-type": "Security Hub Findings - Imported", source: "aws.securityhub", account: ACCOUNT, time: NOW, region: REGION, resources: [], detail: { findings: [{ Id: "f1", Severity: { Label: "CRITICAL" }, RecordState: "ACTIVE", Workflow: { Status: "NEW" }, ProductFields: { "aws/securityhub/ProductName": "Security Hub" } }] } } },
    { source: "b", event: { version: "0", id: "2", "detail-type": "Security Hub Findings - Imported", source: "aws.securityhub", account: ACCOUNT, time: NOW, region: REGION, resources: [], detail: { findings: [{ Id: "f2", Severity: { Label: "LOW" }, RecordState: "ACTIVE", Workflow: { Status: "NEW" }, ProductFields: { "aws/securityhub/ProductName": "Security Hub" } }] } } },
];

describe("npm run verify", function () {
    this.timeout(120000);
    let expected: ExpectedStack;
    let dryRun: { status: number | null; stdout: string; stderr: string };
    let deployment: Deployment;
    const roleArn = (logical: string) => `arn:aws:iam::${ACCOUNT}:role/${logical}-abc1234`;

    before(() => {
        // The one child process: renders the prod stack as synth does, lists the calls, calls nothing.
        dryRun = runScript("verify", ["--dry-run", "--json", "--stack", "prod"]);
        expected = JSON.parse(dryRun.stdout).expected;
        deployment = readOutputs({
            tableName: "securityhub-incidents-prod-findings",
            stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:incidents-workflow-1a2b3c4`,
            responsePlanArn: `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-prod`,
            responsePlanArns: { "securityhub-incidents-prod": `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-prod` },
            ruleArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/findings-rule-5d6e7f8`,
            lifecycleRuleArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/findings-lifecycle-rule-9a8b7c6`,
            retryMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:retry-machine-4d5e6f7`,
            failedExecutionRuleArn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/retry-rule-7f6e5d4`,
            failedFindingsQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/retry-failed-findings-3c2b1a0`,
            runbookDocumentName: "runbook-document-0f1e2d3",
            runbookDocumentNames: { "securityhub-incidents-prod": "runbook-document-0f1e2d3" },
        }, "outputs.json");
    });

    it("--dry-run --stack prod works offline, without credentials, and lists every call", () => {
        expect(dryRun.status, dryRun.stderr).to.equal(0);
        const report = JSON.parse(dryRun.stdout);
        const operations = new Set(report.calls.map((c: { service: string; operation: string }) => `${c.service}:${c.operation}`));
        for (const op of ["sts:GetCallerIdentity", "ssm-incidents:ListReplicationSets", "states:DescribeStateMachine", "events:DescribeRule", "iam:GetRolePolicy", "iam:SimulatePrincipalPolicy", "events:TestEventPattern", "states:TestState", "dynamodb:DeleteItem"]) {
            expect(operations, op).to.include(op);
        }
        // Without --end-to-end no call starts an execution or touches an incident.
        expect(operations).not.to.include("states:StartExecution");
        expect(operations).not.to.include("ssm-incidents:UpdateIncidentRecord");
    });

    /** Mocks answering as the API references show, for a stack deployed exactly as rendered. */
    function healthyAccount(overrides: { definition?: Record<string, any> } = {}) {
        for (const m of Object.values(mocks)) m.reset();
        const pairs = substitutions(expected, deployment);
        const real = <T>(v: T) => substitute(v, pairs);
        const definition = overrides.definition ?? real(expected.definition);
        const workflowRole = roleArn("incidents-role");
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, UserId: "AIDAEXAMPLE" });
        // ListReplicationSets: {replicationSetArns, nextToken} (Incident Manager API reference, ListReplicationSets).
        mocks.incidents.on(ListReplicationSetsCommand).resolves({ replicationSetArns: [`arn:aws:ssm-incidents::${ACCOUNT}:replication-set/abcd`] });
        mocks.incidents.on(GetReplicationSetCommand).resolves({ replicationSet: { arn: "x", status: "ACTIVE", regionMap: { [REGION]: { status: "ACTIVE", statusUpdateDateTime: new Date() } }, createdBy: "a", createdTime: new Date(), deletionProtected: false, lastModifiedBy: "a", lastModifiedTime: new Date() } });
        mocks.incidents.on(GetResponsePlanCommand).resolves({ arn: deployment.outputs.responsePlanArn, name: "securityhub-incidents-prod", incidentTemplate: { title: "t", impact: 3 },
            actions: [{ ssmAutomation: { roleArn: roleArn("response-runbook-role"), documentName: "runbook-document-0f1e2d3" } }] });
        mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: deployment.outputs.stateMachineArn }).resolves({ stateMachineArn: deployment.outputs.stateMachineArn, name: "incidents-workflow-1a2b3c4", definition: JSON.stringify(definition), roleArn: workflowRole, type: "STANDARD", creationDate: new Date() });
        mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: deployment.outputs.retryMachineArn }).resolves({ stateMachineArn: deployment.outputs.retryMachineArn, name: "retry-machine-4d5e6f7", definition: JSON.stringify(real(expected.retry!.definition)), roleArn: roleArn("retry-role"), type: "STANDARD", creationDate: new Date() });
        for (const rule of expected.rules) {
            const name = String(deployment.outputs[rule.outputKey]).split("/").pop();
            const retry = rule.targets === "retry machine";
            mocks.events.on(DescribeRuleCommand, { Name: name }).resolves({ Name: name, EventPattern: JSON.stringify(real(rule.pattern)), State: "ENABLED" });
            mocks.events.on(ListTargetsByRuleCommand, { Rule: name }).resolves({ Targets: [{ Id: "t", Arn: retry ? deployment.outputs.retryMachineArn : deployment.outputs.stateMachineArn, RoleArn: roleArn(retry ? "retry-target-role" : "findings-role") }] });
        }
        for (const role of expected.roles) {
            const name = `${role.logicalName}-abc1234`;
            // IAM returns policy documents URL-encoded (IAM API reference, GetRole / GetRolePolicy).
            mocks.iam.on(GetRoleCommand, { RoleName: name }).resolves({ Role: { RoleName: name, Arn: roleArn(role.logicalName), Path: "/", RoleId: "AROAEXAMPLE", CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(real(role.trustPolicy))) } });
            mocks.iam.on(ListRolePoliciesCommand, { RoleName: name }).resolves({ PolicyNames: Object.keys(role.inlinePolicies).map(p => `${p}-1234abc`), IsTruncated: false });
            for (const [policy, doc] of Object.entries(role.inlinePolicies)) {
                mocks.iam.on(GetRolePolicyCommand, { RoleName: name, PolicyName: `${policy}-1234abc` }).resolves({ RoleName: name, PolicyName: `${policy}-1234abc`, PolicyDocument: encodeURIComponent(JSON.stringify(real(doc))) });
            }
            mocks.iam.on(ListAttachedRolePoliciesCommand, { RoleName: name }).resolves({ AttachedPolicies: [], IsTruncated: false });
        }
        // SimulatePrincipalPolicy: one EvaluationResult per action and resource (IAM API reference).
        mocks.iam.on(SimulatePrincipalPolicyCommand).callsFake(input => ({
            EvaluationResults: input.ActionNames.flatMap((a: string) => input.ResourceArns.map((r: string) => ({ EvalActionName: a, EvalResourceName: r, EvalDecision: "allowed" }))),
            IsTruncated: false,
        }));
        // TestEventPattern: {Result} (EventBridge API reference); the account's matcher stands in as the offline one here.
        mocks.events.on(TestEventPatternCommand).callsFake(input => ({ Result: matchEventPattern(JSON.parse(input.EventPattern), JSON.parse(input.Event)).matched }));
        mocks.sfn.on(TestStateCommand).callsFake(async input => testStateAnswer(input, definition));
        mocks.dynamodb.on(DeleteItemCommand).resolves({});
        return definition;
    }

    /**
     * TestState as Step Functions answers it (API reference, TestState, Response Syntax): with a mock,
     * the request it rendered in inspectionData.afterArguments; without, the service's answer for
     * check data: DynamoDB succeeds, Security Hub reports the finding unprocessed (the state's
     * Output then raises, and its Catch takes it), Incident Manager answers ResourceNotFound.
     */
    async function testStateAnswer(input: any, definition: Record<string, any>) {
        const state = taskStates(definition).find(s => s.name === input.stateName)!.state;
        const context = checkContext({ partition: "aws", region: REGION, account: ACCOUNT, planName: "securityhub-incidents-prod", now: NOW }, JSON.parse(input.input), input.stateName, deployment.outputs.stateMachineArn, input.roleArn);
        const request = await evaluateTemplate(state.Arguments, { input: JSON.parse(input.input), context });
        const inspectionData = { input: input.input, afterArguments: JSON.stringify(request) };
        if (input.mock) return { status: "SUCCEEDED", output: "{}", inspectionData };
        const service = TASK_INTEGRATIONS[state.Resource].service;
        if (service === "dynamoDb") return { status: "SUCCEEDED", output: "{}", inspectionData: { ...inspectionData, result: "{}" } };
        if (service === "securityHub") {
            const result = { ProcessedFindings: [], UnprocessedFindings: [{ FindingIdentifier: (request as any).FindingIdentifiers[0], ErrorCode: "FindingNotFound", ErrorMessage: "Finding Not Found" }] };
            return { status: "CAUGHT_ERROR", error: "States.QueryEvaluationError", cause: "UnprocessedFindings: FindingNotFound Finding Not Found", nextState: "RecordIncidentNotNotified", inspectionData: { ...inspectionData, result: JSON.stringify(result) } };
        }
        return { status: "FAILED", error: "SsmIncidents.ResourceNotFoundException", cause: "Resource not found (Service: SsmIncidents, Status Code: 404)", inspectionData };
    }

    const run = (opts: { endToEnd?: boolean } = {}) => runVerify(expected, deployment, clients, { endToEnd: opts.endToEnd ?? false, samples: SAMPLE_EVENTS, now: NOW, pollMs: 1, timeoutMs: 1000 });
    const byCheck = (results: CheckResult[], prefix: string) => results.filter(r => r.check.startsWith(prefix));

    it("passes a stack deployed as rendered, skipping only the states no check input can make safe", async () => {
        const definition = healthyAccount();
        const { results, calls } = await run();
        const failed = results.filter(r => r.status === "fail");
        expect(failed, JSON.stringify(failed)).to.deep.equal([]);
        const skipped = results.filter(r => r.status === "skip").map(r => r.check);
        // StartIncident opens a real incident: only with --end-to-end. The hourly cap's item is live.
        expect(skipped).to.have.members(["task: OpenRollup", "task: OpenIncident", "task: OpenProblemIncident", "task: ReserveGlobalSlot"]);
        expect(results.find(r => r.check === "task: ReserveGlobalSlot")!.detail).to.match(/#storm\|all\|.*not reserved for checks/);
        // Every other Task state was tested, each with a mocked then a real TestState call.
        const tested = planTaskChecks(definition).filter(p => p.kind === "test").length;
        expect(calls.filter(c => c.operation === "TestState")).to.have.length(2 * tested - 1);
        // Each check item the DynamoDB states wrote is removed, and only check items.
        const deleted = mocks.dynamodb.commandCalls(DeleteItemCommand).map(c => c.args[0].input.Key!.FindingId.S!);
        expect(deleted.length).to.be.greaterThan(1);
        for (const key of deleted) expect(key).to.include(CHECK_MARKER);
        // No call changed a real finding or incident, or started anything.
        expect(mocks.sfn.commandCalls(StartExecutionCommand)).to.have.length(0);
        expect(mocks.incidents.commandCalls(UpdateIncidentRecordCommand)).to.have.length(0);
        // Every call made is one --dry-run lists.
        const planned = new Set(plannedCalls(expected, deployment, { endToEnd: false, samples: SAMPLE_EVENTS.map(s => s.source) }).map(c => `${c.service}:${c.operation}`));
        for (const c of calls) expect(planned, `${c.service}:${c.operation}`).to.include(`${c.service}:${c.operation}`);
        expect(results.find(r => r.check === "patterns: findings-rule")!.detail).to.match(/agree on 2 events \(1 match\)/);
        // The retry of failed executions: its definition, its rule (FAILED events of the workflow), both its roles.
        const status = (check: string) => results.find(r => r.check === check)?.status;
        expect(status("deployed: retry machine definition")).to.equal("pass");
        expect(results.find(r => r.check === "deployed: event rule retry-rule")!.detail).to.include("targets the retry machine");
        expect(status("deployed: retry machine role retry-role")).to.equal("pass");
        expect(status("deployed: event target role retry-target-role")).to.equal("pass");
        expect(results.some(r => r.check === "patterns: retry-rule")).to.equal(false);
        // The retry role is simulated on what lib/failedExecutionRetry.ts grants it, on the real workflow and queue.
        const simulated = mocks.iam.commandCalls(SimulatePrincipalPolicyCommand).map(c => c.args[0].input).filter(i => i.PolicySourceArn === roleArn("retry-role"));
        const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:retry-failed-findings-3c2b1a0`;
        const granted = retryMachinePolicy(deployment.outputs.stateMachineArn, queueArn).Statement as Array<{ Action: string[]; Resource: string[] }>;
        expect(simulated.map(i => i.ActionNames).flat().sort()).to.deep.equal(granted.flatMap(g => g.Action).sort());
        expect(simulated.find(i => i.ActionNames!.includes("sqs:SendMessage"))!.ResourceArns).to.deep.equal([queueArn]);
        expect(simulated.find(i => i.ActionNames!.includes("states:StartExecution"))!.ResourceArns).to.deep.equal([deployment.outputs.stateMachineArn]);
        const retryTarget = mocks.iam.commandCalls(SimulatePrincipalPolicyCommand).map(c => c.args[0].input).find(i => i.PolicySourceArn === roleArn("retry-target-role"))!;
        expect(retryTarget.ResourceArns).to.deep.equal([deployment.outputs.retryMachineArn]);
        // Automation rules (suppressionsFile) are listed, never compared: no output names them.
        const withRules = { ...expected, automationRules: ["suppressions-asff-1"] };
        const again = await runVerify(withRules, deployment, clients, { endToEnd: false, samples: [], now: NOW });
        expect(again.results.find(r => r.check === "deployed: automation rule suppressions-asff-1")).to.deep.include({ status: "skip", detail: "not compared (no outputs): the stack exports no automation rule ARNs; see docs/verify.md" });
    });

    it("fails the retry rule when it does not target the retry machine, and the retry machine when it is not deployed", async () => {
        healthyAccount();
        mocks.events.on(ListTargetsByRuleCommand, { Rule: "retry-rule-7f6e5d4" }).resolves({ Targets: [{ Id: "t", Arn: deployment.outputs.stateMachineArn, RoleArn: roleArn("retry-target-role") }] });
        let { results } = await run();
        expect(results.find(r => r.check === "deployed: event rule retry-rule")).to.deep.include({ status: "fail", detail: "the rule does not target the retry machine of the stack" });
        const withoutRetry = { ...deployment, outputs: { ...deployment.outputs, retryMachineArn: undefined } };
        ({ results } = await runVerify(expected, withoutRetry, clients, { endToEnd: false, samples: SAMPLE_EVENTS, now: NOW }));
        expect(results.find(r => r.check === "deployed: retry machine definition")!.detail).to.match(/no output retryMachineArn/);
    });

    it("fails, naming the place, when the deployed definition, a policy or a role differs from the rendered one", async () => {
        const definition = healthyAccount();
        const changed = JSON.parse(JSON.stringify(definition));
        changed.States.ClaimFinding.Retry[2].MaxAttempts = 2;
        mocks.sfn.on(DescribeStateMachineCommand, { stateMachineArn: deployment.outputs.stateMachineArn }).resolves({ stateMachineArn: deployment.outputs.stateMachineArn, name: "m", definition: JSON.stringify(changed), roleArn: roleArn("incidents-role"), type: "STANDARD", creationDate: new Date() });
        mocks.iam.on(ListAttachedRolePoliciesCommand, { RoleName: "findings-role-abc1234" }).resolves({ AttachedPolicies: [{ PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }] });
        mocks.iam.on(ListRolePoliciesCommand, { RoleName: "incidents-role-abc1234" }).resolves({ PolicyNames: ["incidents-tasks-1234abc", "incidents-observability-1234abc", "added-by-hand"], IsTruncated: false });
        const { results } = await run();
        const line = (check: string) => results.find(r => r.check === check)!;
        expect(line("deployed: state machine definition")).to.include({ status: "fail" });
        expect(line("deployed: state machine definition").detail).to.include("$.States.ClaimFinding.Retry[2].MaxAttempts: expected 5, found 2");
        expect(line("deployed: event target role findings-role").detail).to.include("managed policy AdministratorAccess is attached");
        expect(line("deployed: workflow role incidents-role").detail).to.include("inline policy added-by-hand is not one the program declares");
    });

    it("fails a role that IAM's simulator denies an action the definition calls", async () => {
        healthyAccount();
        mocks.iam.on(SimulatePrincipalPolicyCommand).callsFake(input => ({
            EvaluationResults: input.ActionNames.flatMap((a: string) => input.ResourceArns.map((r: string) => ({ EvalActionName: a, EvalResourceName: r, EvalDecision: a === "ssm-incidents:UpdateRelatedItems" ? "implicitDeny" : "allowed" }))),
            IsTruncated: false,
        }));
        const { results } = await run();
        const line = results.find(r => r.check === "permissions: incidents-role incidentRecords")!;
        expect(line.status).to.equal("fail");
        expect(line.detail).to.match(/ssm-incidents:UpdateRelatedItems on arn:aws:ssm-incidents::123456789012:(response-plan|incident-record)\/.*implicitDeny/);
        expect(results.find(r => r.check === "permissions: incidents-role dedupTable")!.status).to.equal("pass");
    });

    it("fails when EventBridge's matcher disagrees with the offline one (a replay bug)", async () => {
        healthyAccount();
        mocks.events.on(TestEventPatternCommand).resolves({ Result: true });
        const { results } = await run();
        const line = results.find(r => r.check === "patterns: findings-rule")!;
        expect(line.status).to.equal("fail");
        expect(line.detail).to.match(/1 of 2 events disagree \(a replay bug\): b: EventBridge matches, the offline matcher does not/);
    });

    it("tells an unsupported integration and a missing permission from the expected answers", async () => {
        const definition = healthyAccount();
        mocks.sfn.on(TestStateCommand).callsFake(async input => {
            if (!input.mock && input.stateName === "NotifyFinding") return { status: "FAILED", error: "States.Runtime", cause: "The resource provided arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings is not supported" };
            if (!input.mock && input.stateName === "CheckIncident") return { status: "FAILED", error: "SsmIncidents.AccessDeniedException", cause: "User is not authorized to perform: ssm-incidents:GetIncidentRecord" };
            return testStateAnswer(input, definition);
        });
        const { results } = await run();
        expect(results.find(r => r.check === "task: NotifyFinding")).to.include({ status: "fail" });
        expect(results.find(r => r.check === "task: NotifyFinding")!.detail).to.match(/^Step Functions refused the call: States\.Runtime/);
        expect(results.find(r => r.check === "task: CheckIncident")!.detail).to.match(/^the workflow role may not make this call/);
        expect(results.find(r => r.check === "task: CloseNote")).to.include({ status: "pass" });
    });

    it("never calls a state whose rendered request is not on check data, and skips a state of an unknown integration", async () => {
        const definition = healthyAccount();
        definition.States.Mystery = { Type: "Task", QueryLanguage: "JSONata", Resource: "arn:aws:states:::aws-sdk:sns:publish", Arguments: { TopicArn: "x", Message: "m" }, End: true };
        healthyAccount({ definition });
        mocks.sfn.on(TestStateCommand).callsFake(async input => {
            // Step Functions renders RecordIncident on a live key: the real call must not follow.
            if (input.mock && input.stateName === "RecordIncident") return { status: "SUCCEEDED", output: "{}", inspectionData: { afterArguments: JSON.stringify({ TableName: deployment.outputs.tableName, Key: { FindingId: { S: "arn:aws:securityhub:real-finding" } } }) } };
            return testStateAnswer(input, definition);
        });
        const { results } = await run();
        expect(results.find(r => r.check === "task: Mystery")).to.deep.include({ status: "skip" });
        expect(results.find(r => r.check === "task: Mystery")!.detail).to.match(/not in TASK_INTEGRATIONS, so no safe input is known/);
        expect(results.find(r => r.check === "task: RecordIncident")!.detail).to.match(/^no safe input known: its item key "arn:aws:securityhub:real-finding" is not reserved/);
        const calledFor = (state: string) => mocks.sfn.commandCalls(TestStateCommand).filter(c => c.args[0].input.stateName === state).map(c => c.args[0].input.mock === undefined ? "real" : "mocked");
        expect(calledFor("RecordIncident")).to.deep.equal(["mocked"]);
        expect(calledFor("Mystery")).to.deep.equal([]);
    });

    it("fails the backend check when Incident Manager was never enabled, and stops at credentials from another account", async () => {
        healthyAccount();
        mocks.incidents.on(ListReplicationSetsCommand).resolves({ replicationSetArns: [] });
        let { results } = await run();
        expect(results.find(r => r.check === "backend: Incident Manager")!.detail).to.match(/no Incident Manager replication set .*never enabled/);
        mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/other" });
        const second = await run();
        ({ results } = second);
        expect(results).to.have.length(1);
        expect(results[0].detail).to.match(/credentials are for account 999999999999/);
        expect(second.calls).to.deep.equal([{ service: "sts", operation: "GetCallerIdentity" }]);
    });

    it("--end-to-end checks the incident, then resolves it and removes its records even when a check fails", async () => {
        healthyAccount();
        const incident = `arn:aws:ssm-incidents::${ACCOUNT}:incident-record/securityhub-incidents-prod/11111111-2222-4333-8444-555555555555`;
        mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: "arn:aws:states:x:execution:m:verify", startDate: new Date() });
        mocks.sfn.on(DescribeExecutionCommand).resolvesOnce({ executionArn: "e", stateMachineArn: "m", status: "RUNNING", startDate: new Date() }).resolves({ executionArn: "e", stateMachineArn: "m", status: "FAILED", startDate: new Date() });
        // GetExecutionHistory events (Step Functions API reference, HistoryEvent): the key from TaskScheduled, the incident from TaskSucceeded.
        const key = `arn:aws:securityhub:${REGION}:${ACCOUNT}:${CHECK_MARKER}/finding/e2e-1`;
        mocks.sfn.on(GetExecutionHistoryCommand).resolves({ events: [
            { id: 1, timestamp: new Date(), type: "TaskScheduled", taskScheduledEventDetails: { resourceType: "dynamodb", resource: "putItem", region: REGION, parameters: JSON.stringify({ TableName: "t", Item: { FindingId: { S: key } } }) } },
            { id: 2, timestamp: new Date(), type: "TaskSucceeded", taskSucceededEventDetails: { resourceType: "aws-sdk:ssmincidents", resource: "startIncident", output: JSON.stringify({ IncidentRecordArn: incident }) } },
            { id: 3, timestamp: new Date(), type: "TaskSucceeded", taskSucceededEventDetails: { resourceType: "aws-sdk:securityhub", resource: "batchUpdateFindings", output: JSON.stringify({ ProcessedFindings: [], UnprocessedFindings: [{ ErrorCode: "FindingNotFound", ErrorMessage: "Finding Not Found" }] }) } },
        ] });
        mocks.incidents.on(GetIncidentRecordCommand).resolves({ incidentRecord: { arn: incident, title: "[verify test] finding", impact: 2, status: "OPEN", creationTime: new Date(), lastModifiedBy: "x", lastModifiedTime: new Date(), dedupeString: "", incidentRecordSource: { createdBy: "x", source: "securityhub-incidents" } } });
        mocks.incidents.on(ListRelatedItemsCommand).resolves({ relatedItems: [{ identifier: { type: "OTHER", value: { url: "https://console.aws.amazon.com/securityhub" } }, title: "Finding" }] });
        mocks.incidents.on(UpdateIncidentRecordCommand).resolves({});
        let { results, calls } = await run({ endToEnd: true });
        expect(results.find(r => r.check === "end-to-end")!, JSON.stringify(results.filter(r => r.check.startsWith("end")))).to.include({ status: "pass" });
        // The one policy docs/verify.md gives the person running verify allows every call it made.
        const planned = plannedCalls(expected, deployment, { endToEnd: true, samples: ["s"] });
        const allowed = new Set(callerPolicy(planned, deployment).Statement.flatMap(st => st.Action as string[]));
        const service = (s: string) => ({ states: "states", "ssm-incidents": "ssm-incidents" } as Record<string, string>)[s] ?? s;
        for (const c of calls) if (c.operation !== "GetCallerIdentity") expect(allowed, `${c.service}:${c.operation}`).to.include(`${service(c.service)}:${c.operation}`);
        expect(allowed).to.include("iam:PassRole");
        expect(mocks.sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input).to.include("[verify test]");
        expect(mocks.incidents.commandCalls(UpdateIncidentRecordCommand)[0].args[0].input).to.deep.equal({ arn: incident, status: "RESOLVED" });
        expect(mocks.dynamodb.commandCalls(DeleteItemCommand).map(c => c.args[0].input.Key!.FindingId.S)).to.include(key);

        // A check that throws still leaves nothing behind.
        mocks.incidents.on(GetIncidentRecordCommand).rejects(new ResourceNotFoundException({ message: "Resource not found", $metadata: {} }));
        mocks.incidents.resetHistory();
        mocks.dynamodb.resetHistory();
        ({ results } = await run({ endToEnd: true }));
        expect(results.find(r => r.check === "end-to-end")!.detail).to.match(/^ResourceNotFoundException: Resource not found/);
        expect(byCheck(results, "end-to-end cleanup").map(r => r.status)).to.deep.equal(["pass", "pass"]);
        expect(mocks.incidents.commandCalls(UpdateIncidentRecordCommand)).to.have.length(1);
        expect(mocks.dynamodb.commandCalls(DeleteItemCommand).map(c => c.args[0].input.Key!.FindingId.S)).to.include(key);
    });

    it("refuses stack outputs it cannot use, one line per problem", () => {
        expect(() => readOutputs([], "o.json")).to.throw(VerifyError, "o.json: stack outputs are a JSON object (pulumi stack output --json), not a list");
        try {
            readOutputs({ stateMachineArn: "nope", responsePlanArns: {} }, "o.json");
            expect.fail("accepted");
        } catch (err) {
            expect((err as Error).message.split("\n")).to.deep.equal([
                "o.json: output tableName is missing or not a string",
                "o.json: output responsePlanArn is missing or not a string",
                "o.json: output runbookDocumentName is missing or not a string",
                "o.json: output runbookDocumentNames is missing or not a map of names to strings",
            ]);
        }
    });
});

describe("verify's expected stack", () => {
    it("finds each rule's stack output by the name synth gives its pattern file, and each role by what uses it", () => {
        const M = "111122223333";
        const rule = (name: string) => ({ type: "aws:cloudwatch/eventRule:EventRule", name, inputs: { eventPattern: JSON.stringify({ source: [name] }) } });
        const declared = [
            { type: "securityhub-incidents:events:FindingEventRule", name: "findings", inputs: {} },
            rule("findings-rule"), rule("findings-lifecycle-rule"), rule("findings-ocsf-rule"), rule("findings-ocsf-lifecycle-rule"),
            { type: "aws:dynamodb/table:Table", name: "dedup-table", inputs: {} },
            { type: "aws:iam/role:Role", name: "incidents-role", inputs: { assumeRolePolicy: "{}" } },
            { type: "aws:iam/role:Role", name: "findings-role", inputs: { assumeRolePolicy: "{}" } },
            { type: "aws:iam/rolePolicy:RolePolicy", name: "incidents-tasks", inputs: { role: "incidents-role-0001-id", policy: JSON.stringify({ Statement: [] }) } },
            { type: "aws:sfn/stateMachine:StateMachine", name: "incidents-workflow", inputs: { definition: "{}", roleArn: `arn:aws:iam::${M}:role/incidents-role-0001` } },
            { type: "aws:cloudwatch/eventTarget:EventTarget", name: "findings-target", inputs: { rule: "findings-rule-0001", arn: `arn:aws:states:${REGION}:${M}:stateMachine:incidents-workflow-0001`, roleArn: `arn:aws:iam::${M}:role/findings-role-0001` } },
            // The retry of failed executions: a second machine, its role, its rule on the workflow's FAILED events.
            { type: "securityhub-incidents:workflow:FailedExecutionRetry", name: "retry", inputs: {} },
            { type: "aws:sqs/queue:Queue", name: "retry-failed-findings", inputs: {} },
            { type: "aws:iam/role:Role", name: "retry-role", inputs: { assumeRolePolicy: "{}" } },
            { type: "aws:sfn/stateMachine:StateMachine", name: "retry-machine", inputs: { definition: "{}", roleArn: `arn:aws:iam::${M}:role/retry-role-0001` } },
            rule("retry-rule"),
            { type: "aws:iam/role:Role", name: "retry-target-role", inputs: { assumeRolePolicy: "{}" } },
            { type: "aws:cloudwatch/eventTarget:EventTarget", name: "retry-target", inputs: { rule: "retry-rule-0001", arn: `arn:aws:states:${REGION}:${M}:stateMachine:retry-machine-0001`, roleArn: `arn:aws:iam::${M}:role/retry-target-role-0001` } },
        ];
        const stack = expectedStack(declared, "both", REGION, M);
        expect(stack.rules.map(r => [r.logicalName, r.outputKey, r.targets])).to.deep.equal([
            ["findings-rule", "ruleArn", "workflow"], ["findings-lifecycle-rule", "lifecycleRuleArn", "workflow"], ["findings-ocsf-rule", "ocsfRuleArn", "workflow"], ["findings-ocsf-lifecycle-rule", "ocsfLifecycleRuleArn", "workflow"],
            ["retry-rule", "failedExecutionRuleArn", "retry machine"],
        ]);
        expect(stack.roles.map(r => [r.logicalName, r.kind, Object.keys(r.inlinePolicies)])).to.deep.equal([
            ["incidents-role", "workflow", ["incidents-tasks"]], ["findings-role", "event target", []], ["retry-role", "retry machine", []], ["retry-target-role", "event target", []],
        ]);
        expect(stack.stateMachineMockArn).to.equal(`arn:aws:states:${REGION}:${M}:stateMachine:incidents-workflow-0001`);
        expect(stack.retry).to.deep.include({ logicalName: "retry-machine", mockArn: `arn:aws:states:${REGION}:${M}:stateMachine:retry-machine-0001`, queueMockArn: `arn:aws:sqs:${REGION}:${M}:retry-failed-findings-0001` });
        expect(stack.tableMockArn).to.equal(`arn:aws:dynamodb:${REGION}:${M}:table/dedup-table-0001`);
        expect(expectedStack([...declared, { type: "aws:securityhub/automationRule:AutomationRule", name: "suppressions-asff-1", inputs: {} }], "x", REGION, M).automationRules).to.deep.equal(["suppressions-asff-1"]);
        // A role nothing uses cannot be found in the account: refused, naming it.
        expect(() => expectedStack([...declared, { type: "aws:iam/role:Role", name: "stray-role", inputs: { assumeRolePolicy: "{}" } }], "x", REGION, M)).to.throw(VerifyError, "role stray-role is used by no state machine");
    });
});

describe("the README", () => {
    it("names every npm script, verify among them, and links docs/verify.md", () => {
        const fs = require("fs") as typeof import("fs");
        const path = require("path") as typeof import("path");
        const root = path.join(__dirname, "..");
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts);
        expect(scripts).to.include("verify");
        for (const script of scripts) expect(readme, script).to.match(new RegExp(`npm (run (-s )?)?${script.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`));
        expect(readme).to.include("(docs/verify.md)");
    });
});

describe("verify's task checks", () => {
    const target = { partition: "aws", region: REGION, account: ACCOUNT, planName: "plan", now: NOW };
    // Every optional part on, so every Task state the template has is rendered.
    const definition = renderStateMachineDefinition({
        tableName: "table", responsePlanArn: `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/plan`, dedupTtlDays: 30,
        impactBySeverity: { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5 },
        notifyFindings: true, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"],
    });
    /** States whose every input touches live data, with why; a new one must be added here knowingly. */
    const LIVE_ONLY: Record<string, RegExp> = { ReserveGlobalSlot: /#storm\|all\|/ };

    it("has a safe input for every Task state of the template, or says why it has none", async () => {
        const input = checkStateInput(target);
        const states = Object.fromEntries(taskStates(definition).map(s => [s.name, s.state]));
        const unaccounted: string[] = [];
        for (const plan of planTaskChecks(definition)) {
            if (plan.kind === "end-to-end only") {
                expect(TASK_INTEGRATIONS[plan.resource].operation).to.equal("startIncident");
                continue;
            }
            expect(plan.kind, plan.state).to.equal("test");
            if (plan.kind !== "test") continue;
            const request = await evaluateTemplate(states[plan.state].Arguments, { input, context: checkContext(target, input, plan.state, `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:m`, "r") });
            const unsafe = unsafeRequest(plan, request, target, "table");
            if (plan.state in LIVE_ONLY) expect(unsafe, plan.state).to.match(LIVE_ONLY[plan.state]);
            else if (unsafe) unaccounted.push(`${plan.state}: ${unsafe}`);
        }
        expect(unaccounted).to.deep.equal([]);
        expect(planTaskChecks(definition).length).to.equal(taskStates(definition).length);
    });

    it("with the OpsCenter backend, has a safe input for every OpsCenter state too: the reserved OpsItem, a read-only search; the creates and the runbook's start are never called", async () => {
        const ops = renderStateMachineDefinition({
            tableName: "table", dedupTtlDays: 30, impactBySeverity: { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5 },
            notifyFindings: true, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"], incidentBackend: "opscenter",
            opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document", startRunbook: true },
        });
        expect(incidentBackendOf(ops)).to.equal("opscenter");
        const opsTarget = { ...target, backend: "opscenter" as const };
        const input = checkStateInput(opsTarget);
        expect(input.IncidentArn).to.equal(`arn:aws:ssm:${REGION}:${ACCOUNT}:opsitem/${CHECK_OPS_ITEM_ID}`);
        const states = Object.fromEntries(taskStates(ops).map(s => [s.name, s.state]));
        const tested: string[] = [];
        const unaccounted: string[] = [];
        const notCalled: string[] = [];
        for (const plan of planTaskChecks(ops)) {
            if (plan.kind !== "test") {
                notCalled.push(`${plan.state}: ${TASK_INTEGRATIONS[plan.resource].operation}`);
                continue;
            }
            const request = await evaluateTemplate(states[plan.state].Arguments, { input, context: checkContext(opsTarget, input, plan.state, `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:m`, "r") });
            const unsafe = unsafeRequest(plan, request, opsTarget, "table");
            if (plan.state in LIVE_ONLY) expect(unsafe, plan.state).to.match(LIVE_ONLY[plan.state]);
            else if (unsafe) unaccounted.push(`${plan.state}: ${unsafe}`);
            if (plan.service === "opsCenter") tested.push(plan.state);
        }
        expect(unaccounted).to.deep.equal([]);
        expect(notCalled.sort()).to.deep.equal(["OpenIncident: createOpsItem", "OpenProblemIncident: createOpsItem", "OpenRollup: createOpsItem", "StartProblemRunbook: startAutomationExecution", "StartRollupRunbook: startAutomationExecution", "StartRunbook: startAutomationExecution"]);
        // Every OpsCenter call but the creates is tested: the Incident Manager states' rows, the look-ups, the runbook's record and read-back.
        expect(tested).to.include.members(["CheckIncident", "AddClosedTimeline", "ResolveIncident", "AddRelatedItem", "FindOpsItem", "FindRollupOpsItem", "RecordRunbook", "ReadRunbooks"]);
        // An UpdateOpsItem on any other OpsItem is refused before it is called.
        const update = planTaskChecks(ops).find(p => p.state === "ResolveIncident")! as Extract<ReturnType<typeof planTaskChecks>[number], { kind: "test" }>;
        expect(unsafeRequest(update, { OpsItemId: "oi-0123456789ab", Status: "Resolved" }, opsTarget, "table")).to.match(/not the reserved check OpsItem/);
        // Judged by what OpsCenter said.
        expect(judgeTestState(update, { status: "FAILED", error: "Ssm.OpsItemNotFoundException", cause: "not found" }).pass).to.equal(true);
        expect(judgeTestState(update, { status: "FAILED", error: "Ssm.OpsItemAccessDeniedException", cause: "denied" }).pass).to.equal(false);
        expect(judgeTestState(update, { status: "FAILED", error: "Ssm.OpsItemInvalidParameterException", cause: "bad" }).pass).to.equal(false);
        const find = planTaskChecks(ops).find(p => p.state === "FindOpsItem")! as Extract<ReturnType<typeof planTaskChecks>[number], { kind: "test" }>;
        expect(judgeTestState(find, { status: "SUCCEEDED", inspectionData: { result: JSON.stringify({ OpsItemSummaries: [] }) } }).pass).to.equal(true);
        expect(judgeTestState(find, { status: "FAILED", error: "States.Runtime", cause: "unsupported" }).pass).to.equal(false);
    });

    it("judges TestState's answers by what the service said, not by the state's Output", () => {
        const plan = (service: string, operation: string) => ({ state: "S", kind: "test" as const, resource: "r", service, operation, expect: "" });
        expect(judgeTestState(plan("dynamoDb", "UpdateItem"), { status: "FAILED", error: "DynamoDB.ConditionalCheckFailedException", cause: "The conditional request failed" }).pass).to.equal(true);
        expect(judgeTestState(plan("dynamoDb", "GetItem"), { status: "FAILED", error: "States.QueryEvaluationError", inspectionData: { result: "{}" } }).pass).to.equal(true);
        expect(judgeTestState(plan("dynamoDb", "PutItem"), { status: "FAILED", error: "DynamoDB.ValidationException", cause: "One or more parameter values were invalid" }).pass).to.equal(false);
        expect(judgeTestState(plan("securityHub", "batchUpdateFindings"), { status: "RETRIABLE", error: "States.QueryEvaluationError", inspectionData: { result: JSON.stringify({ UnprocessedFindings: [{ ErrorCode: "InvalidInput" }] }) } }).detail).to.include("InvalidInput (expected FindingNotFound)");
        expect(judgeTestState(plan("incidentManager", "getIncidentRecord"), { status: "FAILED", error: "SsmIncidents.ValidationException", cause: "bad" }).pass).to.equal(false);
        // The reserved incident sits under the real plan, so the role's scope (incident-record/<plan>/*) applies.
        expect(checkIncidentArn("aws", ACCOUNT, "plan")).to.match(/^arn:aws:ssm-incidents::123456789012:incident-record\/plan\/[0-9a-f-]{36}$/);
    });
});
