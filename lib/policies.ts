import { TaskTarget } from "./stateMachineDefinition";

/** An IAM policy document, as JSON. */
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Array<Record<string, unknown>>;
}

function document(...statements: Array<Record<string, unknown>>): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/** A role trust policy for one AWS service, optionally limited to calls made for given resources. */
export function serviceTrustPolicy(service: string, conditions?: { sourceAccount?: string; sourceArn?: string }): PolicyDocument {
    const condition: Record<string, Record<string, string>> = {};
    if (conditions?.sourceAccount) condition.StringEquals = { "aws:SourceAccount": conditions.sourceAccount };
    if (conditions?.sourceArn) condition.ArnLike = { "aws:SourceArn": conditions.sourceArn };
    return document({
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    });
}

/** ARN pattern of the incident records a response plan opens (used to scope the runbook role). */
export function incidentRecordArnPattern(partition: string, accountId: string, responsePlanName: string): string {
    return `arn:${partition}:ssm-incidents::${accountId}:incident-record/${responsePlanName}/*`;
}

/**
 * Runbook role: Incident Manager may start this one Automation document, nothing else.
 *
 * AWS's sources name different resources for ssm:StartAutomationExecution, so the role is granted
 * each of them, all scoped to this document:
 * - `automation-definition/<doc>:<version>`: the Service Authorization Reference (Systems Manager,
 *   StartAutomationExecution) and the role example in the Incident Manager user guide's
 *   response-plan procedure (docs.aws.amazon.com/incident-manager/latest/userguide/response-plans.html);
 * - `document/<doc>` with `automation-execution/*`: the Incident Manager user guide's runbooks page,
 *   "IAM permissions required to start and run runbook workflows"
 *   (docs.aws.amazon.com/incident-manager/latest/userguide/runbooks.html), and Systems Manager's
 *   Automation identity-based policy examples (userguide/automation-setup-identity-based-policies.html).
 * `automation-execution/*` names executions, which get their IDs only when started; it grants no
 * other document.
 */
export function runbookRolePolicy(partition: string, accountId: string, documentName: string): PolicyDocument {
    return document({
        Sid: "StartTheRunbook",
        Effect: "Allow",
        Action: ["ssm:StartAutomationExecution"],
        Resource: [
            `arn:${partition}:ssm:*:${accountId}:automation-definition/${documentName}:*`,
            `arn:${partition}:ssm:*:${accountId}:document/${documentName}`,
            `arn:${partition}:ssm:*:${accountId}:automation-execution/*`,
        ],
    });
}

const TASK_STATEMENT_IDS: Record<TaskTarget, string> = {
    dedupTable: "DedupTable",
    responsePlan: "StartIncident",
    incidentRecords: "FollowIncidents",
    securityHub: "WriteBackToFindings",
    securityHubV2: "WriteBackToOcsfFindings",
    anyResource: "CreateOpsItems",
    opsItems: "FollowOpsItems",
    automationExecutions: "StopRunbooks",
    runbookDocument: "StartRunbooks",
};

/**
 * The resources each task target stands for, narrowest first as the Service Authorization
 * Reference allows: the table; the response plan; for GetIncidentRecord, UpdateIncidentRecord and
 * CreateTimelineEvent both the plan and its incident records (the reference requires both resource
 * types); for BatchUpdateFindings the account's hub in the stack's Region (`hub/default`); for
 * BatchUpdateFindingsV2, which the same action authorises on the `hubv2` resource type
 * (`arn:<partition>:securityhub:<region>:<account>:hubv2/<id>`, Service Authorization Reference
 * for AWS Security Hub), every hubv2 of the account in that Region (its ID is not known before
 * deploy); for CreateOpsItem, which has no resource type, "*"; for GetOpsItem and UpdateOpsItem
 * the account's OpsItems in the stack's Region (resource type `opsitem`; their IDs are not known
 * before they are created); for StopAutomationExecution the account's Automation executions in
 * that Region (resource type `automation-execution`); for StartAutomationExecution the stack's
 * runbook document (`runbookDocumentName`) and the executions it starts.
 */
export function taskResources(opts: { partition: string; region: string; accountId: string; tableArn: string; responsePlanArns: string[]; runbookDocumentName?: string }): Record<TaskTarget, string[]> {
    const plans = [...new Set(opts.responsePlanArns)];
    return {
        dedupTable: [opts.tableArn],
        responsePlan: plans,
        incidentRecords: [...plans, ...plans.map(arn => incidentRecordArnPattern(opts.partition, opts.accountId, arn.split("/").pop()!))],
        securityHub: [`arn:${opts.partition}:securityhub:${opts.region}:${opts.accountId}:hub/default`],
        securityHubV2: [`arn:${opts.partition}:securityhub:${opts.region}:${opts.accountId}:hubv2/*`],
        anyResource: ["*"],
        opsItems: [`arn:${opts.partition}:ssm:${opts.region}:${opts.accountId}:opsitem/*`],
        // StopAutomationExecution on the account's executions in the stack's Region (resource type
        // `automation-execution`; an execution's ID is known only once the plan started it).
        automationExecutions: [`arn:${opts.partition}:ssm:${opts.region}:${opts.accountId}:automation-execution/*`],
        // StartAutomationExecution (OpsCenter backend, opsItemStartRunbook) of the stack's runbook
        // only, under each reading of its resource (see runbookRolePolicy), in the stack's Region.
        runbookDocument: [
            `arn:${opts.partition}:ssm:${opts.region}:${opts.accountId}:automation-definition/${opts.runbookDocumentName ?? "*"}:*`,
            `arn:${opts.partition}:ssm:${opts.region}:${opts.accountId}:document/${opts.runbookDocumentName ?? "*"}`,
            `arn:${opts.partition}:ssm:${opts.region}:${opts.accountId}:automation-execution/*`,
        ],
    };
}

/**
 * State machine task policy: exactly the actions the definition's tasks call, each on the
 * resources it acts on (see requiredTaskPermissions and taskResources).
 */
export function stateMachineTaskPolicy(permissions: Record<TaskTarget, string[]>, resources: Record<TaskTarget, string[]>): PolicyDocument {
    const statements = (Object.keys(permissions) as TaskTarget[])
        .filter(target => permissions[target].length > 0)
        .map(target => ({
            Sid: TASK_STATEMENT_IDS[target],
            Effect: "Allow",
            Action: [...permissions[target]],
            Resource: [...resources[target]],
        }));
    return document(...statements);
}

/**
 * Log delivery and X-Ray: these APIs do not support resource-level permissions, so AWS documents
 * them on "*"; the actions stay specific.
 */
export function stateMachineObservabilityPolicy(opts: { logging: boolean; tracing: boolean }): PolicyDocument | undefined {
    const statements: Array<Record<string, unknown>> = [];
    if (opts.logging) {
        statements.push({
            Sid: "DeliverExecutionLogs",
            Effect: "Allow",
            Action: [
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            Resource: "*",
        });
    }
    if (opts.tracing) {
        statements.push({
            Sid: "SendTraces",
            Effect: "Allow",
            Action: ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            Resource: "*",
        });
    }
    return statements.length > 0 ? document(...statements) : undefined;
}

/** EventBridge target role: start executions of this one state machine. */
export function eventTargetPolicy(stateMachineArn: string): PolicyDocument {
    return document({
        Sid: "StartIncidentWorkflow",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [stateMachineArn],
    });
}

/** Dead-letter queue policy: only these rules may drop undeliverable events into the queue. */
export function deadLetterQueuePolicy(queueArn: string, ruleArns: string | string[]): PolicyDocument {
    const arns = Array.isArray(ruleArns) ? ruleArns : [ruleArns];
    return document({
        Sid: "EventBridgeDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": arns.length === 1 ? arns[0] : arns } },
    });
}
