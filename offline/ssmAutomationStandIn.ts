import * as crypto from "crypto";
import { AUTOMATION_LIMITS } from "../lib/limits";
import { StatesError } from "./stepFunctionsJsonata";

/**
 * The errors StopAutomationExecution and StartAutomationExecution declare (API reference,
 * docs.aws.amazon.com/systems-manager/latest/APIReference/API_StopAutomationExecution.html and
 * API_StartAutomationExecution.html; botocore ssm 2014-11-06: AutomationExecutionNotFoundException,
 * InvalidAutomationStatusUpdateException, InternalServerError for the stop;
 * AutomationDefinitionNotFoundException, AutomationExecutionLimitExceededException,
 * IdempotentParameterMismatch, InvalidAutomationExecutionParametersException, … for the start),
 * plus the common throttling, access and validation errors the model does not declare; as Step
 * Functions names them (`Ssm.<Name>`, the Exception suffix added: the model's InternalServerError
 * is `Ssm.InternalServerErrorException`).
 */
export const SSM_AUTOMATION_ERRORS = [
    "AutomationExecutionNotFoundException", "InvalidAutomationStatusUpdateException", "InternalServerErrorException",
    "ThrottlingException", "AccessDeniedException", "ValidationException",
    "AutomationDefinitionNotFoundException", "AutomationExecutionLimitExceededException", "IdempotentParameterMismatchException", "InvalidAutomationExecutionParametersException",
] as const;

/** One runbook execution: started by a response plan, stopped by the workflow or ended on its own. */
export interface AutomationExecution {
    automationExecutionId: string;
    automationExecutionArn: string;
    /**
     * Waiting: the runbook sits in an aws:pause step (it holds its concurrency slot). Pending:
     * queued behind Automation's concurrent executions, it runs when one of them ends.
     */
    status: "Waiting" | "Pending" | "Cancelled" | "Success";
    startTime: string;
    endTime?: string;
    /** What started it (the incident record, for a response plan's runbook; the OpsItem, for the workflow's). */
    startedFor?: string;
    /** The document and parameters it was started with (StartAutomationExecution). */
    documentName?: string;
    parameters?: Record<string, string[]>;
}

/** The operations the stand-in serves to the workflow, by their Step Functions SDK-integration names. */
export type SsmAutomationOperation = "stopAutomationExecution" | "startAutomationExecution";

const STOP_FIELDS = ["AutomationExecutionId", "Type"];
/** The StartAutomationExecution fields the workflow may send (the rest of the API's are not used here). */
const START_FIELDS = ["DocumentName", "DocumentVersion", "Parameters", "ClientToken", "Mode", "Tags"];
const CLIENT_TOKEN = new RegExp(AUTOMATION_LIMITS.clientTokenPattern);
/** StopAutomationExecution's AutomationExecutionId has a fixed length of 36 (its API reference). */
const EXECUTION_ID_LENGTH = 36;

/**
 * SSM Automation offline: response plans start a runbook execution per incident (through
 * `start`, which the Incident Manager stand-in calls), the workflow stops them
 * (StopAutomationExecution). A runbook of this project waits in aws:pause until it is resumed or
 * stopped, so an execution counts as running (`running()`, the report's `runbooksRunning`) until
 * it is stopped. Errors are named as Step Functions names SDK errors (`Ssm.<Name>`).
 */
export class SsmAutomationStandIn {
    readonly executions: AutomationExecution[] = [];
    readonly callsOf: Record<SsmAutomationOperation, number> = { stopAutomationExecution: 0, startAutomationExecution: 0 };
    /** What "now" is for the service. Default: the wall clock. */
    clock: () => string = () => new Date().toISOString();
    /** Automation's concurrent executions and its queue (AUTOMATION_LIMITS); a test may lower them. */
    limits = { concurrentExecutions: AUTOMATION_LIMITS.concurrentExecutions as number, queuedExecutions: AUTOMATION_LIMITS.queuedExecutions as number };
    /** StartAutomationExecution calls refused for the concurrency limit (AutomationExecutionLimitExceededException). */
    limitExceeded = 0;
    private readonly byId = new Map<string, AutomationExecution>();
    /** How many executions are Waiting, and the Pending ones in the order they were queued (counted, not searched: a month starts tens of thousands). */
    private waiting = 0;
    private queued = 0;
    private readonly queue: AutomationExecution[] = [];
    private queueHead = 0;
    /** ClientToken → the execution it started, and the request it came with. */
    private readonly byToken = new Map<string, { execution: AutomationExecution; request: string }>();
    /** Documents the account has, by name → declared parameters; none registered: any document is taken. */
    private readonly documents = new Map<string, Record<string, { type?: string; default?: unknown }>>();

    constructor(readonly accountId = "123456789012", readonly region = "us-east-1", readonly partition = "aws") {}

    /** Starts a runbook execution (as a response plan does when its incident opens) and returns its ARN. */
    start(startedFor?: string): AutomationExecution {
        const id = crypto.randomUUID();
        const execution: AutomationExecution = {
            automationExecutionId: id,
            automationExecutionArn: `arn:${this.partition}:ssm:${this.region}:${this.accountId}:automation-execution/${id}`,
            // Past the concurrent executions, Automation queues it (Pending).
            status: this.running() < this.limits.concurrentExecutions ? "Waiting" : "Pending",
            startTime: this.clock(),
            startedFor,
        };
        if (execution.status === "Waiting") this.waiting++;
        else {
            this.queued++;
            this.queue.push(execution);
        }
        this.executions.push(execution);
        this.byId.set(id, execution);
        return execution;
    }

    /** The account has this Automation document, declaring these parameters (checked by StartAutomationExecution). */
    registerDocument(name: string, parameters: Record<string, { type?: string; default?: unknown }> = {}): void {
        this.documents.set(name, parameters);
    }

    /** Executions still running (waiting in aws:pause): each holds one of Automation's concurrent slots. */
    running(): number {
        return this.waiting;
    }

    /** Executions queued behind the running ones (Pending). */
    pending(): number {
        return this.queued;
    }

    /**
     * StartAutomationExecution as the workflow calls it (OpsCenter backend, opsItemStartRunbook):
     * an unknown document or a parameter it does not declare (or a required one missing) is refused;
     * a ClientToken seen before answers its execution again (with other parameters:
     * IdempotentParameterMismatch); past the concurrent executions the execution is queued, and past
     * the queue the call fails with AutomationExecutionLimitExceededException.
     */
    async startAutomationExecution(request: { DocumentName: string; Parameters?: Record<string, string[]>; ClientToken?: string; [k: string]: unknown }): Promise<{ AutomationExecutionId: string }> {
        this.callsOf.startAutomationExecution++;
        const unknown = Object.keys(request ?? {}).filter(k => !START_FIELDS.includes(k));
        if (unknown.length > 0) throw this.error("ValidationException", `unknown field ${unknown.join(", ")}`);
        const name = request?.DocumentName;
        if (typeof name !== "string" || name.length === 0 || name.length > 128) throw this.error("ValidationException", `documentName ${JSON.stringify(name)} must be 1-128 characters`);
        const parameters = request.Parameters ?? {};
        for (const [key, values] of Object.entries(parameters)) {
            if (!Array.isArray(values) || values.some(v => typeof v !== "string")) throw this.error("ValidationException", `parameter ${key} must be a list of strings`);
        }
        const token = request.ClientToken;
        if (token !== undefined && (typeof token !== "string" || !CLIENT_TOKEN.test(token))) throw this.error("ValidationException", `clientToken ${JSON.stringify(token)} is not a UUID (36 characters)`);
        const fingerprint = JSON.stringify([name, parameters]);
        if (token !== undefined && this.byToken.has(token.toLowerCase())) {
            const earlier = this.byToken.get(token.toLowerCase())!;
            if (earlier.request !== fingerprint) throw this.error("IdempotentParameterMismatchException", `client token ${token} was used with other parameters`);
            return { AutomationExecutionId: earlier.execution.automationExecutionId };
        }
        if (this.documents.size > 0) {
            const declared = this.documents.get(name);
            if (!declared) throw this.error("AutomationDefinitionNotFoundException", `automation document ${name} does not exist`);
            const undeclared = Object.keys(parameters).filter(k => !Object.hasOwn(declared, k));
            const missing = Object.entries(declared).filter(([k, p]) => !Object.hasOwn(parameters, k) && !(p && Object.hasOwn(p, "default"))).map(([k]) => k);
            if (undeclared.length + missing.length > 0) throw this.error("InvalidAutomationExecutionParametersException", `parameters ${[...undeclared.map(k => `${k} (not declared)`), ...missing.map(k => `${k} (required)`)].join(", ")}`);
        }
        if (this.running() + this.pending() >= this.limits.concurrentExecutions + this.limits.queuedExecutions) {
            this.limitExceeded++;
            throw this.error("AutomationExecutionLimitExceededException", `${this.running()} automation executions running and ${this.pending()} queued`);
        }
        const opsItem = parameters.OpsItemId?.[0];
        const execution = this.start(opsItem);
        execution.documentName = name;
        execution.parameters = parameters;
        if (token !== undefined) this.byToken.set(token.toLowerCase(), { execution, request: fingerprint });
        return { AutomationExecutionId: execution.automationExecutionId };
    }

    async stopAutomationExecution(request: { AutomationExecutionId: string; Type?: string }): Promise<Record<string, never>> {
        this.callsOf.stopAutomationExecution++;
        const unknown = Object.keys(request ?? {}).filter(k => !STOP_FIELDS.includes(k));
        if (unknown.length > 0) throw this.error("ValidationException", `unknown field ${unknown.join(", ")}`);
        const id = request?.AutomationExecutionId;
        if (typeof id !== "string" || id.length !== EXECUTION_ID_LENGTH) throw this.error("ValidationException", `automationExecutionId ${JSON.stringify(id)} must be 36 characters`);
        if (request.Type !== undefined && request.Type !== "Cancel" && request.Type !== "Complete") throw this.error("ValidationException", `type ${JSON.stringify(request.Type)} is not Cancel or Complete`);
        const execution = this.byId.get(id);
        if (!execution) throw this.error("AutomationExecutionNotFoundException", `automation execution ${id} does not exist`);
        if (execution.status !== "Waiting" && execution.status !== "Pending") throw this.error("InvalidAutomationStatusUpdateException", `automation execution ${id} is ${execution.status}`);
        const freed = execution.status === "Waiting";
        if (freed) this.waiting--;
        else this.queued--;
        execution.status = request.Type === "Complete" ? "Success" : "Cancelled";
        execution.endTime = this.clock();
        // The slot it held goes to the first execution still queued (one stopped while queued has left the queue).
        if (freed) {
            while (this.queueHead < this.queue.length && this.queue[this.queueHead].status !== "Pending") this.queueHead++;
            const next = this.queue[this.queueHead];
            if (next) {
                this.queueHead++;
                this.queued--;
                this.waiting++;
                next.status = "Waiting";
            }
            // Drop the queue's head once it is most of the array.
            if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
                this.queue.splice(0, this.queueHead);
                this.queueHead = 0;
            }
        }
        return {};
    }

    private error(name: string, message: string): StatesError {
        return new StatesError(`Ssm.${name}`, `${message} (Service: Ssm, Error Code: ${name})`);
    }
}
