import { AsyncLocalStorage } from "async_hooks";
import * as crypto from "crypto";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE } from "../lib/eventPattern";
import { matchEventPattern } from "./eventPatternMatcher";
import { ExecutionReport, OfflineWorkflow } from "./offlineWorkflow";
import { LocalDynamoDb } from "./localDynamoDb";
import { IncidentManagerStandIn } from "./incidentManagerStandIn";
import { SecurityHubStandIn } from "./securityHubStandIn";

/** What became of one event: which rule sent it (or which pattern field filtered it) and the executions it started. */
export interface Delivery {
    event: Record<string, any>;
    /** Where the event came from: the input (as Security Hub sent it) or a write-back of the workflow. */
    origin: "input" | "write-back";
    /** The rule that matched, by name; undefined when none did. */
    rule?: string;
    /** When no rule matched: the field of the first rule's pattern that filtered it. */
    filteredBy?: string;
    runs: ExecutionReport[];
    /** Events the workflow's own Security Hub updates emitted, delivered in turn. */
    echoes: Delivery[];
}

export interface ReplayAccountOptions {
    /** The rendered state machine definition. */
    definition: Record<string, any>;
    /** Rule name → event pattern, in the order they are tried; every matching rule starts an execution. */
    patterns: Record<string, Record<string, unknown>>;
    dynamoDb: LocalDynamoDb;
    incidents: IncidentManagerStandIn;
}

/** An ISO-8601 time in Step Functions' form (milliseconds, Z), or undefined when it is not a time. */
function executionTime(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const millis = Date.parse(value);
    return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/**
 * The account as the replay sees it: Security Hub (which stores each finding's workflow status and
 * Note, and emits an Imported event for every update), the event rules, the state machine, the
 * dedup table and Incident Manager. Time is the events' time: an execution starts at its event's
 * time, and what the services record happens at the time of the execution that asked for it.
 */
export class ReplayAccount {
    readonly workflow: OfflineWorkflow;
    readonly securityHub: SecurityHubStandIn;
    private readonly now = new AsyncLocalStorage<string>();
    /** Echo events per finding Id, waiting for the execution that caused them to finish. */
    private readonly echoes = new Map<string, Array<Record<string, any>>>();

    constructor(private readonly options: ReplayAccountOptions) {
        // Security Hub emits its events synchronously inside the call: queue them per finding.
        this.securityHub = new SecurityHubStandIn(event => {
            const id = event.detail?.findings?.[0]?.Id;
            if (!this.echoes.has(id)) this.echoes.set(id, []);
            this.echoes.get(id)!.push(event);
        });
        options.incidents.clock = () => this.now.getStore() ?? new Date().toISOString();
        const securityHub = this.securityHub;
        this.workflow = new OfflineWorkflow(options.definition, {
            dynamoDb: options.dynamoDb,
            incidents: options.incidents,
            securityHub: {
                // Security Hub applies the update at the time of the execution that made it.
                batchUpdateFindings: request => {
                    const at = this.now.getStore();
                    if (at) securityHub.setTime(at);
                    return securityHub.batchUpdateFindings(request);
                },
            },
        });
    }

    /** An event as Security Hub sent it in the account (without this project's write-back): stored, then delivered. */
    async deliverFromInput(event: Record<string, any>, deliveries = 1): Promise<Delivery> {
        const fromSecurityHub = event.source === EVENT_SOURCE && event["detail-type"] === EVENT_DETAIL_TYPE
            && Array.isArray(event.detail?.findings) && event.detail.findings.length > 0
            && event.detail.findings.every((f: unknown) => typeof (f as { Id?: unknown })?.Id === "string");
        const sent = fromSecurityHub ? this.securityHub.importEvent(event) : event;
        return this.deliver(sent, "input", deliveries);
    }

    /** An event delivered again exactly as it was sent (EventBridge delivers at least once): Security Hub is not involved. */
    async redeliver(event: Record<string, any>, deliveries = 1): Promise<Delivery> {
        return this.deliver(event, "input", deliveries);
    }

    /** Matches an event against the rules and runs the workflow for it `deliveries` times at once. */
    private async deliver(event: Record<string, any>, origin: Delivery["origin"], deliveries: number): Promise<Delivery> {
        const startTime = executionTime(event.time) ?? new Date().toISOString();
        const delivery: Delivery = { event, origin, runs: [], echoes: [] };
        for (const [rule, pattern] of Object.entries(this.options.patterns)) {
            const match = matchEventPattern(pattern, event);
            if (match.matched) {
                delivery.rule = rule;
                break;
            }
            delivery.filteredBy ??= match.field;
        }
        if (delivery.rule) {
            delivery.filteredBy = undefined;
            delivery.runs = await Promise.all(Array.from({ length: deliveries }, () =>
                this.now.run(startTime, () => this.workflow.run(event, crypto.randomUUID(), { startTime }))));
        }
        const id = event.detail?.findings?.[0]?.Id;
        const echoes = this.echoes.get(id) ?? [];
        this.echoes.delete(id);
        for (const echo of echoes) delivery.echoes.push(await this.deliver(echo, "write-back", deliveries));
        return delivery;
    }
}
