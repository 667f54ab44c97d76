import { BATCH_UPDATE_FINDINGS_V2_ERRORS } from "../lib/limits";
import { TASK_INTEGRATIONS, taskStates } from "../lib/stateMachineDefinition";
import { OPS_CENTER_ERRORS } from "./opsCenterStandIn";
import { SSM_AUTOMATION_ERRORS } from "./ssmAutomationStandIn";

/**
 * Faults a Task state's service call can meet, as the state sees them (the error name its Retry
 * and Catch match), for the offline engine's fault hook (OfflineWorkflow.faults), the fault matrix
 * (tests/faultMatrix.test.ts, scripts/bench-faults.ts) and `npm run simulate -- --fail`.
 */

/** The error classes every service can return; `lostResponse` is the internal error after the call was applied. */
export const FAULT_CLASSES = ["throttling", "lostResponse", "accessDenied", "validation", "internal"] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** One service's errors: the one that stands for each class, and every name `--fail` accepts. */
interface ServiceErrors {
    byClass: Record<Exclude<FaultClass, "lostResponse">, string>;
    all: readonly string[];
}

/**
 * DynamoDB through the optimized integration: `DynamoDB.<error code>` (Step Functions developer
 * guide, "Call DynamoDB APIs with Step Functions": optimized integrations prefix `DynamoDB`;
 * LocalStack, whose Step Functions snapshots are recorded against AWS, forms the name from the
 * error code, e.g. `DynamoDB.InternalServerError`). `DynamoDB.InternalServerErrorException` is the
 * Java SDK's class name for that code; AWS does not document which of the two a state sees, so
 * both are accepted (the workflow's DynamoDB retriers match States.TaskFailed, so either reads
 * the same). DynamoDB error codes: DynamoDB developer guide, "Error handling with DynamoDB".
 */
const DYNAMODB: ServiceErrors = {
    byClass: {
        throttling: "DynamoDB.ProvisionedThroughputExceededException",
        accessDenied: "DynamoDB.AccessDeniedException",
        validation: "DynamoDB.ValidationException",
        internal: "DynamoDB.InternalServerError",
    },
    all: [
        "DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException", "DynamoDB.RequestLimitExceeded",
        "DynamoDB.AccessDeniedException", "DynamoDB.ValidationException", "DynamoDB.ResourceNotFoundException",
        "DynamoDB.ConditionalCheckFailedException", "DynamoDB.InternalServerError", "DynamoDB.InternalServerErrorException",
        "DynamoDB.AmazonDynamoDBException",
    ],
};

/** Incident Manager's operations' errors (aws-facts.md, "Incident operations the lifecycle needs"). */
const SSM_INCIDENTS: ServiceErrors = {
    byClass: {
        throttling: "SsmIncidents.ThrottlingException",
        accessDenied: "SsmIncidents.AccessDeniedException",
        validation: "SsmIncidents.ValidationException",
        internal: "SsmIncidents.InternalServerException",
    },
    all: ["SsmIncidents.ThrottlingException", "SsmIncidents.AccessDeniedException", "SsmIncidents.ValidationException",
        "SsmIncidents.InternalServerException", "SsmIncidents.ConflictException", "SsmIncidents.ResourceNotFoundException"],
};

/**
 * OpsCenter's OpsItem operations (aws-sdk:ssm:*): the errors the ssm model declares for them
 * (shared/reference/aws-facts.md, "Systems Manager Automation and OpsCenter"), as Step Functions
 * names them (`Ssm.` and the Exception suffix), plus the common throttling error.
 */
const OPS_CENTER: ServiceErrors = {
    byClass: {
        throttling: "Ssm.ThrottlingException",
        accessDenied: "Ssm.OpsItemAccessDeniedException",
        validation: "Ssm.OpsItemInvalidParameterException",
        internal: "Ssm.InternalServerErrorException",
    },
    all: OPS_CENTER_ERRORS.map(e => `Ssm.${e}`),
};

/**
 * SSM Automation's StopAutomationExecution (aws-sdk:ssm:*): the errors its API reference declares
 * and the common ones (offline/ssmAutomationStandIn.ts), as Step Functions names them.
 */
const SSM_AUTOMATION: ServiceErrors = {
    byClass: {
        throttling: "Ssm.ThrottlingException",
        accessDenied: "Ssm.AccessDeniedException",
        validation: "Ssm.ValidationException",
        internal: "Ssm.InternalServerErrorException",
    },
    all: SSM_AUTOMATION_ERRORS.map(e => `Ssm.${e}`),
};

/** BatchUpdateFindings: throttling is LimitExceededException (aws-facts.md, Security Hub (ASFF)). */
const SECURITY_HUB: ServiceErrors = {
    byClass: {
        throttling: "SecurityHub.LimitExceededException",
        accessDenied: "SecurityHub.InvalidAccessException",
        validation: "SecurityHub.InvalidInputException",
        internal: "SecurityHub.InternalException",
    },
    all: ["SecurityHub.LimitExceededException", "SecurityHub.InvalidAccessException", "SecurityHub.InvalidInputException", "SecurityHub.InternalException"],
};

/** BatchUpdateFindingsV2: the errors its API reference lists (lib/limits.ts). */
const SECURITY_HUB_V2: ServiceErrors = {
    byClass: {
        throttling: "SecurityHub.ThrottlingException",
        accessDenied: "SecurityHub.AccessDeniedException",
        validation: "SecurityHub.ValidationException",
        internal: "SecurityHub.InternalServerException",
    },
    all: BATCH_UPDATE_FINDINGS_V2_ERRORS.map(e => `SecurityHub.${e}`),
};

/** The errors of the service a Task resource calls (TASK_INTEGRATIONS names the service and operation). */
export function serviceErrors(resource: string): ServiceErrors {
    const integration = TASK_INTEGRATIONS[resource];
    if (!integration) throw new Error(`no service errors for ${resource}: it is not in TASK_INTEGRATIONS`);
    switch (integration.service) {
        case "dynamoDb": return DYNAMODB;
        case "incidentManager": return SSM_INCIDENTS;
        case "opsCenter": return OPS_CENTER;
        case "ssmAutomation": return SSM_AUTOMATION;
        case "securityHub": return integration.operation === "batchUpdateFindingsV2" ? SECURITY_HUB_V2 : SECURITY_HUB;
        default: throw new Error(`${resource}: service ${String((integration as { service: unknown }).service)} has no error classes yet; add them in offline/faults.ts`);
    }
}

/** A fault of one Task state's service call. */
export interface Fault {
    state: string;
    /** The error the state sees, e.g. `SsmIncidents.ThrottlingException`. */
    error: string;
    /** How many calls fail, from the next one on. Default: every call. */
    times?: number;
    /** Carry the call out first and lose only its response (the write is applied, the state sees the error). */
    afterApplying?: boolean;
}

/** The fault that stands for one error class at one state of a definition. */
export function faultOfClass(definition: Record<string, any>, state: string, faultClass: FaultClass): Fault {
    const task = taskStates(definition).find(t => t.name === state);
    if (!task) throw new Error(`no Task state ${state}`);
    const errors = serviceErrors(task.state.Resource).byClass;
    // A lost response: the call is applied once, and its answer is lost with an internal error.
    if (faultClass === "lostResponse") return { state, error: errors.internal, times: 1, afterApplying: true };
    return { state, error: errors[faultClass] };
}

export class FaultSpecError extends Error {}

/**
 * Parses `--fail <State>:<Error>[:<times>][:applied]` against a definition: an unknown state or an
 * error its service does not return is refused with what is allowed.
 */
export function parseFault(spec: string, definition: Record<string, any>): Fault {
    const [state, error, ...rest] = spec.split(":");
    const tasks = taskStates(definition);
    const task = tasks.find(t => t.name === state);
    if (!task) {
        throw new FaultSpecError(`--fail ${spec}: ${JSON.stringify(state ?? "")} is not a Task state of this stack's workflow; Task states: ${tasks.map(t => t.name).join(", ")}`);
    }
    const allowed = serviceErrors(task.state.Resource).all;
    if (!error || !allowed.includes(error)) {
        throw new FaultSpecError(`--fail ${spec}: ${state} does not see ${JSON.stringify(error ?? "")}; its service's errors: ${allowed.join(", ")}`);
    }
    const fault: Fault = { state, error };
    for (const part of rest) {
        if (part === "applied") fault.afterApplying = true;
        else if (/^[1-9][0-9]{0,5}$/.test(part) && fault.times === undefined) fault.times = Number(part);
        else throw new FaultSpecError(`--fail ${spec}: ${JSON.stringify(part)} is neither a number of calls (1-999999) nor "applied"`);
    }
    return fault;
}

/** Armed faults by state, consumed call by call (OfflineWorkflow asks before each service call). */
export class FaultInjector {
    private readonly armed: Array<Fault & { left: number }> = [];
    /** Calls failed so far, by state. */
    readonly injected: Record<string, number> = {};

    arm(fault: Fault): void {
        this.armed.push({ ...fault, left: fault.times ?? Infinity });
    }

    clear(): void {
        this.armed.length = 0;
    }

    /** The fault this call of `state` meets, if any (one call used up). */
    take(state: string): Fault | undefined {
        const fault = this.armed.find(f => f.state === state && f.left > 0);
        if (!fault) return undefined;
        fault.left--;
        this.injected[state] = (this.injected[state] ?? 0) + 1;
        return fault;
    }
}
