/**
 * What `npm run verify` expects to find in the account: the resources the Pulumi program declares
 * for a stack (rendered under runtime mocks, exactly as `npm run synth` renders them), with the
 * mock account's names and ARNs replaced by the real ones from the stack's outputs.
 */

import { eventPatternFiles } from "../../offline/synthOutput";

/** The component that retries failed executions (components/failedExecutionRetry.ts): its machine is `<name>-machine`. */
const FAILED_EXECUTION_RETRY = "securityhub-incidents:workflow:FailedExecutionRetry";

/** A resource the program declared (offline/pulumiMocks.ts DeclaredResource). */
export interface Declared {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** `pulumi stack output --json`: the program's exports (index.ts). */
export interface StackOutputs {
    tableName: string;
    stateMachineArn: string;
    /** Absent with incidentBackend opscenter (no response plans; responsePlanArns is then empty). */
    responsePlanArn?: string;
    responsePlanArns: Record<string, string>;
    /** Where incidents open (index.ts incidentBackend); older stacks have no such output (Incident Manager). */
    incidentBackend?: string;
    ruleArn?: string;
    lifecycleRuleArn?: string;
    ocsfRuleArn?: string;
    ocsfLifecycleRuleArn?: string;
    runbookDocumentName: string;
    runbookDocumentNames: Record<string, string>;
    /** The retry of failed executions (index.ts), when the stack retries (failedExecutionRetryAttempts > 0). */
    retryMachineArn?: string;
    failedExecutionRuleArn?: string;
    failedFindingsQueueUrl?: string;
    [key: string]: unknown;
}

export class VerifyError extends Error {}

const RULE_TYPE = "aws:cloudwatch/eventRule:EventRule";
const TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget";
const ROLE_TYPE = "aws:iam/role:Role";
const ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy";
const MACHINE_TYPE = "aws:sfn/stateMachine:StateMachine";
const TABLE_TYPE = "aws:dynamodb/table:Table";
const PLAN_TYPE = "aws:ssmincidents/responsePlan:ResponsePlan";
const DOCUMENT_TYPE = "aws:ssm/document:Document";
const QUEUE_TYPE = "aws:sqs/queue:Queue";
const AUTOMATION_RULE_TYPES = new Set(["aws:securityhub/automationRule:AutomationRule", "aws:securityhub/automationRuleV2:AutomationRuleV2"]);

/** Which role a rendered role is, by what uses it. */
export type RoleKind = "workflow" | "retry machine" | "event target" | "runbook";

export interface ExpectedRole {
    logicalName: string;
    kind: RoleKind;
    /** The mock ARN the program gave the role (its real one is read from the resource that uses it). */
    mockArn: string;
    trustPolicy: Record<string, any>;
    /** Inline policies: logical name → document. */
    inlinePolicies: Record<string, Record<string, any>>;
}

export interface ExpectedRule {
    logicalName: string;
    /** The stack output with its ARN: findings-rule → ruleArn, findings-ocsf-lifecycle-rule → ocsfLifecycleRuleArn. */
    outputKey: string;
    pattern: Record<string, any>;
    /** Which state machine the rule's target starts: the workflow, or the retry of failed executions. */
    targets: "workflow" | "retry machine";
    /** The mock ARN of the role its target uses. */
    targetRoleMockArn?: string;
}

/** The retry of failed executions (lib/failedExecutionRetry.ts), still in the mock account. */
export interface ExpectedRetryMachine {
    logicalName: string;
    definition: Record<string, any>;
    mockArn: string;
    roleMockArn: string;
    queueMockArn: string;
    queueMockUrl: string;
}

export interface ExpectedPlan {
    name: string;
    mockArn: string;
    runbookRoleMockArn: string;
    documentMockName: string;
}

/** What the program renders for a stack, still in the mock account. */
export interface ExpectedStack {
    stack: string;
    region: string;
    mockAccount: string;
    /** The incident workflow's definition and ARN (output stateMachineArn). */
    definition: Record<string, any>;
    stateMachineMockArn: string;
    /** The retry of failed executions; absent when the stack declares none (0 attempts). */
    retry?: ExpectedRetryMachine;
    tableMockName: string;
    tableMockArn: string;
    rules: ExpectedRule[];
    roles: ExpectedRole[];
    plans: ExpectedPlan[];
    /** Security Hub automation rules (suppressionsFile): logical names; not compared (no stack outputs name them). */
    automationRules: string[];
}

const physicalName = (r: Declared, suffix = "0001") => r.inputs.name ?? (r.inputs.namePrefix ? `${r.inputs.namePrefix}${suffix}` : `${r.name}-${suffix}`);

const camel = (text: string) => text.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Builds the expected stack from the program's declared resources (as rendered under
 * offline/pulumiMocks.ts: physical names `<logical>-0001`, ids `<physical>-id`).
 */
export function expectedStack(declared: Declared[], stack: string, region: string, mockAccount: string): ExpectedStack {
    const only = (type: string) => {
        const found = declared.filter(r => r.type === type);
        if (found.length !== 1) throw new VerifyError(`the program declared ${found.length} resources of type ${type}; verify expects one`);
        return found[0];
    };
    // Two state machines: the retry of failed executions is `<component>-machine` of a
    // FailedExecutionRetry component (as synth tells its rule apart); the workflow is the other one.
    const retryNames = new Set(declared.filter(r => r.type === FAILED_EXECUTION_RETRY).map(r => `${r.name}-machine`));
    const machines = declared.filter(r => r.type === MACHINE_TYPE);
    const workflows = machines.filter(m => !retryNames.has(m.name));
    const retries = machines.filter(m => retryNames.has(m.name));
    if (workflows.length !== 1) throw new VerifyError(`the program declared ${workflows.length} incident workflow state machines (besides the retry of failed executions); verify expects one`);
    if (retries.length > 1) throw new VerifyError(`the program declared ${retries.length} retry state machines; verify expects at most one`);
    const machine = workflows[0];
    const table = only(TABLE_TYPE);
    const arnOf = (service: string, r: Declared, resource: string) => `arn:aws:${service}:${region}:${mockAccount}:${resource}`;
    const stateMachineMockArn = arnOf("states", machine, `stateMachine:${physicalName(machine)}`);
    const tableMockName = physicalName(table);

    // Rules: synth names each rule's pattern file (eventPatternFiles); the output is that file's
    // prefix + ruleArn in camelCase: event-pattern.json → ruleArn, ocsf-lifecycle-event-pattern.json → ocsfLifecycleRuleArn.
    let files: string[];
    try {
        files = [...eventPatternFiles(declared).keys()];
    } catch (err) {
        throw new VerifyError((err as Error).message);
    }
    const retryMachine = retries[0];
    const retryMockArn = retryMachine ? arnOf("states", retryMachine, `stateMachine:${physicalName(retryMachine)}`) : undefined;
    const targets = declared.filter(r => r.type === TARGET_TYPE);
    const rules: ExpectedRule[] = declared.filter(r => r.type === RULE_TYPE).map((rule, i) => {
        const target = targets.find(t => t.inputs.rule === physicalName(rule));
        return {
            logicalName: rule.name,
            outputKey: camel(`${files[i].slice(0, -"event-pattern.json".length)}rule-arn`),
            pattern: JSON.parse(rule.inputs.eventPattern),
            targets: retryMockArn !== undefined && target?.inputs.arn === retryMockArn ? "retry machine" : "workflow",
            targetRoleMockArn: target?.inputs.roleArn,
        };
    });
    let retry: ExpectedRetryMachine | undefined;
    if (retryMachine) {
        const queues = declared.filter(r => r.type === QUEUE_TYPE && r.name === `${retryMachine.name.slice(0, -"-machine".length)}-failed-findings`);
        if (queues.length !== 1) throw new VerifyError(`the retry machine ${retryMachine.name} has no failed-findings queue verify can find`);
        const queue = physicalName(queues[0]);
        retry = {
            logicalName: retryMachine.name,
            definition: JSON.parse(retryMachine.inputs.definition),
            mockArn: retryMockArn!,
            roleMockArn: retryMachine.inputs.roleArn,
            queueMockArn: `arn:aws:sqs:${region}:${mockAccount}:${queue}`,
            queueMockUrl: `https://sqs.${region}.amazonaws.com/${mockAccount}/${queue}`,
        };
    }

    const plans = declared.filter(r => r.type === PLAN_TYPE).map(plan => {
        const automation = plan.inputs.action?.ssmAutomations?.[0] ?? {};
        return { name: plan.inputs.name, mockArn: `arn:aws:ssm-incidents::${mockAccount}:response-plan/${plan.inputs.name}`, runbookRoleMockArn: automation.roleArn, documentMockName: automation.documentName };
    });

    const eventTargetRoles = new Set(targets.map(t => t.inputs.roleArn));
    const roles = declared.filter(r => r.type === ROLE_TYPE).map(role => {
        const physical = physicalName(role);
        const mockArn = `arn:aws:iam::${mockAccount}:role/${physical}`;
        const kind: RoleKind | undefined = machine.inputs.roleArn === mockArn ? "workflow"
            : retry?.roleMockArn === mockArn ? "retry machine"
            : eventTargetRoles.has(mockArn) ? "event target"
            : plans.some(p => p.runbookRoleMockArn === mockArn) ? "runbook" : undefined;
        if (kind === undefined) throw new VerifyError(`role ${role.name} is used by no state machine, event target or response plan; verify cannot find it in the account`);
        const inlinePolicies = Object.fromEntries(declared
            .filter(p => p.type === ROLE_POLICY_TYPE && p.inputs.role === `${physical}-id`)
            .map(p => [p.name, JSON.parse(p.inputs.policy)]));
        return { logicalName: role.name, kind, mockArn, trustPolicy: JSON.parse(role.inputs.assumeRolePolicy), inlinePolicies };
    });
    for (const doc of declared.filter(r => r.type === DOCUMENT_TYPE)) {
        if (!plans.some(p => p.documentMockName === physicalName(doc))) throw new VerifyError(`runbook document ${doc.name} is run by no response plan`);
    }
    return {
        stack, region, mockAccount,
        definition: JSON.parse(machine.inputs.definition),
        stateMachineMockArn, retry, tableMockName,
        tableMockArn: arnOf("dynamodb", table, `table/${tableMockName}`),
        rules, roles, plans,
        automationRules: declared.filter(r => AUTOMATION_RULE_TYPES.has(r.type)).map(r => r.name),
    };
}

/** An ARN's parts (arn:partition:service:region:account:resource). */
export function parseArn(arn: string): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
    const m = /^arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}|):(.+)$/.exec(arn);
    return m ? { partition: m[1], service: m[2], region: m[3], account: m[4], resource: m[5] } : undefined;
}

/** Where the stack lives, from its outputs. */
export interface Deployment {
    partition: string;
    region: string;
    account: string;
    outputs: StackOutputs;
}

const isRecordOfStrings = (v: unknown): v is Record<string, string> => v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(x => typeof x === "string");

/**
 * Checks `pulumi stack output --json` (or the --outputs file): the exports verify needs are there
 * and the state machine ARN says where the stack is. Throws one line per problem.
 */
export function readOutputs(value: unknown, source: string): Deployment {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new VerifyError(`${source}: stack outputs are a JSON object (pulumi stack output --json), not ${Array.isArray(value) ? "a list" : typeof value}`);
    const o = value as Record<string, unknown>;
    const problems: string[] = [];
    const required = o.incidentBackend === "opscenter" ? ["tableName", "stateMachineArn", "runbookDocumentName"] : ["tableName", "stateMachineArn", "responsePlanArn", "runbookDocumentName"];
    for (const key of required) if (typeof o[key] !== "string" || o[key] === "") problems.push(`${source}: output ${key} is missing or not a string`);
    for (const key of ["responsePlanArns", "runbookDocumentNames"]) if (!isRecordOfStrings(o[key])) problems.push(`${source}: output ${key} is missing or not a map of names to strings`);
    for (const key of ["ruleArn", "lifecycleRuleArn", "ocsfRuleArn", "ocsfLifecycleRuleArn", "failedExecutionRuleArn", "retryMachineArn", "failedFindingsQueueUrl"]) if (o[key] !== undefined && typeof o[key] !== "string") problems.push(`${source}: output ${key} is not a string`);
    if (problems.length > 0) throw new VerifyError(problems.join("\n"));
    const arn = parseArn(o.stateMachineArn as string);
    if (!arn || arn.service !== "states" || !arn.account) throw new VerifyError(`${source}: output stateMachineArn ${JSON.stringify(o.stateMachineArn)} is not a Step Functions state machine ARN`);
    return { partition: arn.partition, region: arn.region, account: arn.account, outputs: o as StackOutputs };
}

/** What replaces what: mock names and ARNs → the deployed ones. */
export function substitutions(expected: ExpectedStack, deployment: Deployment): Array<[string, string]> {
    const { outputs, partition, region, account } = deployment;
    const pairs: Array<[string, string]> = [
        [expected.stateMachineMockArn, outputs.stateMachineArn],
        [expected.tableMockArn, `arn:${partition}:dynamodb:${region}:${account}:table/${outputs.tableName}`],
    ];
    if (expected.retry) {
        if (outputs.retryMachineArn) pairs.push([expected.retry.mockArn, outputs.retryMachineArn]);
        const queue = queueArnOf(outputs.failedFindingsQueueUrl, partition);
        if (queue && outputs.failedFindingsQueueUrl) {
            pairs.push([expected.retry.queueMockArn, queue]);
            pairs.push([expected.retry.queueMockUrl, outputs.failedFindingsQueueUrl]);
        }
    }
    for (const plan of expected.plans) {
        const document = outputs.runbookDocumentNames[plan.name];
        if (document !== undefined) pairs.push([plan.documentMockName, document]);
    }
    // Names and ARNs first (longest first, so one never replaces part of another), then the account.
    pairs.sort((a, b) => b[0].length - a[0].length);
    // Table names are letters, digits, _ . and -: nothing to escape in JSON text.
    pairs.push([expected.tableMockName, outputs.tableName]);
    if (expected.mockAccount !== account) pairs.push([expected.mockAccount, account]);
    if (expected.region !== region) pairs.push([`:${expected.region}:`, `:${region}:`]);
    if (partition !== "aws") pairs.push(["arn:aws:", `arn:${partition}:`]);
    return pairs;
}

/** An SQS queue's ARN from its URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function queueArnOf(url: string | undefined, partition = "aws"): string | undefined {
    const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([0-9]{12})\/([A-Za-z0-9_-]+(?:\.fifo)?)$/.exec(url ?? "");
    return m ? `arn:${partition}:sqs:${m[1]}:${m[2]}:${m[3]}` : undefined;
}

/** Applies substitutions to a JSON value (through its text). */
export function substitute<T>(value: T, pairs: Array<[string, string]>): T {
    let text = JSON.stringify(value);
    for (const [from, to] of pairs) text = text.split(from).join(to);
    return JSON.parse(text);
}

/** The first place two JSON values differ, as a path (for one-line reports); undefined when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = "$"): string | undefined {
    if (expected === actual) return undefined;
    if (typeof expected !== typeof actual || expected === null || actual === null || typeof expected !== "object") {
        return `${path}: expected ${short(expected)}, found ${short(actual)}`;
    }
    if (Array.isArray(expected) !== Array.isArray(actual)) return `${path}: expected ${short(expected)}, found ${short(actual)}`;
    if (Array.isArray(expected)) {
        const a = actual as unknown[];
        if (expected.length !== a.length) return `${path}: expected ${expected.length} items, found ${a.length}`;
        for (let i = 0; i < expected.length; i++) {
            const d = firstDifference(expected[i], a[i], `${path}[${i}]`);
            if (d) return d;
        }
        return undefined;
    }
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
        if (!(key in a)) return `${path}.${key}: missing in the account`;
        if (!(key in e)) return `${path}.${key}: in the account but not rendered`;
        const d = firstDifference(e[key], a[key], `${path}.${key}`);
        if (d) return d;
    }
    return undefined;
}

function short(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
