import * as crypto from "crypto";
import { INCIDENT_ARN_PATTERN, INCIDENT_LIMITS, ISO_TIMESTAMP_PATTERN, RELATED_ITEM_TYPES } from "../lib/limits";
import { StatesError } from "./stepFunctionsJsonata";
import { SsmAutomationStandIn } from "./ssmAutomationStandIn";
import { TextPacker } from "./packedText";

/** One incident the stand-in opened, with the request that opened it and what happened since. */
export interface OpenedIncident {
    incidentRecordArn: string;
    request: StartIncidentRequest;
    status: "OPEN" | "RESOLVED";
    creationTime: string;
    resolvedTime?: string;
    /** Who resolved it: the workflow (UpdateIncidentRecord) or a responder. */
    resolvedBy?: "workflow" | "responder";
    timeline: TimelineEvent[];
    /** Its related items: those it was started with, then those added with UpdateRelatedItems. */
    relatedItems: RelatedItem[];
    /** The runbook executions its response plan started (GetIncidentRecord's automationExecutions). */
    automationExecutionArns: string[];
}

export type RelatedItem = { Title?: string; Identifier: { Type: string; Value: Record<string, unknown> } };

export interface StartIncidentRequest {
    ResponsePlanArn: string;
    Title?: string;
    Impact?: number;
    ClientToken?: string;
    RelatedItems?: Array<{ Title?: string; Identifier: { Type: string; Value: Record<string, unknown> } }>;
    TriggerDetails?: { Source: string; Timestamp: string; TriggerArn?: string; RawData?: string };
}

export interface TimelineEvent {
    eventId: string;
    eventTime: string;
    eventType: string;
    eventData: string;
}

/** The operations the stand-in serves, by their Step Functions SDK-integration names. */
export type IncidentOperation = "startIncident" | "getIncidentRecord" | "createTimelineEvent" | "updateIncidentRecord" | "updateRelatedItems";

const REQUEST_FIELDS = ["ResponsePlanArn", "Title", "Impact", "ClientToken", "RelatedItems", "TriggerDetails"];
const VALUE_FIELDS = ["Arn", "Url", "MetricDefinition", "PagerDutyIncidentDetail"];
const TRIGGER_FIELDS = ["Source", "Timestamp", "TriggerArn", "RawData"];
const TIMELINE_FIELDS = ["IncidentRecordArn", "EventTime", "EventType", "EventData", "ClientToken", "EventReferences"];
const UPDATE_FIELDS = ["Arn", "Status", "Title", "Summary", "Impact", "ClientToken", "ChatChannel", "NotificationTargets"];
/** CreateTimelineEvent's eventType is free text in the model, but the service supports only these. */
const TIMELINE_EVENT_TYPES = ["Custom Event", "Note"];
const ARN = new RegExp(INCIDENT_ARN_PATTERN);
const TIMESTAMP = new RegExp(ISO_TIMESTAMP_PATTERN);

/** Length as the service model counts it: Unicode code points. */
function length(text: string): number {
    return [...text].length;
}

/**
 * The same text as one flat string. Strings built from parts (template literals, `+`) are ropes of
 * their parts until V8 flattens them; a map key or a field kept for a month of incidents should
 * not keep the parts (a heap snapshot of bench:month found about 170 bytes of rope per ARN).
 */
function flat(text: string): string {
    return JSON.parse(JSON.stringify(text));
}

/** A short, fixed-length key for an idempotency token (incident ARN and client token): a month holds one per timeline event. */
function tokenKey(incidentRecordArn: string, clientToken: string): string {
    return crypto.createHash("sha1").update(incidentRecordArn).update("|").update(clientToken).digest("base64");
}

/** What an incident holds that only tests and the report read back: kept packed once the incident is retired. */
interface IncidentDetail {
    request: StartIncidentRequest;
    timeline: TimelineEvent[];
    relatedItems: RelatedItem[];
}

/**
 * An incident as the stand-in keeps it. Its request, timeline and related items are packed
 * (offline/packedText.ts) when the replay retires it (the finding it was opened for has no more
 * events) and unpacked by the first read after: retiring changes how memory holds them, not what
 * any call or reader sees. The rest (status, times, ARNs) stays as it is: the workflow's calls and
 * the end of a replay read it.
 */
class StoredIncident implements OpenedIncident {
    status: "OPEN" | "RESOLVED" = "OPEN";
    resolvedTime?: string;
    resolvedBy?: "workflow" | "responder";
    readonly automationExecutionArns: string[] = [];
    private detail?: IncidentDetail;
    private packed?: string;

    constructor(readonly incidentRecordArn: string, readonly creationTime: string, detail: IncidentDetail, private readonly packer: TextPacker) {
        this.detail = detail;
    }

    private open(): IncidentDetail {
        if (!this.detail) {
            this.detail = JSON.parse(this.packer.unpack(this.packed!)) as IncidentDetail;
            this.packed = undefined;
        }
        return this.detail;
    }

    get request(): StartIncidentRequest { return this.open().request; }
    set request(request: StartIncidentRequest) { this.open().request = request; }
    get timeline(): TimelineEvent[] { return this.open().timeline; }
    get relatedItems(): RelatedItem[] { return this.open().relatedItems; }

    /** Packs the detail; false when it is packed already. */
    retire(): boolean {
        if (!this.detail) return false;
        this.packed = this.packer.pack(JSON.stringify(this.detail));
        this.detail = undefined;
        return true;
    }

    get retired(): boolean {
        return this.detail === undefined;
    }

    /** Characters of the packed detail (0 when unpacked). */
    get packedLength(): number {
        return this.packed?.length ?? 0;
    }

    toJSON(): OpenedIncident {
        const { request, timeline, relatedItems } = this.open();
        return {
            incidentRecordArn: this.incidentRecordArn, request, status: this.status, creationTime: this.creationTime,
            ...(this.resolvedTime !== undefined ? { resolvedTime: this.resolvedTime } : {}),
            ...(this.resolvedBy !== undefined ? { resolvedBy: this.resolvedBy } : {}),
            timeline, relatedItems, automationExecutionArns: this.automationExecutionArns,
        };
    }
}

/**
 * Incident Manager offline: StartIncident, GetIncidentRecord, CreateTimelineEvent and
 * UpdateIncidentRecord. It enforces the documented request constraints (ssm-incidents service
 * model) and fails the way the Step Functions SDK integration reports service errors
 * (`SsmIncidents.<ErrorName>`). Faults can be queued per operation to simulate throttling or
 * outages. Time comes from `clock` (the replay sets it from the events), not the wall clock.
 */
export class IncidentManagerStandIn {
    readonly incidents: OpenedIncident[] = [];
    private readonly packer = new TextPacker();
    /** StartIncident calls, accepted or not: for counting retries. */
    calls = 0;
    /** Calls of every operation, accepted or not. */
    readonly callsOf: Record<IncidentOperation, number> = { startIncident: 0, getIncidentRecord: 0, createTimelineEvent: 0, updateIncidentRecord: 0, updateRelatedItems: 0 };
    private readonly relatedTokens = new Set<string>();
    /** What "now" is for the service (creation, resolution times). Default: the wall clock. */
    clock: () => string = () => new Date().toISOString();
    /**
     * Responders resolve every incident this many milliseconds after it opened (the replay's
     * `--resolve-incidents-after`). An incident counts as resolved from then on, whatever order
     * the replay asks in. Default: responders never resolve.
     */
    respondersResolveAfterMs?: number;
    private readonly byToken = new Map<string, StoredIncident>();
    private readonly byArn = new Map<string, StoredIncident>();
    /** Event IDs of timeline events by their idempotency token (tokenKey). */
    private readonly timelineTokens = new Map<string, string>();
    private readonly faults: Array<{ operation: IncidentOperation; errorName: string }> = [];
    private readonly permanentFaults = new Map<IncidentOperation, string>();

    /**
     * SSM Automation, where every response plan of this project starts its runbook when an
     * incident opens (lib/responsePlans.ts: each plan runs one). The workflow stops them
     * (StopRunbook); offline/offlineWorkflow.ts routes its calls here unless told otherwise.
     */
    automation: SsmAutomationStandIn;

    constructor(readonly responsePlanArns: string[]) {
        const arn = responsePlanArns[0]?.split(":") ?? [];
        this.automation = new SsmAutomationStandIn(arn[4] || "123456789012", arn[3] || "us-east-1", arn[1] || "aws");
        this.automation.clock = () => this.clock();
    }

    /** The next `times` calls of `operation` (default StartIncident) fail with `errorName` (e.g. "ThrottlingException"). */
    failNext(errorName: string, times = 1, operation: IncidentOperation = "startIncident"): void {
        for (let i = 0; i < times; i++) this.faults.push({ operation, errorName });
    }

    /** Every call of `operation` (default StartIncident) fails with `errorName` until `recover()`. */
    failAlways(errorName: string, operation: IncidentOperation = "startIncident"): void {
        this.permanentFaults.set(operation, errorName);
    }

    recover(): void {
        this.permanentFaults.clear();
        this.faults.length = 0;
    }

    /** Counts the call and throws the fault queued for it, if any. */
    private enter(operation: IncidentOperation): void {
        this.callsOf[operation]++;
        if (operation === "startIncident") this.calls++;
        const index = this.faults.findIndex(f => f.operation === operation);
        const fault = index >= 0 ? this.faults.splice(index, 1)[0].errorName : this.permanentFaults.get(operation);
        if (fault) throw this.error(fault, `injected ${fault}`);
    }

    async startIncident(request: StartIncidentRequest): Promise<{ IncidentRecordArn: string }> {
        this.enter("startIncident");
        const problems = this.validate(request);
        if (problems.length > 0) throw this.error("ValidationException", problems.join("; "));
        if (!this.responsePlanArns.includes(request.ResponsePlanArn)) {
            throw this.error("ResourceNotFoundException", `response plan ${request.ResponsePlanArn} does not exist`);
        }
        // Idempotency: a repeated client token returns the incident it opened.
        const existing = request.ClientToken ? this.byToken.get(request.ClientToken) : undefined;
        if (existing) return { IncidentRecordArn: existing.incidentRecordArn };

        const planName = request.ResponsePlanArn.split("/").pop();
        const account = request.ResponsePlanArn.split(":")[4];
        const partition = request.ResponsePlanArn.split(":")[1];
        const incidentRecordArn = flat(`arn:${partition}:ssm-incidents::${account}:incident-record/${planName}/${crypto.randomUUID()}`);
        const copied: StartIncidentRequest = JSON.parse(JSON.stringify(request));
        const incident = new StoredIncident(incidentRecordArn, this.clock(), {
            request: copied,
            timeline: [],
            // The request's items, not another copy of them: neither list's items are changed.
            relatedItems: [...(copied.RelatedItems ?? [])],
        }, this.packer);
        incident.automationExecutionArns.push(this.automation.start(incident.incidentRecordArn).automationExecutionArn);
        this.incidents.push(incident);
        this.byArn.set(incident.incidentRecordArn, incident);
        if (request.ClientToken) this.byToken.set(flat(request.ClientToken), incident);
        return { IncidentRecordArn: incident.incidentRecordArn };
    }

    /** The incident an ARN names, or ResourceNotFoundException as the service answers. */
    private existing(arn: unknown, field: string): StoredIncident {
        if (typeof arn !== "string" || length(arn) > INCIDENT_LIMITS.identifierArnLength || !ARN.test(arn)) {
            throw this.error("ValidationException", `${field} ${JSON.stringify(arn)} does not match the ARN pattern`);
        }
        const incident = this.byArn.get(arn);
        if (!incident) throw this.error("ResourceNotFoundException", `incident record ${arn} does not exist`);
        this.applyResponders(incident, this.clock());
        return incident;
    }

    /** Resolves the incident if responders had resolved it by `now` (see respondersResolveAfterMs). */
    private applyResponders(incident: OpenedIncident, now: string): void {
        if (this.respondersResolveAfterMs === undefined || incident.status !== "OPEN") return;
        const due = Date.parse(incident.creationTime) + this.respondersResolveAfterMs;
        if (due > Date.parse(now)) return;
        incident.status = "RESOLVED";
        incident.resolvedTime = new Date(due).toISOString();
        incident.resolvedBy = "responder";
    }

    /** Every incident as it stands at `now` (responders' resolutions applied). */
    incidentsAt(now: string): OpenedIncident[] {
        for (const incident of this.incidents) this.applyResponders(incident, now);
        return this.incidents;
    }

    async getIncidentRecord(request: { Arn: string }): Promise<{ IncidentRecord: Record<string, unknown> }> {
        this.enter("getIncidentRecord");
        const unknown = Object.keys(request ?? {}).filter(k => k !== "Arn");
        if (unknown.length > 0) throw this.error("ValidationException", `unknown field ${unknown.join(", ")}`);
        const incident = this.existing(request?.Arn, "arn");
        return {
            IncidentRecord: {
                Arn: incident.incidentRecordArn,
                Title: incident.request.Title,
                Status: incident.status,
                Impact: incident.request.Impact,
                CreationTime: incident.creationTime,
                ...(incident.resolvedTime ? { ResolvedTime: incident.resolvedTime } : {}),
                // A list of unions (GetIncidentRecord's IncidentRecord.automationExecutions, AutomationExecution:
                // docs.aws.amazon.com/incident-manager/latest/APIReference/API_AutomationExecution.html).
                AutomationExecutions: incident.automationExecutionArns.map(arn => ({ SsmExecutionArn: arn })),
            },
        };
    }

    async createTimelineEvent(request: { IncidentRecordArn: string; EventTime: string; EventType: string; EventData: string; ClientToken?: string; EventReferences?: unknown[] }): Promise<{ IncidentRecordArn: string; EventId: string }> {
        this.enter("createTimelineEvent");
        const L = INCIDENT_LIMITS;
        const problems: string[] = [];
        for (const key of Object.keys(request ?? {})) if (!TIMELINE_FIELDS.includes(key)) problems.push(`unknown field ${key}`);
        if (typeof request.EventTime !== "string" || !TIMESTAMP.test(request.EventTime)) problems.push(`eventTime ${JSON.stringify(request.EventTime)} is not an ISO-8601 date and time`);
        if (typeof request.EventType !== "string" || length(request.EventType) > L.timelineEventTypeLength || !TIMELINE_EVENT_TYPES.includes(request.EventType)) {
            problems.push(`eventType ${JSON.stringify(request.EventType)} is not one of ${TIMELINE_EVENT_TYPES.join(", ")}`);
        }
        if (typeof request.EventData !== "string" || length(request.EventData) > L.timelineEventDataLength) problems.push(`eventData must be a string of at most ${L.timelineEventDataLength} characters`);
        if (request.ClientToken !== undefined && (typeof request.ClientToken !== "string" || length(request.ClientToken) > L.clientTokenLength)) problems.push(`clientToken must be at most ${L.clientTokenLength} characters`);
        if (request.EventReferences !== undefined && (!Array.isArray(request.EventReferences) || request.EventReferences.length > L.timelineEventReferences)) problems.push(`eventReferences must be a list of at most ${L.timelineEventReferences}`);
        if (problems.length > 0) throw this.error("ValidationException", problems.join("; "));
        const incident = this.existing(request.IncidentRecordArn, "incidentRecordArn");
        const token = request.ClientToken ? tokenKey(incident.incidentRecordArn, request.ClientToken) : undefined;
        const repeated = token ? this.timelineTokens.get(token) : undefined;
        if (repeated) return { IncidentRecordArn: incident.incidentRecordArn, EventId: repeated };
        const event: TimelineEvent = { eventId: crypto.randomUUID(), eventTime: request.EventTime, eventType: request.EventType, eventData: request.EventData };
        incident.timeline.push(event);
        if (token) this.timelineTokens.set(token, event.eventId);
        return { IncidentRecordArn: incident.incidentRecordArn, EventId: event.eventId };
    }

    async updateIncidentRecord(request: { Arn: string; Status?: string; Title?: string; Summary?: string; Impact?: number; ClientToken?: string }): Promise<Record<string, never>> {
        this.enter("updateIncidentRecord");
        const L = INCIDENT_LIMITS;
        const problems: string[] = [];
        for (const key of Object.keys(request ?? {})) if (!UPDATE_FIELDS.includes(key)) problems.push(`unknown field ${key}`);
        if (request.Status !== undefined && request.Status !== "OPEN" && request.Status !== "RESOLVED") problems.push(`status ${JSON.stringify(request.Status)} is not OPEN or RESOLVED`);
        if (request.Title !== undefined && (typeof request.Title !== "string" || length(request.Title) > L.titleLength)) problems.push(`title must be at most ${L.titleLength} characters`);
        if (request.Summary !== undefined && (typeof request.Summary !== "string" || length(request.Summary) > L.summaryLength)) problems.push(`summary must be at most ${L.summaryLength} characters`);
        if (request.Impact !== undefined && (!Number.isInteger(request.Impact) || request.Impact < L.minImpact || request.Impact > L.maxImpact)) problems.push(`impact must be a whole number from ${L.minImpact} to ${L.maxImpact}`);
        if (request.ClientToken !== undefined && (typeof request.ClientToken !== "string" || length(request.ClientToken) > L.clientTokenLength)) problems.push(`clientToken must be at most ${L.clientTokenLength} characters`);
        if (problems.length > 0) throw this.error("ValidationException", problems.join("; "));
        const incident = this.existing(request.Arn, "arn");
        // The incident's impact is what GetIncidentRecord reports (kept on its request).
        if (request.Impact !== undefined) incident.request = { ...incident.request, Impact: request.Impact };
        if (request.Status === "RESOLVED" && incident.status !== "RESOLVED") {
            this.resolve(incident.incidentRecordArn);
            incident.resolvedBy = "workflow";
        }
        if (request.Status === "OPEN") {
            incident.status = "OPEN";
            incident.resolvedTime = undefined;
        }
        return {};
    }

    /**
     * UpdateRelatedItems: adds (or removes) exactly one related item per call, checked like
     * StartIncident's related items; a repeated client token changes nothing. The per-incident
     * cap on related items is not documented: the stand-in records how many there are
     * (`relatedItems`) so callers can be held to StartIncident's ${INCIDENT_LIMITS.relatedItems}.
     */
    async updateRelatedItems(request: { IncidentRecordArn: string; ClientToken?: string; RelatedItemsUpdate: { ItemToAdd?: RelatedItem; ItemToRemove?: unknown } }): Promise<Record<string, never>> {
        this.enter("updateRelatedItems");
        const problems: string[] = [];
        for (const key of Object.keys(request ?? {})) if (!["IncidentRecordArn", "ClientToken", "RelatedItemsUpdate"].includes(key)) problems.push(`unknown field ${key}`);
        const update = request.RelatedItemsUpdate ?? {};
        const keys = Object.keys(update);
        if (keys.length !== 1 || !["ItemToAdd", "ItemToRemove"].includes(keys[0])) problems.push("relatedItemsUpdate must set exactly one of itemToAdd, itemToRemove");
        if (update.ItemToAdd) problems.push(...this.relatedItemProblems(update.ItemToAdd, "relatedItemsUpdate.itemToAdd"));
        if (request.ClientToken !== undefined && (typeof request.ClientToken !== "string" || length(request.ClientToken) > INCIDENT_LIMITS.clientTokenLength)) problems.push(`clientToken must be at most ${INCIDENT_LIMITS.clientTokenLength} characters`);
        if (problems.length > 0) throw this.error("ValidationException", problems.join("; "));
        const incident = this.existing(request.IncidentRecordArn, "incidentRecordArn");
        const token = request.ClientToken ? tokenKey(incident.incidentRecordArn, request.ClientToken) : undefined;
        if (token && this.relatedTokens.has(token)) return {};
        if (token) this.relatedTokens.add(token);
        if (update.ItemToAdd) incident.relatedItems.push(JSON.parse(JSON.stringify(update.ItemToAdd)));
        return {};
    }

    /** Resolves an incident as a responder would (outside the workflow), at the stand-in's clock. */
    resolve(incidentRecordArn: string): void {
        const incident = this.byArn.get(incidentRecordArn);
        if (!incident) throw new Error(`no incident ${incidentRecordArn}`);
        incident.status = "RESOLVED";
        incident.resolvedTime = this.clock();
        incident.resolvedBy = "responder";
    }

    /** The incident with this ARN, if the stand-in opened it. */
    incident(incidentRecordArn: string): OpenedIncident | undefined {
        return this.byArn.get(incidentRecordArn);
    }

    /**
     * Tells the stand-in that nothing more is expected of an incident (the replay calls it for a
     * finding's own incident once the finding's events are over): its request, timeline and related
     * items are kept packed until something reads them again. Calls on it answer as before.
     * Returns whether anything was packed.
     */
    retire(incidentRecordArn: string): boolean {
        return this.byArn.get(incidentRecordArn)?.retire() ?? false;
    }

    /** Incidents retired and not read since. */
    get retired(): number {
        let n = 0;
        for (const incident of this.byArn.values()) if (incident.retired) n++;
        return n;
    }

    /** Bytes the packed details of retired incidents hold (one byte per character of their packed text). */
    get packedBytes(): number {
        let n = 0;
        for (const incident of this.byArn.values()) n += incident.packedLength;
        return n;
    }

    private error(name: string, message: string): StatesError {
        return new StatesError(`SsmIncidents.${name}`, `${message} (Service: SsmIncidents, Error Code: ${name})`);
    }

    /** A related item's constraints (StartIncident's relatedItems, UpdateRelatedItems' itemToAdd). */
    private relatedItemProblems(item: RelatedItem, where: string): string[] {
        const L = INCIDENT_LIMITS;
        const problems: string[] = [];
        if (item.Title !== undefined && (typeof item.Title !== "string" || length(item.Title) > L.relatedItemTitleLength)) problems.push(`${where}.title is too long`);
        const type = item.Identifier?.Type;
        if (!(RELATED_ITEM_TYPES as readonly string[]).includes(type)) problems.push(`${where}.identifier.type ${JSON.stringify(type)} is not a related item type`);
        const value = item.Identifier?.Value ?? {};
        const set = Object.keys(value);
        if (set.length !== 1 || !VALUE_FIELDS.includes(set[0])) problems.push(`${where}.identifier.value must set exactly one of ${VALUE_FIELDS.join(", ")}`);
        if ("Arn" in value && (typeof value.Arn !== "string" || length(value.Arn) > L.identifierArnLength || !ARN.test(value.Arn))) {
            problems.push(`${where}.identifier.value.arn ${JSON.stringify(value.Arn)} does not match the ARN pattern`);
        }
        if ("Url" in value && (typeof value.Url !== "string" || length(value.Url) > L.identifierUrlLength)) {
            problems.push(`${where}.identifier.value.url must be at most ${L.identifierUrlLength} characters`);
        }
        return problems;
    }

    /** The request constraints of the ssm-incidents service model. */
    validate(request: StartIncidentRequest): string[] {
        const problems: string[] = [];
        const L = INCIDENT_LIMITS;
        for (const key of Object.keys(request)) if (!REQUEST_FIELDS.includes(key)) problems.push(`unknown field ${key}`);
        if (typeof request.ResponsePlanArn !== "string" || !ARN.test(request.ResponsePlanArn)) problems.push("responsePlanArn must be an ARN");
        if (request.Title !== undefined && (typeof request.Title !== "string" || length(request.Title) > L.titleLength)) {
            problems.push(`title must be a string of at most ${L.titleLength} characters`);
        }
        if (request.Impact !== undefined && (!Number.isInteger(request.Impact) || request.Impact < L.minImpact || request.Impact > L.maxImpact)) {
            problems.push(`impact must be a whole number from ${L.minImpact} to ${L.maxImpact}`);
        }
        if (request.ClientToken !== undefined && (typeof request.ClientToken !== "string" || length(request.ClientToken) > L.clientTokenLength)) {
            problems.push(`clientToken must be at most ${L.clientTokenLength} characters`);
        }
        const items = request.RelatedItems ?? [];
        if (!Array.isArray(items) || items.length > L.relatedItems) problems.push(`relatedItems must be a list of at most ${L.relatedItems}`);
        (Array.isArray(items) ? items : []).forEach((item, i) => problems.push(...this.relatedItemProblems(item, `relatedItems[${i}]`)));
        const trigger = request.TriggerDetails;
        if (trigger !== undefined) {
            for (const key of Object.keys(trigger)) if (!TRIGGER_FIELDS.includes(key)) problems.push(`unknown field triggerDetails.${key}`);
            if (typeof trigger.Source !== "string" || length(trigger.Source) < 1 || length(trigger.Source) > L.triggerSourceLength || trigger.Source.startsWith("aws.")) {
                problems.push(`triggerDetails.source must be 1-${L.triggerSourceLength} characters and must not start with "aws."`);
            }
            if (typeof trigger.Timestamp !== "string" || !TIMESTAMP.test(trigger.Timestamp)) {
                problems.push(`triggerDetails.timestamp ${JSON.stringify(trigger.Timestamp)} is not an ISO-8601 date and time`);
            }
            if (trigger.TriggerArn !== undefined && (typeof trigger.TriggerArn !== "string" || !ARN.test(trigger.TriggerArn))) {
                problems.push(`triggerDetails.triggerArn ${JSON.stringify(trigger.TriggerArn)} does not match the ARN pattern`);
            }
            if (trigger.RawData !== undefined && (typeof trigger.RawData !== "string" || length(trigger.RawData) > L.triggerRawDataLength)) {
                problems.push(`triggerDetails.rawData must be at most ${L.triggerRawDataLength} characters`);
            }
        }
        return problems;
    }
}
