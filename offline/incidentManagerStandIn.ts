import * as crypto from "crypto";
import { INCIDENT_ARN_PATTERN, INCIDENT_LIMITS, ISO_TIMESTAMP_PATTERN, RELATED_ITEM_TYPES } from "../lib/limits";
import { StatesError } from "./stepFunctionsJsonata";

/** One incident the stand-in opened, with the request that opened it. */
export interface OpenedIncident {
    incidentRecordArn: string;
    request: StartIncidentRequest;
}

export interface StartIncidentRequest {
    ResponsePlanArn: string;
    Title?: string;
    Impact?: number;
    ClientToken?: string;
    RelatedItems?: Array<{ Title?: string; Identifier: { Type: string; Value: Record<string, unknown> } }>;
    TriggerDetails?: { Source: string; Timestamp: string; TriggerArn?: string; RawData?: string };
}

const REQUEST_FIELDS = ["ResponsePlanArn", "Title", "Impact", "ClientToken", "RelatedItems", "TriggerDetails"];
const VALUE_FIELDS = ["Arn", "Url", "MetricDefinition", "PagerDutyIncidentDetail"];
const TRIGGER_FIELDS = ["Source", "Timestamp", "TriggerArn", "RawData"];
const ARN = new RegExp(INCIDENT_ARN_PATTERN);
const TIMESTAMP = new RegExp(ISO_TIMESTAMP_PATTERN);

/** Length as the service model counts it: Unicode code points. */
function length(text: string): number {
    return [...text].length;
}

/**
 * Incident Manager's StartIncident, offline: it enforces the documented request constraints and
 * fails the way the Step Functions SDK integration reports service errors
 * (`SsmIncidents.<ErrorName>`). Faults can be queued to simulate throttling or outages.
 */
export class IncidentManagerStandIn {
    readonly incidents: OpenedIncident[] = [];
    /** Every call, accepted or not: for counting retries. */
    calls = 0;
    private readonly byToken = new Map<string, OpenedIncident>();
    private readonly byArn = new Map<string, OpenedIncident>();
    private readonly faults: string[] = [];
    private permanentFault?: string;

    constructor(readonly responsePlanArns: string[]) {}

    /** The next `times` calls fail with `errorName` (e.g. "ThrottlingException"). */
    failNext(errorName: string, times = 1): void {
        for (let i = 0; i < times; i++) this.faults.push(errorName);
    }

    /** Every call fails with `errorName` until `recover()`. */
    failAlways(errorName: string): void {
        this.permanentFault = errorName;
    }

    recover(): void {
        this.permanentFault = undefined;
        this.faults.length = 0;
    }

    async startIncident(request: StartIncidentRequest): Promise<{ IncidentRecordArn: string }> {
        this.calls++;
        const fault = this.faults.shift() ?? this.permanentFault;
        if (fault) throw this.error(fault, `injected ${fault}`);
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
        const incident: OpenedIncident = {
            incidentRecordArn: `arn:aws:ssm-incidents::${account}:incident-record/${planName}/${crypto.randomUUID()}`,
            request: JSON.parse(JSON.stringify(request)),
        };
        this.incidents.push(incident);
        this.byArn.set(incident.incidentRecordArn, incident);
        if (request.ClientToken) this.byToken.set(request.ClientToken, incident);
        return { IncidentRecordArn: incident.incidentRecordArn };
    }

    /** The incident with this ARN, if the stand-in opened it. */
    incident(incidentRecordArn: string): OpenedIncident | undefined {
        return this.byArn.get(incidentRecordArn);
    }

    private error(name: string, message: string): StatesError {
        return new StatesError(`SsmIncidents.${name}`, `${message} (Service: SsmIncidents, Error Code: ${name})`);
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
        (Array.isArray(items) ? items : []).forEach((item, i) => {
            const where = `relatedItems[${i}]`;
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
        });
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
