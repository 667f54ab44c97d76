import * as crypto from "crypto";
import { StateMachine } from "aws-local-stepfunctions";
import { requiredTaskPermissions, TASK_INTEGRATIONS, taskStates } from "../lib/stateMachineDefinition";
import { evaluateTemplate, StatesError } from "./stepFunctionsJsonata";
import { LocalDynamoDb } from "./localDynamoDb";
import { IncidentManagerStandIn, IncidentOperation } from "./incidentManagerStandIn";
import { OpsCenterOperation, OpsCenterStandIn } from "./opsCenterStandIn";
import { MOCK_ACCOUNT } from "./pulumiMocks";
import { FaultInjector } from "./faults";

/**
 * jsonpath-plus, which the engine calls as `JSONPath({ path, json, wrap: false })` for every
 * JSONPath of a state, returns a scalar result by throwing it inside an Error and catching it
 * (so that `new JSONPath` is refused): an Error with its stack trace per scalar, a few percent of
 * a replay's CPU. Called that way, the same evaluation is made without the throw: the instance
 * built without autostart, then evaluated with the same arguments, returning the same value.
 * Any other call (with `new`, a string path, more arguments) goes to jsonpath-plus unchanged.
 */
function evaluateJsonPathWithoutThrowing(): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const module = require("jsonpath-plus");
    const original = module.JSONPath;
    if (original.withoutThrowing) return;
    const wrapper = function (this: unknown, opts: any, ...rest: unknown[]) {
        if (new.target || rest.length > 0 || opts === null || typeof opts !== "object" || opts.autostart === false) {
            return new.target ? Reflect.construct(original, [opts, ...rest], new.target) : original.call(this, opts, ...rest);
        }
        const instance = new original({ ...opts, autostart: false });
        const args: Record<string, unknown> = { path: opts.path };
        if ("json" in opts) args.json = opts.json;
        return instance.evaluate(args);
    };
    Object.assign(wrapper, original, { withoutThrowing: true });
    wrapper.prototype = original.prototype;
    module.JSONPath = wrapper;
}
evaluateJsonPathWithoutThrowing();

/** What one offline execution did. */
export interface ExecutionReport {
    executionArn: string;
    status: "SUCCEEDED" | "FAILED";
    /** The states entered, in order (a retried state appears once). */
    states: string[];
    /** State transitions: states entered plus retries, as Step Functions bills them. */
    transitions: number;
    /** The output of each Task state that completed (the last time, if it ran twice), by state name. */
    taskOutputs: Record<string, unknown>;
    /** What each completed Task state's service call returned, by state name. */
    taskResults: Record<string, unknown>;
    output?: unknown;
    error?: string;
    cause?: string;
}

/** Security Hub's side as the workflow calls it (offline/securityHubStandIn.ts). */
export interface SecurityHubService {
    batchUpdateFindings(request: any): Promise<unknown>;
    batchUpdateFindingsV2(request: any): Promise<unknown>;
}

/** One stand-in per AWS service the workflow calls (TASK_INTEGRATIONS names the service of each task). */
export interface OfflineServices {
    dynamoDb: LocalDynamoDb;
    incidents: IncidentManagerStandIn;
    /** Systems Manager OpsCenter, for the OpsCenter backend's states. */
    opsCenter?: OpsCenterStandIn;
    securityHub?: SecurityHubService;
    /**
     * Wraps every service call with the start time of the execution making it (the replay's
     * clock: offline/replayAccount.ts). The stand-ins read their clock synchronously, before their
     * first await, so a value set for the synchronous part of the call is the one they see.
     */
    atExecutionTime?: <T>(startTime: string, call: () => T) => T;
}

/** Longest timer Node keeps (2^31 - 1 ms): a Task's timeout offline, which no replay reaches. */
const OFFLINE_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Names (and resource) of the bridge states that evaluate JSONata catcher outputs. */
const CATCHER_BRIDGE = "offline:catcher-output:";

const JSONATA_TASK_FIELDS = new Set(["Type", "QueryLanguage", "Resource", "Arguments", "Output", "Retry", "Catch", "Next", "End", "Comment", "TimeoutSeconds"]);

/**
 * Runs a rendered state machine definition offline. JSONPath states run on aws-local-stepfunctions;
 * Task states written in JSONata have their Arguments and Output evaluated with the jsonata
 * package (as Step Functions does) inside the engine's task hook; service calls go to dynalite and
 * the Incident Manager stand-in. Anything in the definition this bridge does not cover is refused
 * up front rather than run differently.
 */
export class OfflineWorkflow {
    private readonly machine: StateMachine;
    private readonly stateMachineArn: string;
    /** Every Task resource this workflow has called, for comparing with its IAM policy. */
    readonly calledResources = new Set<string>();
    /** Bridge state → the JSONata state whose catcher it stands for, and the catcher's Output. */
    private readonly catcherOutputs = new Map<string, { state: string; output: unknown }>();
    /**
     * Faults of Task states' service calls (offline/faults.ts): armed by state name, whatever the
     * service's stand-in or backend; a call that meets one fails with the fault's error as the
     * state sees it, after being carried out when the fault loses only the response.
     */
    readonly faults = new FaultInjector();
    /** Told of every Task state's service call (each retry too), at its execution's start in the events' time (bench:storm's call rates). */
    onTaskCall?: (call: { state: string; resource: string; at: string }) => void;

    constructor(readonly definition: Record<string, any>, private readonly services: OfflineServices) {
        if ((definition.QueryLanguage ?? "JSONPath") !== "JSONPath") {
            throw new Error("the offline engine runs JSONPath state machines (JSONata allowed on single Task states)");
        }
        for (const [name, state] of Object.entries<Record<string, any>>(definition.States)) {
            if (state.QueryLanguage !== "JSONata") continue;
            const unsupported = Object.keys(state).filter(k => !JSONATA_TASK_FIELDS.has(k));
            const catcherExtras = (state.Catch ?? []).some((c: Record<string, unknown>) => "Assign" in c);
            if (state.Type !== "Task" || unsupported.length > 0 || catcherExtras) {
                throw new Error(`state ${name}: JSONata ${state.Type} states with ${unsupported.join(", ") || "catcher Assign"} are not supported offline`);
            }
        }
        // Throws on a task whose integration is unknown, as rendering the IAM policy would.
        requiredTaskPermissions(definition);
        this.stateMachineArn = `arn:aws:states:us-east-1:${MOCK_ACCOUNT}:stateMachine:securityhub-incidents-offline`;
        this.machine = new StateMachine(this.withCatcherOutputs(definition) as any, { validationOptions: { noValidate: true } });
    }

    /**
     * The engine only knows JSONPath catchers, whose output is the error (or the error placed into
     * the input). A JSONata catcher's `Output` is an expression over the failed state's input and
     * `$states.errorOutput`; the engine is given a bridge state after each such catcher that
     * evaluates it (the catcher's own output, not a state: it is neither listed nor billed).
     */
    private withCatcherOutputs(definition: Record<string, any>): Record<string, any> {
        const copy = JSON.parse(JSON.stringify(definition));
        for (const [name, state] of Object.entries<Record<string, any>>(copy.States)) {
            // The engine times a Task by the wall clock (60 s unless TimeoutSeconds): a replay's
            // calls take no time in the events' time, however long a busy replay takes.
            if (state.Type === "Task") {
                state.TimeoutSeconds = OFFLINE_TASK_TIMEOUT_SECONDS;
                delete state.TimeoutSecondsPath;
            }
            if (state.QueryLanguage !== "JSONata") continue;
            (state.Catch ?? []).forEach((catcher: Record<string, any>, i: number) => {
                if (!("Output" in catcher)) return;
                const bridge = `${CATCHER_BRIDGE}${name}.Catch[${i}]`;
                this.catcherOutputs.set(bridge, { state: name, output: catcher.Output });
                copy.States[bridge] = { Type: "Task", Resource: CATCHER_BRIDGE, Next: catcher.Next };
                delete catcher.Output;
                catcher.Next = bridge;
            });
        }
        return copy;
    }

    /** A Task state's service call, through the fault hook. */
    private async callTask(state: string, resource: string, request: any, startTime: string): Promise<unknown> {
        const fault = this.faults.take(state);
        if (!fault) return this.callAt(startTime, resource, request);
        this.calledResources.add(resource);
        if (fault.afterApplying) await this.callAt(startTime, resource, request).catch(() => undefined);
        const code = fault.error.slice(fault.error.indexOf(".") + 1);
        throw new StatesError(fault.error, `injected ${code}${fault.afterApplying ? " after the call was applied (response lost)" : ""} (Error Code: ${code})`);
    }

    /** A service call at the execution's start time (see OfflineServices.atExecutionTime). */
    private callAt(startTime: string, resource: string, request: any): Promise<unknown> {
        const at = this.services.atExecutionTime;
        return at ? at(startTime, () => this.callService(resource, request)) : this.callService(resource, request);
    }

    /** Routes a task to the stand-in of the service its integration calls (TASK_INTEGRATIONS). */
    private async callService(resource: string, request: any): Promise<unknown> {
        this.calledResources.add(resource);
        const integration = TASK_INTEGRATIONS[resource];
        switch (integration?.service) {
            case "dynamoDb":
                return this.services.dynamoDb.call(integration.operation, request);
            case "incidentManager":
                return this.services.incidents[integration.operation as IncidentOperation](request);
            case "opsCenter":
                if (!this.services.opsCenter) throw new StatesError("States.Runtime", `${resource}: this offline run has no OpsCenter stand-in`);
                return this.services.opsCenter[integration.operation as OpsCenterOperation](request);
            case "securityHub":
                if (!this.services.securityHub) throw new StatesError("States.Runtime", `${resource}: this offline run has no Security Hub stand-in`);
                return this.services.securityHub[integration.operation as keyof SecurityHubService](request);
            default:
                throw new StatesError("States.Runtime", `no offline service for ${resource}`);
        }
    }

    /**
     * Runs one execution for one EventBridge event. `startTime` is the execution's start (the
     * replay passes the event's time, so that a month of events replays as a month); default now.
     */
    async run(event: unknown, executionName: string = crypto.randomUUID(), options: { startTime?: string } = {}): Promise<ExecutionReport> {
        const executionArn = this.stateMachineArn.replace(":stateMachine:", ":execution:") + `:${executionName}`;
        const startTime = options.startTime ?? new Date().toISOString();
        const context = {
            Execution: { Id: executionArn, Name: executionName, Input: event, StartTime: startTime },
            StateMachine: { Id: this.stateMachineArn, Name: "securityhub-incidents-offline" },
        };
        const handlers: Record<string, (input: any) => Promise<any>> = {};
        const taskOutputs: Record<string, unknown> = {};
        const taskResults: Record<string, unknown> = {};
        const retryIntervalOverrides: Record<string, number> = {};
        // Wait states (the write-back's own retries) do not wait offline either.
        const waitTimeOverrides: Record<string, number> = Object.fromEntries(Object.entries<Record<string, any>>(this.definition.States).filter(([, state]) => state.Type === "Wait").map(([name]) => [name, 0]));
        // Each JSONata state's input, for its catchers' Output expressions.
        const inputs = new Map<string, unknown>();
        for (const { name, state } of taskStates(this.definition)) {
            // Backoff is the definition's business; offline, retries run at once.
            retryIntervalOverrides[name] = 0;
            handlers[name] = state.QueryLanguage === "JSONata"
                ? async (input) => {
                    inputs.set(name, input);
                    const states = { input, context: { ...context, State: { Name: name, EnteredTime: new Date().toISOString() } } };
                    const request = await evaluateTemplate(state.Arguments ?? {}, states);
                    this.onTaskCall?.({ state: name, resource: state.Resource, at: startTime });
                    const result = await this.callTask(name, state.Resource, request, startTime);
                    taskResults[name] = result;
                    const output = "Output" in state ? await evaluateTemplate(state.Output, { ...states, result }) : result;
                    taskOutputs[name] = output;
                    return output;
                }
                : async (request) => {
                    this.onTaskCall?.({ state: name, resource: state.Resource, at: startTime });
                    const result = await this.callTask(name, state.Resource, request, startTime);
                    taskResults[name] = result;
                    taskOutputs[name] = result;
                    return result;
                };
        }
        for (const [bridge, { state, output }] of this.catcherOutputs) {
            handlers[bridge] = (errorOutput) => evaluateTemplate(output, {
                input: inputs.get(state),
                errorOutput,
                context: { ...context, State: { Name: state, EnteredTime: new Date().toISOString() } },
            }) as Promise<any>;
        }

        const execution = this.machine.run(event as any, {
            overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides, waitTimeOverrides },
            context: context as any,
        });
        const states: string[] = [];
        let retries = 0;
        const logging = (async () => {
            for await (const entry of execution.eventLogs as AsyncGenerator<any>) {
                if (entry.type === "StateEntered" && !entry.state.name.startsWith(CATCHER_BRIDGE)) states.push(entry.state.name);
                if (entry.type === "StateRetried") retries++;
            }
        })();
        try {
            const output = await execution.result;
            await logging;
            return { executionArn, status: "SUCCEEDED", states, transitions: states.length + retries, taskOutputs, taskResults, output };
        } catch (err) {
            await logging.catch(() => undefined);
            // The engine wraps the failing state's error (name = error, message = cause).
            const wrapped = err as Error & { cause?: unknown };
            const error = wrapped.cause instanceof Error ? wrapped.cause : wrapped;
            return { executionArn, status: "FAILED", states, transitions: states.length + retries, taskOutputs, taskResults, error: error.name, cause: error.message };
        }
    }
}
