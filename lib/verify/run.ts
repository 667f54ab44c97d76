import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient, StartExecutionCommand, TestStateCommand } from "@aws-sdk/client-sfn";
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, TestEventPatternCommand } from "@aws-sdk/client-eventbridge";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetIncidentRecordCommand, GetReplicationSetCommand, GetResponsePlanCommand, ListRelatedItemsCommand, ListReplicationSetsCommand, SSMIncidentsClient, UpdateIncidentRecordCommand } from "@aws-sdk/client-ssm-incidents";
import { DEDUP_KEY_ATTRIBUTE } from "../stateMachineDefinition";
import { matchEventPattern } from "../../offline/eventPatternMatcher";
import { Deployment, ExpectedStack, firstDifference, parseArn, substitute, substitutions } from "./model";
import { permissionCases } from "./calls";
import { CHECK_MARKER, CheckTarget, checkEvent, checkFinding, checkStateInput, incidentBackendOf, judgeTestState, planTaskChecks, requestKey, TestStateAnswer, unsafeRequest } from "./taskChecks";

/** The SDK clients verify uses; each from the SDK's default credential chain and Region. */
export interface Clients {
    sts: STSClient;
    sfn: SFNClient;
    events: EventBridgeClient;
    iam: IAMClient;
    dynamodb: DynamoDBClient;
    incidents: SSMIncidentsClient;
}

export type Status = "pass" | "fail" | "skip";

/** One line of the report. */
export interface CheckResult {
    check: string;
    status: Status;
    detail: string;
}

export interface RunOptions {
    endToEnd: boolean;
    /** Events for the pattern check: where each came from, and the event. */
    samples: Array<{ source: string; event: Record<string, any> }>;
    /** ISO-8601 time the check data carries. */
    now: string;
    /** End-to-end: how often and how long to wait for the execution. */
    pollMs?: number;
    timeoutMs?: number;
    /** Called with each result as it is known (the command prints it at once). */
    onResult?: (result: CheckResult) => void;
}

export interface MadeCall {
    service: string;
    operation: string;
}

export interface RunReport {
    results: CheckResult[];
    calls: MadeCall[];
}

/** An SDK error as one line: its name (the service's error code) and message. */
export function errorLine(err: unknown): string {
    const e = err as { name?: string; message?: string; Code?: string };
    const name = e?.name ?? e?.Code ?? "Error";
    const message = (e?.message ?? String(err)).split("\n")[0];
    return message && message !== name ? `${name}: ${message}` : name;
}

const decodePolicy = (text: string | undefined) => JSON.parse(decodeURIComponent(text ?? "{}"));
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Runs every check against the account. Nothing here changes a real finding, incident or record:
 * the only writes are check items in the dedup table (keys carrying CHECK_MARKER), removed at the
 * end, and with `endToEnd` the one synthetic execution and its incident, resolved and removed.
 */
export async function runVerify(expected: ExpectedStack, d: Deployment, clients: Clients, options: RunOptions): Promise<RunReport> {
    const results: CheckResult[] = [];
    const calls: MadeCall[] = [];
    const report = (check: string, status: Status, detail: string) => {
        const result = { check, status, detail: detail.replace(/\s*\n\s*/g, " ") };
        results.push(result);
        options.onResult?.(result);
    };
    const send = async <T>(service: string, client: { send: (command: any) => Promise<any> }, command: { constructor: { name: string } }): Promise<T> => {
        calls.push({ service, operation: command.constructor.name.replace(/Command$/, "") });
        return client.send(command) as Promise<T>;
    };
    const pairs = substitutions(expected, d);
    const rendered = <T>(value: T) => substitute(value, pairs);

    // Credentials: the default chain, in the stack's account.
    try {
        const me = await send<{ Account?: string; Arn?: string }>("sts", clients.sts, new GetCallerIdentityCommand({}));
        if (me.Account !== d.account) {
            report("credentials", "fail", `the credentials are for account ${me.Account} (${me.Arn}); the stack is in ${d.account}: run with the credentials of pulumi up`);
            return { results, calls };
        }
        report("credentials", "pass", `${me.Arn} in account ${d.account}, Region ${d.region}`);
    } catch (err) {
        report("credentials", "fail", `no usable AWS credentials from the default chain (${errorLine(err)}); run with the credentials of pulumi up`);
        return { results, calls };
    }

    // Backend: with OpsCenter (incidentBackend opscenter) there is nothing to enable; with Incident
    // Manager, it is enabled (a replication set) in the stack's Region.
    if (incidentBackendOf(expected.definition) === "opscenter") {
        report("backend: OpsCenter", "skip", "incidentBackend opscenter: incidents are OpsItems, which need no replication set; the Incident Manager check is not made");
    } else {
        // ListReplicationSets → {replicationSetArns[], nextToken}; GetReplicationSet → {replicationSet: {status
        // ACTIVE|CREATING|UPDATING|DELETING|FAILED, regionMap: {<region>: {status, …}}}} (Incident Manager API
        // reference: docs.aws.amazon.com/incident-manager/latest/APIReference/API_ListReplicationSets.html, API_GetReplicationSet.html).
        // An account where Incident Manager was never enabled has no replication set: the list is empty.
        try {
            const listed = await send<{ replicationSetArns?: string[] }>("ssm-incidents", clients.incidents, new ListReplicationSetsCommand({}));
            const arn = listed.replicationSetArns?.[0];
            if (!arn) {
                report("backend: Incident Manager", "fail", "the account has no Incident Manager replication set (ListReplicationSets is empty): Incident Manager was never enabled here, so StartIncident cannot open incidents; set createReplicationSet and run pulumi up again, or (AWS takes no new Incident Manager customers since 2025-11-07) set incidentBackend opscenter");
            } else {
                const set = await send<{ replicationSet?: { status?: string; regionMap?: Record<string, { status?: string }> } }>("ssm-incidents", clients.incidents, new GetReplicationSetCommand({ arn }));
                const status = set.replicationSet?.status;
                const regions = Object.keys(set.replicationSet?.regionMap ?? {});
                if (status !== "ACTIVE") report("backend: Incident Manager", "fail", `replication set ${arn} is ${status ?? "of unknown status"}, not ACTIVE`);
                else if (!regions.includes(d.region)) report("backend: Incident Manager", "fail", `replication set ${arn} covers ${regions.join(", ") || "no Region"}, not ${d.region}`);
                else report("backend: Incident Manager", "pass", `replication set ACTIVE in ${regions.join(", ")}`);
            }
        } catch (err) {
            report("backend: Incident Manager", "fail", `ListReplicationSets/GetReplicationSet: ${errorLine(err)}`);
        }
    }

    // Deployed equals rendered: the definition. DescribeStateMachine → {definition (the ASL as a string), roleArn, …}
    // (Step Functions API reference, DescribeStateMachine).
    let deployedDefinition: Record<string, any> | undefined;
    let workflowRoleArn: string | undefined;
    try {
        const machine = await send<{ definition?: string; roleArn?: string }>("states", clients.sfn, new DescribeStateMachineCommand({ stateMachineArn: d.outputs.stateMachineArn }));
        deployedDefinition = JSON.parse(machine.definition ?? "{}");
        workflowRoleArn = machine.roleArn;
        const difference = firstDifference(rendered(expected.definition), deployedDefinition);
        report("deployed: state machine definition", difference ? "fail" : "pass", difference ? `differs from what synth renders for stack ${expected.stack}: ${difference} (run pulumi up, or report a replay bug if it was just deployed)` : `equals what synth renders for stack ${expected.stack}`);
    } catch (err) {
        report("deployed: state machine definition", "fail", `DescribeStateMachine: ${errorLine(err)}`);
    }

    // The retry of failed executions: its definition and role, from the machine output retryMachineArn names.
    let retryRoleArn: string | undefined;
    if (expected.retry) {
        const check = "deployed: retry machine definition";
        const arn = d.outputs.retryMachineArn;
        if (typeof arn !== "string") {
            report(check, "fail", "the stack has no output retryMachineArn: the program renders the retry of failed executions but it is not deployed (run pulumi up)");
        } else {
            try {
                const machine = await send<{ definition?: string; roleArn?: string }>("states", clients.sfn, new DescribeStateMachineCommand({ stateMachineArn: arn }));
                retryRoleArn = machine.roleArn;
                const difference = firstDifference(rendered(expected.retry.definition), JSON.parse(machine.definition ?? "{}"));
                report(check, difference ? "fail" : "pass", difference ? `differs from what synth renders for stack ${expected.stack}: ${difference} (run pulumi up)` : `equals what synth renders for stack ${expected.stack}`);
            } catch (err) {
                report(check, "fail", `DescribeStateMachine ${arn}: ${errorLine(err)}`);
            }
        }
    }

    // Event patterns and targets. DescribeRule → {EventPattern (string), State ENABLED|DISABLED|…};
    // ListTargetsByRule → {Targets[{Id, Arn, RoleArn, …}]} (EventBridge API reference).
    const roleArns = new Map<string, string>();
    if (workflowRoleArn) roleArns.set(expected.roles.find(r => r.kind === "workflow")?.logicalName ?? "", workflowRoleArn);
    if (retryRoleArn) roleArns.set(expected.roles.find(r => r.kind === "retry machine")?.logicalName ?? "", retryRoleArn);
    for (const rule of expected.rules) {
        const check = `deployed: event rule ${rule.logicalName}`;
        const arn = d.outputs[rule.outputKey];
        if (typeof arn !== "string") {
            report(check, "fail", `the stack has no output ${rule.outputKey}: the program renders this rule but it is not deployed (run pulumi up)`);
            continue;
        }
        const name = arn.split("/").pop()!;
        try {
            const described = await send<{ EventPattern?: string; State?: string }>("events", clients.events, new DescribeRuleCommand({ Name: name }));
            const difference = firstDifference(rendered(rule.pattern), JSON.parse(described.EventPattern ?? "null"));
            const targets = await send<{ Targets?: Array<{ Arn?: string; RoleArn?: string }> }>("events", clients.events, new ListTargetsByRuleCommand({ Rule: name }));
            const machineArn = rule.targets === "retry machine" ? d.outputs.retryMachineArn : d.outputs.stateMachineArn;
            const machine = rule.targets === "retry machine" ? "the retry machine" : "the state machine";
            const target = targets.Targets?.find(t => t.Arn === machineArn);
            const role = expected.roles.find(r => r.mockArn === rule.targetRoleMockArn);
            if (target?.RoleArn && role) roleArns.set(role.logicalName, target.RoleArn);
            if (difference) report(check, "fail", `its pattern differs from the rendered one: ${difference}`);
            else if (described.State !== "ENABLED") report(check, "fail", `the rule is ${described.State}, so ${rule.targets === "retry machine" ? "no failed execution is retried" : "no finding reaches the workflow"}`);
            else if (!target) report(check, "fail", `the rule does not target ${machine} of the stack`);
            else report(check, "pass", `pattern equals the rendered one; enabled; targets ${machine}`);
        } catch (err) {
            report(check, "fail", `DescribeRule/ListTargetsByRule ${name}: ${errorLine(err)}`);
        }
    }

    // Response plans: their runbook roles. GetResponsePlan → {actions[{ssmAutomation: {roleArn, documentName, …}}]}
    // (Incident Manager API reference, GetResponsePlan; the SDK's Action union).
    for (const plan of expected.plans) {
        const check = `deployed: response plan ${plan.name}`;
        const arn = d.outputs.responsePlanArns[plan.name];
        try {
            const got = await send<{ actions?: Array<{ ssmAutomation?: { roleArn?: string; documentName?: string } }> }>("ssm-incidents", clients.incidents, new GetResponsePlanCommand({ arn }));
            const automation = got.actions?.[0]?.ssmAutomation;
            const role = expected.roles.find(r => r.mockArn === plan.runbookRoleMockArn);
            if (automation?.roleArn && role) roleArns.set(role.logicalName, automation.roleArn);
            const documentName = d.outputs.runbookDocumentNames[plan.name];
            if (automation?.documentName !== documentName) report(check, "fail", `runs document ${automation?.documentName ?? "none"}, not ${documentName}`);
            else report(check, "pass", `runs ${documentName}`);
        } catch (err) {
            report(check, "fail", `GetResponsePlan ${arn}: ${errorLine(err)}`);
        }
    }

    // Security Hub automation rules (suppressionsFile): no stack output names them, so they are not compared.
    for (const name of expected.automationRules) report(`deployed: automation rule ${name}`, "skip", "not compared (no outputs): the stack exports no automation rule ARNs; see docs/verify.md");

    // IAM: trust and inline policies equal the rendered ones; nothing attached.
    for (const role of expected.roles) {
        const check = `deployed: ${role.kind} role ${role.logicalName}`;
        const arn = roleArns.get(role.logicalName);
        if (!arn) {
            report(check, "skip", "its ARN could not be read from the resource that uses it (see the line above)");
            continue;
        }
        const roleName = arn.split("/").pop()!;
        try {
            const got = await send<{ Role?: { AssumeRolePolicyDocument?: string } }>("iam", clients.iam, new GetRoleCommand({ RoleName: roleName }));
            // IAM returns policy documents URL-encoded (RFC 3986): IAM API reference, GetRole and GetRolePolicy.
            const problems: string[] = [];
            const trust = firstDifference(rendered(role.trustPolicy), decodePolicy(got.Role?.AssumeRolePolicyDocument));
            if (trust) problems.push(`trust policy: ${trust}`);
            const names: string[] = [];
            let marker: string | undefined;
            do {
                const page = await send<{ PolicyNames?: string[]; IsTruncated?: boolean; Marker?: string }>("iam", clients.iam, new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
                names.push(...(page.PolicyNames ?? []));
                marker = page.IsTruncated ? page.Marker : undefined;
            } while (marker);
            const unmatched = new Set(names);
            for (const [logical, document] of Object.entries(role.inlinePolicies)) {
                // Pulumi names an inline policy <logical name>-<7 random hex digits>.
                const name = names.find(n => n === logical || new RegExp(`^${logical.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{7}$`).test(n));
                if (!name) {
                    problems.push(`inline policy ${logical} is missing`);
                    continue;
                }
                unmatched.delete(name);
                const policy = await send<{ PolicyDocument?: string }>("iam", clients.iam, new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
                const difference = firstDifference(rendered(document), decodePolicy(policy.PolicyDocument));
                if (difference) problems.push(`inline policy ${name}: ${difference}`);
            }
            for (const extra of unmatched) problems.push(`inline policy ${extra} is not one the program declares`);
            const attached = await send<{ AttachedPolicies?: Array<{ PolicyName?: string }> }>("iam", clients.iam, new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
            for (const p of attached.AttachedPolicies ?? []) problems.push(`managed policy ${p.PolicyName} is attached (the program attaches none)`);
            report(check, problems.length > 0 ? "fail" : "pass", problems.length > 0 ? problems.join("; ") : `trust policy and ${Object.keys(role.inlinePolicies).length} inline policies equal the rendered ones; no managed policies`);
        } catch (err) {
            report(check, "fail", `${roleName}: ${errorLine(err)}`);
        }
    }

    // Permissions: simulate every action the definition calls on the resources it calls them on.
    // SimulatePrincipalPolicy → {EvaluationResults[{EvalActionName, EvalResourceName, EvalDecision
    // allowed|explicitDeny|implicitDeny}], IsTruncated, Marker} (IAM API reference, SimulatePrincipalPolicy).
    let cases: ReturnType<typeof permissionCases>;
    try {
        cases = permissionCases(expected, d, deployedDefinition ?? expected.definition);
    } catch (err) {
        // The deployed definition calls an integration the project does not know (TASK_INTEGRATIONS).
        report("permissions: deployed definition", "fail", `${(err as Error).message}; checking the rendered definition's permissions instead`);
        cases = permissionCases(expected, d, expected.definition);
    }
    for (const c of cases) {
        const check = `permissions: ${c.role} ${c.label}`;
        const arn = roleArns.get(c.role);
        if (!arn) {
            report(check, "skip", "the role's ARN is not known (see the deployed lines above)");
            continue;
        }
        try {
            const denied: string[] = [];
            let marker: string | undefined;
            do {
                const page = await send<{ EvaluationResults?: Array<{ EvalActionName?: string; EvalResourceName?: string; EvalDecision?: string }>; IsTruncated?: boolean; Marker?: string }>("iam", clients.iam,
                    new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: c.actions, ResourceArns: c.resources, Marker: marker }));
                for (const r of page.EvaluationResults ?? []) if (r.EvalDecision !== "allowed") denied.push(`${r.EvalActionName} on ${r.EvalResourceName}: ${r.EvalDecision}`);
                marker = page.IsTruncated ? page.Marker : undefined;
            } while (marker);
            report(check, denied.length > 0 ? "fail" : "pass", denied.length > 0 ? denied.join("; ") : `${c.actions.join(", ")} allowed on ${c.resources.length} resource${c.resources.length === 1 ? "" : "s"}`);
        } catch (err) {
            report(check, "fail", `SimulatePrincipalPolicy ${arn}: ${errorLine(err)}`);
        }
    }

    // Patterns: EventBridge's matcher and the offline one agree on every sample.
    // TestEventPattern(EventPattern, Event) → {Result: boolean} (EventBridge API reference, TestEventPattern).
    // Only the finding rules: the samples are findings, and the FAILED-status rule matches Step Functions' own events.
    for (const rule of expected.rules.filter(r => r.targets === "workflow")) {
        const check = `patterns: ${rule.logicalName}`;
        if (options.samples.length === 0) {
            report(check, "skip", "no events to test");
            continue;
        }
        const disagreements: string[] = [];
        let matched = 0;
        try {
            for (const sample of options.samples) {
                let offline: boolean;
                try {
                    offline = matchEventPattern(rule.pattern, sample.event).matched;
                } catch (err) {
                    disagreements.push(`${sample.source}: the offline matcher refused the pattern: ${(err as Error).message}`);
                    continue;
                }
                const answer = await send<{ Result?: boolean }>("events", clients.events, new TestEventPatternCommand({ EventPattern: JSON.stringify(rule.pattern), Event: JSON.stringify(sample.event) }));
                if (answer.Result) matched++;
                if (answer.Result !== offline) disagreements.push(`${sample.source}: EventBridge ${answer.Result ? "matches" : "does not match"}, the offline matcher ${offline ? "matches" : "does not"}`);
            }
            report(check, disagreements.length > 0 ? "fail" : "pass", disagreements.length > 0
                ? `${disagreements.length} of ${options.samples.length} events disagree (a replay bug): ${disagreements.slice(0, 3).join("; ")}${disagreements.length > 3 ? "; ..." : ""}`
                : `EventBridge and the offline matcher agree on ${options.samples.length} events (${matched} match)`);
        } catch (err) {
            report(check, "fail", `TestEventPattern: ${errorLine(err)}`);
        }
    }

    // Every Task state, alone, with the deployed role, on check data. TestState(definition, stateName,
    // roleArn, input, inspectionLevel, mock) → {status SUCCEEDED|FAILED|RETRIABLE|CAUGHT_ERROR, error, cause,
    // output, nextState, inspectionData{input, afterArguments, result, …}}; with a mock the service is not called,
    // and a context may be given only with a mock (docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html).
    const planName = Object.keys(d.outputs.responsePlanArns)[0] ?? expected.plans[0]?.name;
    const target: CheckTarget = { partition: d.partition, region: d.region, account: d.account, planName, now: options.now, backend: incidentBackendOf(deployedDefinition ?? expected.definition) };
    const checkKeys = new Set<string>();
    const definition = deployedDefinition ?? rendered(expected.definition);
    const definitionText = JSON.stringify(definition);
    const input = JSON.stringify(checkStateInput(target));
    for (const plan of planTaskChecks(definition)) {
        const check = `task: ${plan.state}`;
        if (plan.kind === "end-to-end only") {
            report(check, "skip", options.endToEnd && target.backend !== "opscenter" ? `${plan.reason} (checked by the end-to-end run below)` : plan.reason);
            continue;
        }
        if (plan.kind === "no safe input") {
            report(check, "skip", plan.reason);
            continue;
        }
        if (!workflowRoleArn) {
            report(check, "skip", "the workflow role is not known (DescribeStateMachine failed)");
            continue;
        }
        try {
            // 1. A mocked run: Step Functions renders the request and calls nothing.
            const dry = await send<TestStateAnswer>("states", clients.sfn, new TestStateCommand({
                definition: definitionText, stateName: plan.state, roleArn: workflowRoleArn, input, inspectionLevel: "DEBUG",
                mock: { result: "{}", fieldValidationMode: "NONE" },
            }));
            const requestText = dry.inspectionData?.afterArguments;
            if (requestText === undefined) {
                report(check, "skip", `no safe input known: Step Functions could not render its request from the check input (${dry.error ?? dry.status}: ${(dry.cause ?? "").slice(0, 200)})`);
                continue;
            }
            const request = JSON.parse(requestText);
            const unsafe = unsafeRequest(plan, request, target, d.outputs.tableName);
            if (unsafe) {
                report(check, "skip", `no safe input known: ${unsafe}; not called`);
                continue;
            }
            const key = requestKey(request);
            if (key) checkKeys.add(key);
            // 2. The real call, which can only touch check data.
            const real = await send<TestStateAnswer>("states", clients.sfn, new TestStateCommand({
                definition: definitionText, stateName: plan.state, roleArn: workflowRoleArn, input, inspectionLevel: "DEBUG",
            }));
            const realKey = requestKey(JSON.parse(real.inspectionData?.afterArguments ?? "null"));
            if (realKey) checkKeys.add(realKey);
            const verdict = judgeTestState(plan, real);
            report(check, verdict.pass ? "pass" : "fail", verdict.detail);
        } catch (err) {
            report(check, "fail", `TestState: ${errorLine(err)}`);
        }
    }
    await removeCheckItems("cleanup: task check items", [...checkKeys]);

    // The end-to-end run reads the incident back from Incident Manager; an OpsItem it does not read yet.
    if (options.endToEnd && target.backend === "opscenter") report("end-to-end", "skip", "incidentBackend opscenter: the end-to-end run reads its incident from Incident Manager and is not made for OpsItems yet (docs/verify.md)");
    else if (options.endToEnd) await endToEnd();
    return { results, calls };

    async function removeCheckItems(check: string, keys: string[]): Promise<void> {
        if (keys.length === 0) return;
        const failed: string[] = [];
        for (const key of keys) {
            if (!key.includes(CHECK_MARKER)) continue;
            try {
                await send("dynamodb", clients.dynamodb, new DeleteItemCommand({ TableName: d.outputs.tableName, Key: { [DEDUP_KEY_ATTRIBUTE]: { S: key } } }));
            } catch (err) {
                failed.push(`${key}: ${errorLine(err)}`);
            }
        }
        report(check, failed.length > 0 ? "fail" : "pass", failed.length > 0 ? `could not remove ${failed.join("; ")}` : `removed ${keys.length} check item${keys.length === 1 ? "" : "s"} from ${d.outputs.tableName}`);
    }

    async function endToEnd(): Promise<void> {
        const check = "end-to-end";
        const finding = checkFinding(target, `[verify test] ${CHECK_MARKER} ${options.now}: not a real finding`);
        finding.Id = finding.Id.replace("00000000-0000-4000-8000-000000000000", `e2e-${Date.parse(options.now)}`);
        const event = { ...checkEvent(target, finding), resources: [finding.Id] };
        let incidentArn: string | undefined;
        const keys = new Set<string>();
        try {
            const started = await send<{ executionArn?: string }>("states", clients.sfn, new StartExecutionCommand({
                stateMachineArn: d.outputs.stateMachineArn, name: `verify-${Date.parse(options.now)}`, input: JSON.stringify(event),
            }));
            const executionArn = started.executionArn!;
            const deadline = Date.now() + (options.timeoutMs ?? 300_000);
            let status = "RUNNING";
            while (status === "RUNNING" && Date.now() < deadline) {
                const described = await send<{ status?: string }>("states", clients.sfn, new DescribeExecutionCommand({ executionArn }));
                status = described.status ?? "RUNNING";
                if (status === "RUNNING") await sleep(options.pollMs ?? 3000);
            }
            const events: HistoryEvent[] = [];
            let nextToken: string | undefined;
            do {
                const page = await send<{ events?: HistoryEvent[]; nextToken?: string }>("states", clients.sfn, new GetExecutionHistoryCommand({ executionArn, nextToken }));
                events.push(...(page.events ?? []));
                nextToken = page.nextToken;
            } while (nextToken);
            for (const e of events) {
                const params = e.taskScheduledEventDetails?.parameters;
                if (!params) continue;
                const key = requestKey(JSON.parse(params));
                if (key) keys.add(key);
            }
            // History events name an SDK integration by resourceType aws-sdk:<service> and resource <operation>
            // (Step Functions API reference, TaskSucceededEventDetails); the output is the API's response.
            const opened = events.find(e => e.taskSucceededEventDetails?.resource === "startIncident" && e.taskSucceededEventDetails.resourceType === "aws-sdk:ssmincidents");
            incidentArn = opened ? JSON.parse(opened.taskSucceededEventDetails!.output ?? "{}").IncidentRecordArn : undefined;
            if (!incidentArn) {
                const failure = events.find(e => e.taskFailedEventDetails)?.taskFailedEventDetails;
                report(check, "fail", `the execution ended ${status} without opening an incident${failure ? `: ${failure.error}: ${(failure.cause ?? "").slice(0, 200)}` : ""}`);
                return;
            }
            const record = await send<{ incidentRecord?: { title?: string; impact?: number; status?: string; incidentRecordSource?: { resourceArn?: string; source?: string } } }>("ssm-incidents", clients.incidents, new GetIncidentRecordCommand({ arn: incidentArn }));
            const related = await send<{ relatedItems?: Array<{ title?: string; identifier?: { value?: { url?: string; arn?: string } } }> }>("ssm-incidents", clients.incidents, new ListRelatedItemsCommand({ incidentRecordArn: incidentArn }));
            const problems: string[] = [];
            const title = record.incidentRecord?.title ?? "";
            if (!title.includes("verify test")) problems.push(`title ${JSON.stringify(title)} does not carry the finding's title`);
            if (typeof record.incidentRecord?.impact !== "number") problems.push("the incident has no impact");
            const plan = parseArn(incidentArn)?.resource.split("/")[1];
            if (!plan || !(plan in d.outputs.responsePlanArns)) problems.push(`the incident is under plan ${plan}, not one of the stack's`);
            if ((related.relatedItems ?? []).length === 0) problems.push("the incident has no related items");
            // The write-back: the synthetic finding does not exist, so Security Hub must report it unprocessed.
            const writeBack = events.find(e => e.taskSucceededEventDetails?.resource?.startsWith("batchUpdateFindings"));
            const writeBackResult = writeBack ? JSON.parse(writeBack.taskSucceededEventDetails!.output ?? "{}") : undefined;
            const codes = (writeBackResult?.UnprocessedFindings ?? []).map((u: { ErrorCode?: string }) => u.ErrorCode);
            const writeBackNote = writeBack ? (codes.includes("FindingNotFound") ? "write-back reached Security Hub (FindingNotFound for the synthetic finding, as expected)" : `write-back answered ${JSON.stringify(writeBackResult).slice(0, 120)}`) : "no write-back call (notifyFindings off?)";
            if (writeBack && !codes.includes("FindingNotFound")) problems.push(writeBackNote);
            report(check, problems.length > 0 ? "fail" : "pass", problems.length > 0 ? problems.join("; ") : `incident ${incidentArn}: ${JSON.stringify(title)}, impact ${record.incidentRecord?.impact}, ${(related.relatedItems ?? []).length} related items; ${writeBackNote}`);
        } catch (err) {
            report(check, "fail", errorLine(err));
        } finally {
            if (incidentArn) {
                try {
                    await send("ssm-incidents", clients.incidents, new UpdateIncidentRecordCommand({ arn: incidentArn, status: "RESOLVED" }));
                    report("end-to-end cleanup: incident", "pass", `resolved ${incidentArn}`);
                } catch (err) {
                    report("end-to-end cleanup: incident", "fail", `could not resolve ${incidentArn}: ${errorLine(err)}; resolve it in the console`);
                }
            }
            await removeCheckItems("end-to-end cleanup: records", [...keys]);
        }
    }
}
