import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from "../eventPattern";
import { TASK_INTEGRATIONS, taskStates } from "../stateMachineDefinition";

/**
 * Running each Task state alone (Step Functions TestState) on input that changes nothing real.
 *
 * Every Task state gets one check input: a finding event whose ids are reserved for checks (no
 * real finding, incident or storm has them), with the fields later states read from their input
 * (IncidentArn, StormItem, Kind, At, ...) set to reserved values too. Whether a state's call is
 * safe is decided on the request the state renders from that input, per service, never by the
 * state's name, so a state added to the definition is judged the same way:
 * - DynamoDB: the item key must carry the reserved marker (the check removes those items after);
 * - Security Hub BatchUpdateFindings(V2): every finding id must carry the marker, so the call can
 *   only come back unprocessed (FindingNotFound);
 * - Incident Manager (other than StartIncident): the incident ARN must be the reserved one, which
 *   does not exist, so the call can only fail with ResourceNotFoundException;
 * - StartIncident opens a real incident and engages the plan's contacts: only --end-to-end runs it.
 * - OpsCenter (incidentBackend opscenter): GetOpsItem and UpdateOpsItem must name the reserved
 *   OpsItem ID, which no OpsItem has, so the call can only fail with OpsItemNotFoundException;
 *   DescribeOpsItems only reads (a search by the check finding's token, which no OpsItem carries);
 *   CreateOpsItem opens a real OpsItem (and counts against the monthly quota): only --end-to-end;
 *   StartAutomationExecution starts a real runbook: never called.
 * A state whose request does not pass is skipped with the reason, never called.
 */

/** Carried by every id the checks use; no real finding, control or incident has it. */
export const CHECK_MARKER = "securityhub-incidents-verify-check";

/** The incident record the checks name: under the real plan (so the role's scope applies) and never created. */
export function checkIncidentArn(partition: string, account: string, planName: string): string {
    // Incident record ids are UUIDs; this one is reserved for checks (all zeros but the version and variant digits).
    return `arn:${partition}:ssm-incidents::${account}:incident-record/${planName}/00000000-0000-4000-8000-000000000000`;
}

/**
 * The OpsItem the checks name with the OpsCenter backend: "oi-" and 12 zeros, an ID no OpsItem has
 * (the workflow's CheckIncident asks for the same one, OPSCENTER_STATES), in the stack's Region, so
 * the role's scope (opsitem/*) applies.
 */
export const CHECK_OPS_ITEM_ID = "oi-000000000000";
export function checkOpsItemArn(partition: string, region: string, account: string): string {
    return `arn:${partition}:ssm:${region}:${account}:opsitem/${CHECK_OPS_ITEM_ID}`;
}

export interface CheckTarget {
    partition: string;
    region: string;
    account: string;
    /** The plan whose scope the reserved incident ARN falls under (Incident Manager backend). */
    planName: string;
    /** The definition's backend (incidentBackendOf): with opscenter, the reserved incident is the reserved OpsItem. Default: incident-manager. */
    backend?: "incident-manager" | "opscenter";
    /** When the check runs (ISO-8601); the finding's times. */
    now: string;
}

/** The synthetic finding the checks use (ASFF), marked as a check in its id, title and control. */
export function checkFinding(t: CheckTarget, title = `[verify] ${CHECK_MARKER}: not a real finding`): Record<string, any> {
    const id = `arn:${t.partition}:securityhub:${t.region}:${t.account}:${CHECK_MARKER}/finding/00000000-0000-4000-8000-000000000000`;
    return {
        SchemaVersion: "2018-10-08",
        Id: id,
        ProductArn: `arn:${t.partition}:securityhub:${t.region}:${t.account}:product/${t.account}/default`,
        ProductName: "Default",
        CompanyName: "Personal",
        GeneratorId: CHECK_MARKER,
        AwsAccountId: t.account,
        Region: t.region,
        Types: ["Software and Configuration Checks"],
        CreatedAt: t.now,
        UpdatedAt: t.now,
        FirstObservedAt: t.now,
        Severity: { Label: "HIGH", Normalized: 70, Original: "HIGH" },
        Title: title,
        Description: "Synthetic finding of npm run verify (securityhub-incidents). Safe to ignore.",
        Resources: [{ Type: "Other", Id: CHECK_MARKER, Partition: t.partition, Region: t.region }],
        Compliance: { Status: "FAILED", SecurityControlId: CHECK_MARKER },
        Workflow: { Status: "NEW" },
        WorkflowState: "NEW",
        RecordState: "ACTIVE",
        ProductFields: { "aws/securityhub/ProductName": "Security Hub" },
    };
}

/** The EventBridge event Security Hub would send for the check finding. */
export function checkEvent(t: CheckTarget, finding = checkFinding(t)): Record<string, any> {
    return {
        version: "0",
        id: "00000000-0000-4000-8000-000000000000",
        "detail-type": EVENT_DETAIL_TYPE,
        source: EVENT_SOURCE,
        account: t.account,
        time: t.now,
        region: t.region,
        resources: [finding.Id],
        detail: { findings: [finding] },
    };
}

/**
 * The input every Task state is tested with: the check event (states that read the finding from
 * the execution's input find it there too) plus the fields the workflow's states add for the
 * states after them, each reserved.
 */
export function checkStateInput(t: CheckTarget): Record<string, any> {
    const incident = t.backend === "opscenter" ? checkOpsItemArn(t.partition, t.region, t.account) : checkIncidentArn(t.partition, t.account, t.planName);
    const stormItem = `#storm|control|${CHECK_MARKER}|${t.now}`;
    return {
        ...checkEvent(t),
        IncidentArn: incident,
        PreviousIncidentArn: incident,
        RollupArn: incident,
        At: t.now,
        ReopenedAt: t.now,
        NotifiedAt: t.now,
        Kind: "resolved",
        Storm: "key",
        StormItem: stormItem,
        // A roll-up this finding leaves (LeaveRollup): the same reserved storm item.
        LeaveRollup: stormItem,
        // A problem group (JoinProblem, ElectProblem, RecordProblemIncident, CheckProblemIncident, RenewProblem): a reserved item and the reserved incident.
        ProblemItem: `#problem|${CHECK_MARKER}`,
        ProblemKey: CHECK_MARKER,
        ProblemIncidentArn: incident,
        ProblemToken: CHECK_MARKER,
        RollupImpact: 3,
        // An escalation (EscalateIncident, RecordEscalation): the impact raised to, and the one before.
        Impact: 3,
        PreviousImpact: 3,
        TokenSince: t.now,
        NoteText: `[verify] ${CHECK_MARKER}`,
        // StopRunbook: an execution ID no execution has (all zeros, 36 characters).
        Runbooks: [CHECK_AUTOMATION_EXECUTION_ID],
        RunbookIndex: 0,
        RunbooksLeft: 1,
    };
}

/** The automation execution StopRunbook is checked with: no execution has this ID, so the call can only fail with AutomationExecutionNotFoundException. */
export const CHECK_AUTOMATION_EXECUTION_ID = "00000000-0000-0000-0000-000000000000";

/** The context object of an execution started with `input` (for rendering offline and for mocked TestState). */
export function checkContext(t: CheckTarget, input: unknown, stateName: string, stateMachineArn: string, roleArn: string): Record<string, any> {
    const name = CHECK_MARKER;
    return {
        Execution: { Id: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`, Input: input, Name: name, RoleArn: roleArn, StartTime: t.now, RedriveCount: 0 },
        State: { EnteredTime: t.now, Name: stateName, RetryCount: 0 },
        StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(":").pop() },
    };
}

export type TaskPlan =
    | { state: string; kind: "test"; resource: string; service: string; operation: string; expect: string }
    | { state: string; kind: "end-to-end only"; resource: string; reason: string }
    | { state: string; kind: "no safe input"; resource: string; reason: string };

/** Which incident backend a rendered definition calls (lib/config/backend.ts): OpsCenter if any Task calls it. */
export function incidentBackendOf(definition: Record<string, any>): "incident-manager" | "opscenter" {
    return taskStates(definition).some(({ state }) => TASK_INTEGRATIONS[String(state.Resource)]?.service === "opsCenter") ? "opscenter" : "incident-manager";
}

/** How each Task state is checked, from its integration (TASK_INTEGRATIONS), in definition order. */
export function planTaskChecks(definition: Record<string, any>): TaskPlan[] {
    return taskStates(definition).map(({ name, state }) => {
        const resource = String(state.Resource);
        const integration = TASK_INTEGRATIONS[resource];
        if (!integration) return { state: name, kind: "no safe input", resource, reason: `resource ${resource} is not in TASK_INTEGRATIONS, so no safe input is known` };
        if (integration.operation === "createOpsItem") {
            return { state: name, kind: "end-to-end only", resource, reason: "CreateOpsItem opens a real OpsItem (and counts against the monthly quota): run with --end-to-end" };
        }
        if (integration.operation === "startAutomationExecution") {
            return { state: name, kind: "no safe input", resource, reason: "StartAutomationExecution starts a real runbook, which holds one of Automation's concurrent executions until stopped: not called (IAM is checked by the permission checks)" };
        }
        if (integration.operation === "startIncident") {
            return { state: name, kind: "end-to-end only", resource, reason: "StartIncident opens a real incident and engages the plan's contacts: run with --end-to-end" };
        }
        const expect = integration.service === "dynamoDb" ? "the call succeeds on a check item, or its condition fails (DynamoDB.ConditionalCheckFailedException)"
            : integration.service === "securityHub" ? "Security Hub reports the check finding unprocessed (FindingNotFound), not an error about the integration or the permission"
            : integration.service === "ssmAutomation" ? "SSM Automation answers AutomationExecutionNotFoundException for the check execution"
            : integration.operation === "describeOpsItems" ? "OpsCenter answers the search (it only reads), not an error about the integration or the permission"
            : integration.service === "opsCenter" ? "OpsCenter answers OpsItemNotFoundException for the check OpsItem"
            : "Incident Manager answers ResourceNotFoundException for the check incident";
        return { state: name, kind: "test", resource, service: integration.service, operation: integration.operation, expect };
    });
}

const get = (o: any, ...path: Array<string | number>) => path.reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), o);

/**
 * Whether the request a state rendered (its Arguments, evaluated) touches only check data; the
 * reason when not. `tableName` is the stack's table.
 */
export function unsafeRequest(plan: Extract<TaskPlan, { kind: "test" }>, request: unknown, t: CheckTarget, tableName: string): string | undefined {
    const r = request as Record<string, any>;
    if (r === null || typeof r !== "object") return "the state rendered no request object";
    if (plan.service === "dynamoDb") {
        if (r.TableName !== tableName) return `it calls table ${JSON.stringify(r.TableName)}, not the stack's ${tableName}`;
        const key = get(r, "Key", "FindingId", "S") ?? get(r, "Item", "FindingId", "S");
        if (typeof key !== "string") return "its item key is not a string FindingId";
        if (!key.includes(CHECK_MARKER)) return `its item key ${JSON.stringify(key)} is not reserved for checks (a live item: the write would change real counts or records)`;
        return undefined;
    }
    if (plan.service === "securityHub") {
        const ids = r.FindingIdentifiers;
        if (!Array.isArray(ids) || ids.length === 0) return "it names no FindingIdentifiers";
        for (const id of ids) {
            const value = plan.operation === "batchUpdateFindingsV2" ? id?.FindingInfoUid : id?.Id;
            if (typeof value !== "string" || !value.includes(CHECK_MARKER)) return `it names finding ${JSON.stringify(value)}, which is not the check finding`;
        }
        if (r.MetadataUids !== undefined) return "it names findings by MetadataUids, which the check cannot reserve";
        return undefined;
    }
    if (plan.service === "ssmAutomation") {
        if (r.AutomationExecutionId !== CHECK_AUTOMATION_EXECUTION_ID) return `it names automation execution ${JSON.stringify(r.AutomationExecutionId)}, not the reserved check execution`;
        return undefined;
    }
    if (plan.service === "opsCenter") {
        // A search changes nothing; what it may find is only read.
        if (plan.operation === "describeOpsItems") return undefined;
        if (r.OpsItemId !== CHECK_OPS_ITEM_ID) return `it names OpsItem ${JSON.stringify(r.OpsItemId)}, not the reserved check OpsItem ${CHECK_OPS_ITEM_ID}`;
        return undefined;
    }
    const arn = r.Arn ?? r.IncidentRecordArn;
    const reserved = checkIncidentArn(t.partition, t.account, t.planName);
    if (arn !== reserved) return `it names incident ${JSON.stringify(arn)}, not the reserved check incident`;
    return undefined;
}

/** TestState's answer (SFN TestStateOutput; API reference, TestState, Response Syntax). */
export interface TestStateAnswer {
    status?: string;
    error?: string;
    cause?: string;
    output?: string;
    nextState?: string;
    inspectionData?: { input?: string; afterArguments?: string; result?: string; errorDetails?: unknown };
}

const parse = (text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
};

/**
 * Judges a real TestState run of one state: pass when the service answered as the plan expects,
 * else the reason. The state's Output may still fail on a check input (it was written for real
 * data); what counts is the service's answer (inspectionData.result or the error it raised).
 */
export function judgeTestState(plan: Extract<TaskPlan, { kind: "test" }>, answer: TestStateAnswer): { pass: boolean; detail: string } {
    const error = answer.error ?? "";
    const text = `${error} ${answer.cause ?? ""}`;
    const result = parse(answer.inspectionData?.result);
    if (/States\.Runtime/.test(error) || /not supported|Unsupported/i.test(text)) return { pass: false, detail: `Step Functions refused the call: ${error}: ${answer.cause ?? ""}` };
    if (/AccessDenied|InvalidAccessException|UnauthorizedOperation|not authorized/i.test(text)) return { pass: false, detail: `the workflow role may not make this call: ${error}: ${answer.cause ?? ""}` };
    if (plan.service === "dynamoDb") {
        if (result !== undefined) return { pass: true, detail: `DynamoDB ${plan.operation} succeeded on the check item` };
        if (error === "DynamoDB.ConditionalCheckFailedException") return { pass: true, detail: "DynamoDB evaluated the call and its condition failed on the check item (nothing written)" };
        if (answer.status === "SUCCEEDED") return { pass: true, detail: `DynamoDB ${plan.operation} succeeded on the check item` };
        return { pass: false, detail: `expected success or DynamoDB.ConditionalCheckFailedException, got ${error || answer.status}: ${answer.cause ?? ""}` };
    }
    if (plan.service === "securityHub") {
        // BatchUpdateFindings(V2) report a finding they did not update in UnprocessedFindings[{FindingIdentifier,
        // ErrorCode, ErrorMessage}], ErrorCode FindingNotFound for an id that does not exist, not as an error
        // (Security Hub API reference, BatchUpdateFindings; shared/reference/aws-facts.md).
        const unprocessed = result?.UnprocessedFindings ?? (/UnprocessedFindings: (\S+)/.exec(text) ? [{ ErrorCode: /UnprocessedFindings: (\S+)/.exec(text)![1] }] : undefined);
        if (Array.isArray(unprocessed) && unprocessed.length > 0) {
            const codes = [...new Set(unprocessed.map((u: any) => u.ErrorCode))];
            if (codes.every(c => c === "FindingNotFound")) return { pass: true, detail: "Security Hub took the request and reported the check finding unprocessed (FindingNotFound)" };
            return { pass: false, detail: `Security Hub reported the check finding unprocessed with ${codes.join(", ")} (expected FindingNotFound)` };
        }
        if (Array.isArray(result?.ProcessedFindings) && result.ProcessedFindings.length > 0) return { pass: false, detail: "Security Hub processed the check finding: a finding with the reserved id exists" };
        return { pass: false, detail: `expected the check finding unprocessed, got ${error || answer.status}: ${answer.cause ?? ""}` };
    }
    if (plan.service === "ssmAutomation") {
        if (error === "Ssm.AutomationExecutionNotFoundException" || /AutomationExecutionNotFoundException/.test(text)) return { pass: true, detail: "SSM Automation answered AutomationExecutionNotFoundException for the check execution" };
        return { pass: false, detail: `expected Ssm.AutomationExecutionNotFoundException, got ${error || answer.status}: ${answer.cause ?? ""}` };
    }
    if (plan.service === "opsCenter") {
        if (plan.operation === "describeOpsItems") {
            if (Array.isArray(result?.OpsItemSummaries)) return { pass: true, detail: `OpsCenter answered the search (${result.OpsItemSummaries.length} OpsItems found for the check token)` };
            return { pass: false, detail: `expected OpsCenter's answer to the search, got ${error || answer.status}: ${answer.cause ?? ""}` };
        }
        if (error === "Ssm.OpsItemNotFoundException" || /OpsItemNotFoundException/.test(`${text} ${answer.output ?? ""}`)) return { pass: true, detail: "OpsCenter answered OpsItemNotFoundException for the check OpsItem" };
        return { pass: false, detail: `expected Ssm.OpsItemNotFoundException, got ${error || answer.status}: ${answer.cause ?? ""}` };
    }
    if (error === "SsmIncidents.ResourceNotFoundException" || /SsmIncidents\.ResourceNotFoundException/.test(answer.output ?? "")) {
        return { pass: true, detail: "Incident Manager answered ResourceNotFoundException for the check incident" };
    }
    return { pass: false, detail: `expected SsmIncidents.ResourceNotFoundException, got ${error || answer.status}: ${answer.cause ?? ""}` };
}

/** The DynamoDB keys a rendered request names (for removing check items afterwards). */
export function requestKey(request: unknown): string | undefined {
    const key = get(request, "Key", "FindingId", "S") ?? get(request, "Item", "FindingId", "S");
    return typeof key === "string" && key.includes(CHECK_MARKER) ? key : undefined;
}
