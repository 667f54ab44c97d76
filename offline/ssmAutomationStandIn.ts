import * as crypto from "crypto";
import { StatesError } from "./stepFunctionsJsonata";

/**
 * The errors StopAutomationExecution declares (API reference, StopAutomationExecution,
 * docs.aws.amazon.com/systems-manager/latest/APIReference/API_StopAutomationExecution.html; botocore
 * ssm 2014-11-06: AutomationExecutionNotFoundException, InvalidAutomationStatusUpdateException,
 * InternalServerError), plus the common throttling, access and validation errors the model does not
 * declare; as Step Functions names them (`Ssm.<Name>`, the Exception suffix added: the model's
 * InternalServerError is `Ssm.InternalServerErrorException`).
 */
export const SSM_AUTOMATION_ERRORS = [
    "AutomationExecutionNotFoundException", "InvalidAutomationStatusUpdateException", "InternalServerErrorException",
    "ThrottlingException", "AccessDeniedException", "ValidationException",
] as const;

/** One runbook execution: started by a response plan, stopped by the workflow or ended on its own. */
export interface AutomationExecution {
    automationExecutionId: string;
    automationExecutionArn: string;
    /** Waiting: the runbook sits in an aws:pause step (it holds its concurrency slot). */
    status: "Waiting" | "Cancelled" | "Success";
    startTime: string;
    endTime?: string;
    /** What started it (the incident record, for a response plan's runbook). */
    startedFor?: string;
}

/** The operations the stand-in serves to the workflow, by their Step Functions SDK-integration names. */
export type SsmAutomationOperation = "stopAutomationExecution";

const STOP_FIELDS = ["AutomationExecutionId", "Type"];
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
    readonly callsOf: Record<SsmAutomationOperation, number> = { stopAutomationExecution: 0 };
    /** What "now" is for the service. Default: the wall clock. */
    clock: () => string = () => new Date().toISOString();
    private readonly byId = new Map<string, AutomationExecution>();

    constructor(readonly accountId = "123456789012", readonly region = "us-east-1", readonly partition = "aws") {}

    /** Starts a runbook execution (as a response plan does when its incident opens) and returns its ARN. */
    start(startedFor?: string): AutomationExecution {
        const id = crypto.randomUUID();
        const execution: AutomationExecution = {
            automationExecutionId: id,
            automationExecutionArn: `arn:${this.partition}:ssm:${this.region}:${this.accountId}:automation-execution/${id}`,
            status: "Waiting",
            startTime: this.clock(),
            startedFor,
        };
        this.executions.push(execution);
        this.byId.set(id, execution);
        return execution;
    }

    /** Executions still running (waiting in aws:pause): each holds one of Automation's concurrent slots. */
    running(): number {
        return this.executions.filter(e => e.status === "Waiting").length;
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
        if (execution.status !== "Waiting") throw this.error("InvalidAutomationStatusUpdateException", `automation execution ${id} is ${execution.status}`);
        execution.status = request.Type === "Complete" ? "Success" : "Cancelled";
        execution.endTime = this.clock();
        return {};
    }

    private error(name: string, message: string): StatesError {
        return new StatesError(`Ssm.${name}`, `${message} (Service: Ssm, Error Code: ${name})`);
    }
}
