import { requiredTaskPermissions, TASK_INTEGRATIONS, TaskTarget } from "../stateMachineDefinition";
import { eventTargetPolicy, PolicyDocument, runbookRolePolicy, taskResources } from "../policies";
import { retryMachinePolicy } from "../failedExecutionRetry";
import { Deployment, ExpectedRole, ExpectedStack, queueArnOf } from "./model";
import { incidentBackendOf, planTaskChecks } from "./taskChecks";

/** One AWS API call verify makes, for --dry-run and the report. */
export interface PlannedCall {
    service: string;
    operation: string;
    /** What it is called on. */
    target: string;
    /** Why, and (when it writes anything) what it changes. */
    purpose: string;
}

/** The actions and concrete resources a role is simulated against. */
export interface PermissionCase {
    role: string;
    label: string;
    actions: string[];
    resources: string[];
}

/** An id inside a `*`: what the simulation names where a policy grants a pattern. */
const SAMPLE_ID = "00000000-0000-4000-8000-000000000000";

/** A policy resource made concrete for iam:SimulatePrincipalPolicy: the stack's Region for `*`, a sample id for a trailing `/*`, $DEFAULT for a version `:*`. */
function concrete(resource: string, region: string): string {
    return resource
        .replace(/^(arn:[^:]+:[^:]+:)\*:/, `$1${region}:`)
        .replace(/\/\*$/, `/${SAMPLE_ID}`)
        .replace(/:\*$/, ":$DEFAULT");
}

function statementCases(role: string, doc: PolicyDocument, region: string): PermissionCase[] {
    return doc.Statement.map(s => ({
        role,
        label: String(s.Sid ?? (doc.Statement.length > 1 ? ([] as string[]).concat(s.Action as string | string[]).join(",") : "statement")),
        actions: ([] as string[]).concat(s.Action as string | string[]),
        resources: ([] as string[]).concat(s.Resource as string | string[]).map(r => concrete(r, region)),
    }));
}

/**
 * What each role must be allowed, derived from the same sources the program's policies are
 * rendered from: the definition's Task states (requiredTaskPermissions, TASK_INTEGRATIONS) on the
 * resources lib/policies.ts scopes them to, the event target's StartExecution and the runbook's
 * StartAutomationExecution.
 */
export function permissionCases(expected: ExpectedStack, d: Deployment, definition: Record<string, any> = expected.definition): PermissionCase[] {
    const cases: PermissionCase[] = [];
    const tableArn = `arn:${d.partition}:dynamodb:${d.region}:${d.account}:table/${d.outputs.tableName}`;
    const planArns = Object.values(d.outputs.responsePlanArns);
    for (const role of expected.roles) {
        if (role.kind === "workflow") {
            const needed = requiredTaskPermissions(definition);
            const resources = taskResources({ partition: d.partition, region: d.region, accountId: d.account, tableArn, responsePlanArns: planArns, ...(d.outputs.runbookDocumentName ? { runbookDocumentName: d.outputs.runbookDocumentName } : {}) });
            for (const target of Object.keys(needed) as TaskTarget[]) {
                if (needed[target].length === 0) continue;
                cases.push({ role: role.logicalName, label: target, actions: needed[target], resources: resources[target].map(r => concrete(r, d.region)) });
            }
        } else if (role.kind === "retry machine") {
            // The same policy the component renders (lib/failedExecutionRetry.ts retryMachinePolicy).
            const queueArn = queueArnOf(d.outputs.failedFindingsQueueUrl, d.partition) ?? `arn:${d.partition}:sqs:${d.region}:${d.account}:<failedFindingsQueueUrl from the stack outputs>`;
            cases.push(...statementCases(role.logicalName, retryMachinePolicy(d.outputs.stateMachineArn, queueArn) as unknown as PolicyDocument, d.region));
        } else if (role.kind === "event target") {
            // Which machine its rule's target starts: the workflow, or the retry of failed executions.
            const rule = expected.rules.find(r => r.targetRoleMockArn === role.mockArn);
            const machineArn = rule?.targets === "retry machine" ? d.outputs.retryMachineArn ?? `arn:${d.partition}:states:${d.region}:${d.account}:stateMachine:<retryMachineArn from the stack outputs>` : d.outputs.stateMachineArn;
            cases.push(...statementCases(role.logicalName, eventTargetPolicy(machineArn), d.region));
        } else {
            const plan = expected.plans.find(p => p.runbookRoleMockArn === role.mockArn);
            const documentName = plan ? d.outputs.runbookDocumentNames[plan.name] ?? d.outputs.runbookDocumentName : d.outputs.runbookDocumentName;
            cases.push(...statementCases(role.logicalName, runbookRolePolicy(d.partition, d.account, documentName), d.region));
        }
    }
    return cases;
}

const ruleName = (arn: string | undefined) => arn?.split("/").pop() ?? "<rule>";
const roleLabel = (role: ExpectedRole) => `${role.kind} role (${role.logicalName})`;

export interface CallOptions {
    endToEnd: boolean;
    /** Where each event checked against each rule with TestEventPattern comes from. */
    samples: string[];
}

/**
 * Every call verify makes, in order, for --dry-run. Names come from the deployment's outputs; a
 * name only the account knows (a role, an inline policy) is described by where it is read.
 */
export function plannedCalls(expected: ExpectedStack, d: Deployment, options: CallOptions): PlannedCall[] {
    const calls: PlannedCall[] = [];
    const add = (service: string, operation: string, target: string, purpose: string) => calls.push({ service, operation, target, purpose });
    add("sts", "GetCallerIdentity", "the credentials of the default chain", "who runs the checks, and in which account");
    // With OpsCenter there is no replication set to check.
    if (incidentBackendOf(expected.definition) === "incident-manager") {
        add("ssm-incidents", "ListReplicationSets", d.region, "backend: Incident Manager has a replication set");
        add("ssm-incidents", "GetReplicationSet", "the replication set listed", `backend: it is ACTIVE and covers ${d.region}`);
    }
    add("states", "DescribeStateMachine", d.outputs.stateMachineArn, "deployed: definition and workflow role");
    if (expected.retry) add("states", "DescribeStateMachine", d.outputs.retryMachineArn ?? "<retryMachineArn from the stack outputs>", "deployed: the retry machine's definition and role");
    for (const rule of expected.rules) {
        const arn = d.outputs[rule.outputKey] as string | undefined;
        add("events", "DescribeRule", ruleName(arn), `deployed: event pattern of ${rule.logicalName}`);
        add("events", "ListTargetsByRule", ruleName(arn), `deployed: ${rule.logicalName} targets the ${rule.targets === "retry machine" ? "retry machine" : "state machine"}; its role`);
    }
    for (const plan of expected.plans) add("ssm-incidents", "GetResponsePlan", d.outputs.responsePlanArns[plan.name] ?? plan.name, "deployed: runbook document and runbook role");
    for (const role of expected.roles) {
        const where = role.kind === "workflow" || role.kind === "retry machine" ? "the role DescribeStateMachine names" : role.kind === "event target" ? "the role ListTargetsByRule names" : "the role GetResponsePlan names";
        add("iam", "GetRole", where, `deployed: trust policy of the ${roleLabel(role)}`);
        add("iam", "ListRolePolicies", where, `deployed: inline policies of the ${roleLabel(role)} (again for each further page)`);
        for (const policy of Object.keys(role.inlinePolicies)) add("iam", "GetRolePolicy", `${policy}-<suffix Pulumi added>`, `deployed: inline policy ${policy}`);
        add("iam", "ListAttachedRolePolicies", where, `deployed: the ${roleLabel(role)} has no managed policies`);
    }
    for (const c of permissionCases(expected, d)) add("iam", "SimulatePrincipalPolicy", `${c.role}: ${c.actions.join(", ")} on ${c.resources.length} resource${c.resources.length === 1 ? "" : "s"}`, `permissions: ${c.label} (again for each further page)`);
    for (const rule of expected.rules.filter(r => r.targets === "workflow")) {
        for (const sample of options.samples) add("events", "TestEventPattern", `${rule.logicalName} with ${sample}`, "patterns: EventBridge agrees with the offline matcher");
    }
    let writesItems = false;
    for (const plan of planTaskChecks(expected.definition)) {
        if (plan.kind !== "test") continue;
        const integration = TASK_INTEGRATIONS[plan.resource];
        add("states", "TestState", `${plan.state} (mocked result: renders the request, calls nothing)`, "task: the request touches only check data");
        const writes = plan.service === "dynamoDb" && plan.operation !== "GetItem";
        add("states", "TestState", `${plan.state} → ${integration.action} with the workflow role, only if the mocked run shows a request on check data`,
            `task: ${plan.expect}${writes ? "; may write a check item, removed after" : ""}`);
        if (writes) writesItems = true;
    }
    if (writesItems) add("dynamodb", "DeleteItem", `${d.outputs.tableName}: each check item (key carries the check marker)`, "cleanup: removes what the task checks wrote");
    // Incident Manager only: the end-to-end run reads its incident back from Incident Manager (lib/verify/run.ts).
    if (options.endToEnd && incidentBackendOf(expected.definition) !== "opscenter") {
        add("states", "StartExecution", d.outputs.stateMachineArn, "end-to-end: one execution with a synthetic finding; OPENS A REAL INCIDENT and engages the plan's contacts");
        add("states", "DescribeExecution", "that execution (every few seconds until it ends)", "end-to-end: wait for it");
        add("states", "GetExecutionHistory", "that execution (again for each further page)", "end-to-end: the incident ARN, the record key and the write-back's answer");
        add("ssm-incidents", "GetIncidentRecord", "the incident it opened", "end-to-end: title, impact, plan");
        add("ssm-incidents", "ListRelatedItems", "the incident it opened", "end-to-end: the finding is a related item");
        add("ssm-incidents", "UpdateIncidentRecord", "the incident it opened", "end-to-end cleanup: resolves it (status RESOLVED)");
        add("dynamodb", "DeleteItem", `${d.outputs.tableName}: the synthetic finding's record`, "end-to-end cleanup: removes the record");
    }
    return calls;
}

/** The IAM service prefix of each client verify uses. */
const IAM_PREFIX: Record<string, string> = { sts: "sts", "ssm-incidents": "ssm-incidents", states: "states", events: "events", iam: "iam", dynamodb: "dynamodb" };

/**
 * The one policy the person running verify needs, derived from the calls it makes (plannedCalls):
 * reads on "*" (the names are only known from the account), the dedup table's DeleteItem for the
 * check items, TestState with iam:PassRole of the workflow role to Step Functions, and with
 * --end-to-end StartExecution and UpdateIncidentRecord. sts:GetCallerIdentity needs no permission
 * (IAM user guide: GetCallerIdentity works even when access is explicitly denied), so it is left out.
 */
export function callerPolicy(calls: PlannedCall[], d: Deployment): PolicyDocument {
    const actionOf = (c: PlannedCall) => `${IAM_PREFIX[c.service]}:${c.operation}`;
    const writes = new Set(["states:TestState", "dynamodb:DeleteItem", "states:StartExecution", "ssm-incidents:UpdateIncidentRecord"]);
    const reads = [...new Set(calls.map(actionOf))].filter(a => !writes.has(a) && a !== "sts:GetCallerIdentity").sort();
    const has = (action: string) => calls.some(c => actionOf(c) === action);
    const statements: Array<Record<string, unknown>> = [{ Sid: "ReadTheStack", Effect: "Allow", Action: reads, Resource: "*" }];
    if (has("states:TestState")) {
        statements.push({ Sid: "TestEachState", Effect: "Allow", Action: ["states:TestState"], Resource: "*" });
        statements.push({ Sid: "TestWithTheWorkflowRole", Effect: "Allow", Action: ["iam:PassRole"], Resource: `arn:${d.partition}:iam::${d.account}:role/*`, Condition: { StringEquals: { "iam:PassedToService": "states.amazonaws.com" } } });
    }
    if (has("dynamodb:DeleteItem")) statements.push({ Sid: "RemoveCheckItems", Effect: "Allow", Action: ["dynamodb:DeleteItem"], Resource: `arn:${d.partition}:dynamodb:${d.region}:${d.account}:table/${d.outputs.tableName}` });
    if (has("states:StartExecution")) statements.push({ Sid: "EndToEndOnly", Effect: "Allow", Action: ["states:StartExecution", "ssm-incidents:UpdateIncidentRecord"], Resource: [d.outputs.stateMachineArn, `arn:${d.partition}:ssm-incidents::${d.account}:incident-record/*`] });
    return { Version: "2012-10-17", Statement: statements };
}
