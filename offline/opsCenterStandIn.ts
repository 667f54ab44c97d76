import * as crypto from "crypto";
import { OPS_ITEM_OPEN_STATUSES, OPSCENTER_LIMITS } from "../lib/limits";
import { StatesError } from "./stepFunctionsJsonata";

/** A CreateOpsItem request, as the workflow sends it (ssm 2014-11-06 model, CreateOpsItemRequest). */
export interface CreateOpsItemRequest {
    Title: string;
    Description: string;
    Source: string;
    Category?: string;
    OpsItemType?: string;
    Severity?: string;
    Priority?: number;
    OperationalData?: Record<string, { Type?: string; Value?: string }>;
    Notifications?: Array<{ Arn: string }>;
    RelatedOpsItems?: Array<{ OpsItemId: string }>;
    Tags?: Array<{ Key: string; Value: string }>;
}

/** One OpsItem the stand-in created, and what happened to it since. */
export interface StoredOpsItem {
    opsItemId: string;
    opsItemArn: string;
    request: CreateOpsItemRequest;
    status: string;
    createdTime: string;
    lastModifiedTime: string;
    resolvedTime?: string;
    /** Who resolved it: the workflow (UpdateOpsItem) or a responder. */
    resolvedBy?: "workflow" | "responder";
    operationalData: Record<string, { Type?: string; Value?: string }>;
    /** UpdateOpsItem calls that were applied. */
    updates: number;
}

/** The operations the stand-in serves, by their Step Functions SDK-integration names. */
export type OpsCenterOperation = "createOpsItem" | "getOpsItem" | "updateOpsItem" | "describeOpsItems";
export const OPS_CENTER_OPERATIONS: readonly OpsCenterOperation[] = ["createOpsItem", "getOpsItem", "updateOpsItem", "describeOpsItems"];

/**
 * The errors the ssm model declares for the OpsItem operations (botocore ssm 2014-11-06: CreateOpsItem
 * InternalServerError, OpsItemAlreadyExistsException, OpsItemLimitExceededException,
 * OpsItemInvalidParameterException, OpsItemAccessDeniedException; UpdateOpsItem adds
 * OpsItemNotFoundException and OpsItemConflictException; DescribeOpsItems only InternalServerError),
 * plus the common ThrottlingException (the model declares it on no OpsItem operation); as Step
 * Functions names them: `Ssm.<Name>`, with the Exception suffix added where the model has none, so
 * InternalServerError arrives as `Ssm.InternalServerErrorException` ("Learning to use AWS service SDK
 * integrations in Step Functions", docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
 */
export const OPS_CENTER_ERRORS = [
    "OpsItemAlreadyExistsException", "OpsItemInvalidParameterException", "OpsItemLimitExceededException", "OpsItemAccessDeniedException",
    "OpsItemNotFoundException", "OpsItemConflictException", "InternalServerErrorException", "ThrottlingException",
] as const;

const CREATE_FIELDS = ["Title", "Description", "Source", "Category", "OpsItemType", "Severity", "Priority", "OperationalData", "Notifications", "RelatedOpsItems", "Tags",
    "ActualStartTime", "ActualEndTime", "PlannedStartTime", "PlannedEndTime", "AccountId"];
const UPDATE_FIELDS = ["OpsItemId", "OpsItemArn", "Title", "Description", "Status", "Category", "Severity", "Priority", "OperationalData", "OperationalDataToDelete", "Notifications", "RelatedOpsItems",
    "ActualStartTime", "ActualEndTime", "PlannedStartTime", "PlannedEndTime"];
/** OpsItemStatus values of the model that UpdateOpsItem may set for an /aws/issue OpsItem. */
const STATUSES = ["Open", "InProgress", "Resolved"];
const OPS_ITEM_ID = /^(oi)-[0-9a-f]{12}$/;

function bytes(text: string): number {
    return Buffer.byteLength(text, "utf8");
}

function length(text: string): number {
    return [...text].length;
}

/**
 * Systems Manager OpsCenter offline: CreateOpsItem, GetOpsItem, UpdateOpsItem and DescribeOpsItems
 * (the filter the workflow uses). It enforces the documented request limits (lib/limits.ts
 * OPSCENTER_LIMITS: lengths, Source, Severity, Priority, operational-data keys and sizes, the reserved
 * keys' formats, related OpsItems), OpsCenter's deduplication (a `/aws/dedup` string matching an Open
 * or InProgress OpsItem creates nothing: "Managing duplicate OpsItems", Systems Manager user guide,
 * docs.aws.amazon.com/systems-manager/latest/userguide/OpsCenter-working-deduplication.html. What
 * CreateOpsItem answers then is not confirmed in AWS's docs: the stand-in assumes
 * OpsItemAlreadyExistsException, the model's error that carries an OpsItemId) and the monthly quota (OpsItemLimitExceededException past 10,000
 * OpsItems created in a calendar month; `monthlyQuota` lowers it for tests). Errors are named as the
 * Step Functions SDK integration reports them (`Ssm.<Name>`). Time comes from `clock`.
 */
export class OpsCenterStandIn {
    readonly opsItems: StoredOpsItem[] = [];
    /** OpsItems by the deduplication string they were created with, in creation order, and how many were created per month (a create looks these up instead of scanning every OpsItem). */
    private readonly byDedup = new Map<string, StoredOpsItem[]>();
    private readonly createdPerMonth = new Map<string, number>();
    readonly callsOf: Record<OpsCenterOperation, number> = { createOpsItem: 0, getOpsItem: 0, updateOpsItem: 0, describeOpsItems: 0 };
    /** What "now" is for the service. Default: the wall clock. */
    clock: () => string = () => new Date().toISOString();
    /** Responders resolve every OpsItem this many milliseconds after it was created (the replay's `--resolve-incidents-after`). */
    respondersResolveAfterMs?: number;
    /** OpsItems the account may create per calendar month (OpsCenter's quota). */
    monthlyQuota: number = OPSCENTER_LIMITS.opsItemsPerMonth;
    /** CreateOpsItem calls refused with OpsItemLimitExceededException. */
    limitExceeded = 0;
    private readonly byId = new Map<string, StoredOpsItem>();
    private readonly faults: Array<{ operation: OpsCenterOperation; errorName: string }> = [];

    constructor(readonly account: string, readonly region: string, readonly partition = "aws") {}

    /** The next `times` calls of `operation` (default CreateOpsItem) fail with `errorName`. */
    failNext(errorName: string, times = 1, operation: OpsCenterOperation = "createOpsItem"): void {
        for (let i = 0; i < times; i++) this.faults.push({ operation, errorName });
    }

    private enter(operation: OpsCenterOperation): void {
        this.callsOf[operation]++;
        const index = this.faults.findIndex(f => f.operation === operation);
        if (index >= 0) {
            const fault = this.faults.splice(index, 1)[0].errorName;
            throw this.error(fault, `injected ${fault}`);
        }
    }

    private error(name: string, message: string): StatesError {
        const code = name.endsWith("Exception") ? name : `${name}Exception`;
        return new StatesError(`Ssm.${code}`, `${message} (Service: Ssm, Error Code: ${name})`);
    }

    async createOpsItem(request: CreateOpsItemRequest): Promise<{ OpsItemId: string; OpsItemArn: string }> {
        this.enter("createOpsItem");
        const problems = this.createProblems(request);
        if (problems.length > 0) throw this.error("OpsItemInvalidParameterException", problems.join("; "));
        for (const related of request.RelatedOpsItems ?? []) {
            if (!this.byId.has(related.OpsItemId)) throw this.error("OpsItemInvalidParameterException", `RelatedOpsItems: ${related.OpsItemId} does not exist`);
        }
        const now = this.clock();
        const dedup = this.dedupString(request);
        if (dedup !== undefined) {
            const open = (this.byDedup.get(dedup) ?? []).find(item => (this.applyResponders(item, now), (OPS_ITEM_OPEN_STATUSES as readonly string[]).includes(item.status)));
            if (open) throw this.error("OpsItemAlreadyExistsException", `an open OpsItem has this deduplication string: OpsItemId ${open.opsItemId}`);
        }
        const month = now.slice(0, 7);
        const thisMonth = this.createdPerMonth.get(month) ?? 0;
        if (thisMonth >= this.monthlyQuota) {
            this.limitExceeded++;
            throw this.error("OpsItemLimitExceededException", `${thisMonth} OpsItems were created this month (${month}); the quota is ${this.monthlyQuota}`);
        }
        if (this.opsItems.length >= OPSCENTER_LIMITS.opsItemsTotal) throw this.error("OpsItemLimitExceededException", `the account has ${OPSCENTER_LIMITS.opsItemsTotal} OpsItems in this Region`);
        const opsItemId = `oi-${crypto.randomBytes(6).toString("hex")}`;
        const item: StoredOpsItem = {
            opsItemId,
            opsItemArn: `arn:${this.partition}:ssm:${this.region}:${this.account}:opsitem/${opsItemId}`,
            request: JSON.parse(JSON.stringify(request)),
            status: "Open",
            createdTime: now,
            lastModifiedTime: now,
            operationalData: JSON.parse(JSON.stringify(request.OperationalData ?? {})),
            updates: 0,
        };
        this.opsItems.push(item);
        this.byId.set(opsItemId, item);
        this.createdPerMonth.set(month, thisMonth + 1);
        if (dedup !== undefined) {
            const same = this.byDedup.get(dedup);
            if (same) same.push(item);
            else this.byDedup.set(dedup, [item]);
        }
        return { OpsItemId: opsItemId, OpsItemArn: item.opsItemArn };
    }

    async getOpsItem(request: { OpsItemId: string; OpsItemArn?: string }): Promise<{ OpsItem: Record<string, unknown> }> {
        this.enter("getOpsItem");
        const item = this.existing(request.OpsItemId);
        return {
            OpsItem: {
                OpsItemId: item.opsItemId,
                OpsItemArn: item.opsItemArn,
                Title: item.request.Title,
                Description: item.request.Description,
                Source: item.request.Source,
                Status: item.status,
                Severity: item.request.Severity,
                Priority: item.request.Priority,
                Category: item.request.Category,
                OpsItemType: item.request.OpsItemType ?? "/aws/issue",
                CreatedTime: item.createdTime,
                LastModifiedTime: item.lastModifiedTime,
                OperationalData: JSON.parse(JSON.stringify(item.operationalData)),
                RelatedOpsItems: item.request.RelatedOpsItems ?? [],
            },
        };
    }

    async updateOpsItem(request: Record<string, any>): Promise<Record<string, never>> {
        this.enter("updateOpsItem");
        const unknown = Object.keys(request).filter(k => !UPDATE_FIELDS.includes(k));
        if (unknown.length > 0) throw this.error("OpsItemInvalidParameterException", `unknown field ${unknown.join(", ")}`);
        const item = this.existing(request.OpsItemId);
        const problems: string[] = [];
        if (request.Status !== undefined && !STATUSES.includes(request.Status)) problems.push(`Status ${JSON.stringify(request.Status)} is not one of ${STATUSES.join(", ")}`);
        if (request.Title !== undefined && !this.lengthWithin(request.Title, 1, OPSCENTER_LIMITS.titleLength)) problems.push(`Title must be 1-${OPSCENTER_LIMITS.titleLength} characters`);
        if (request.Description !== undefined && !this.lengthWithin(request.Description, 1, OPSCENTER_LIMITS.descriptionLength)) problems.push(`Description must be 1-${OPSCENTER_LIMITS.descriptionLength} characters`);
        if (request.OperationalData !== undefined) problems.push(...this.operationalDataProblems(request.OperationalData));
        const L = OPSCENTER_LIMITS;
        if (request.Severity !== undefined && !(L.severities as readonly string[]).includes(request.Severity)) problems.push(`Severity ${JSON.stringify(request.Severity)} is not one of ${L.severities.join(", ")}`);
        if (request.Priority !== undefined && !(Number.isInteger(request.Priority) && request.Priority >= L.minPriority && request.Priority <= L.maxPriority)) problems.push(`Priority ${JSON.stringify(request.Priority)} is not ${L.minPriority}-${L.maxPriority}`);
        if (problems.length > 0) throw this.error("OpsItemInvalidParameterException", problems.join("; "));
        const now = this.clock();
        if (request.Severity !== undefined) item.request.Severity = request.Severity;
        if (request.Priority !== undefined) item.request.Priority = request.Priority;
        Object.assign(item.operationalData, JSON.parse(JSON.stringify(request.OperationalData ?? {})));
        if (request.Status !== undefined && request.Status !== item.status) {
            item.status = request.Status;
            if (request.Status === "Resolved") {
                item.resolvedTime = now;
                item.resolvedBy = "workflow";
            } else {
                delete item.resolvedTime;
                delete item.resolvedBy;
            }
        }
        item.lastModifiedTime = now;
        item.updates++;
        return {};
    }

    /** DescribeOpsItems with the filters the workflow sends (OperationalData Equal, as {"key","value"} JSON). */
    async describeOpsItems(request: { OpsItemFilters?: Array<{ Key: string; Values: string[]; Operator: string }>; MaxResults?: number }): Promise<{ OpsItemSummaries: Array<Record<string, unknown>> }> {
        this.enter("describeOpsItems");
        const now = this.clock();
        let items = [...this.opsItems];
        for (const filter of request.OpsItemFilters ?? []) {
            if (filter.Key !== "OperationalData" || filter.Operator !== "Equal") throw this.error("OpsItemInvalidParameterException", `the stand-in filters only on OperationalData Equal, not ${filter.Key} ${filter.Operator}`);
            const wanted = filter.Values.map(v => {
                try {
                    return JSON.parse(v) as { key: string; value: string };
                } catch {
                    throw this.error("OpsItemInvalidParameterException", `OperationalData filter value ${JSON.stringify(v)} is not {"key":...,"value":...}`);
                }
            });
            items = items.filter(item => wanted.some(w => item.operationalData[w.key]?.Type === "SearchableString" && item.operationalData[w.key]?.Value === w.value));
        }
        items.forEach(item => this.applyResponders(item, now));
        return { OpsItemSummaries: items.slice(0, request.MaxResults ?? 50).map(item => ({ OpsItemId: item.opsItemId, Status: item.status, Title: item.request.Title, Source: item.request.Source })) };
    }

    /** The OpsItem an ARN or ID names. */
    opsItem(arnOrId: string): StoredOpsItem | undefined {
        return this.byId.get(arnOrId.includes("opsitem/") ? arnOrId.slice(arnOrId.indexOf("opsitem/") + "opsitem/".length) : arnOrId);
    }

    /** Every OpsItem as it stands at `now` (responders applied). */
    opsItemsAt(now: string): StoredOpsItem[] {
        this.opsItems.forEach(item => this.applyResponders(item, now));
        return this.opsItems;
    }

    private existing(id: unknown): StoredOpsItem {
        if (typeof id !== "string" || !OPS_ITEM_ID.test(id)) throw this.error("OpsItemInvalidParameterException", `OpsItemId ${JSON.stringify(id)} does not match ^(oi)-[0-9a-f]{12}$`);
        const item = this.byId.get(id);
        if (!item) throw this.error("OpsItemNotFoundException", `OpsItem ${id} does not exist`);
        this.applyResponders(item, this.clock());
        return item;
    }

    private applyResponders(item: StoredOpsItem, now: string): void {
        if (this.respondersResolveAfterMs === undefined || item.status === "Resolved") return;
        const due = Date.parse(item.createdTime) + this.respondersResolveAfterMs;
        if (Date.parse(now) >= due) {
            item.status = "Resolved";
            item.resolvedTime = new Date(due).toISOString();
            item.resolvedBy = "responder";
        }
    }

    private dedupString(request: CreateOpsItemRequest): string | undefined {
        const value = request.OperationalData?.["/aws/dedup"]?.Value;
        if (value === undefined) return undefined;
        try {
            return (JSON.parse(value) as { dedupString?: string }).dedupString;
        } catch {
            return undefined;
        }
    }

    private lengthWithin(text: unknown, min: number, max: number): boolean {
        return typeof text === "string" && length(text) >= min && length(text) <= max;
    }

    /** Every way a CreateOpsItem request breaks the documented limits (empty when it is valid). */
    createProblems(request: CreateOpsItemRequest): string[] {
        const L = OPSCENTER_LIMITS;
        const problems: string[] = [];
        const unknown = Object.keys(request).filter(k => !CREATE_FIELDS.includes(k));
        if (unknown.length > 0) problems.push(`unknown field ${unknown.join(", ")}`);
        if (!this.lengthWithin(request.Title, 1, L.titleLength)) problems.push(`Title must be 1-${L.titleLength} characters`);
        if (!this.lengthWithin(request.Description, 1, L.descriptionLength)) problems.push(`Description must be 1-${L.descriptionLength} characters`);
        if (!this.lengthWithin(request.Source, 1, L.sourceLength)) problems.push(`Source must be 1-${L.sourceLength} characters`);
        else if (L.sourceForbidden.some(word => request.Source.toLowerCase().includes(word))) problems.push(`Source ${JSON.stringify(request.Source)} may not contain ${L.sourceForbidden.join(", ")}`);
        if (request.Severity !== undefined && !(L.severities as readonly string[]).includes(request.Severity)) problems.push(`Severity ${JSON.stringify(request.Severity)} is not one of ${L.severities.join(", ")}`);
        if (request.Priority !== undefined && !(Number.isInteger(request.Priority) && request.Priority >= L.minPriority && request.Priority <= L.maxPriority)) problems.push(`Priority ${JSON.stringify(request.Priority)} is not ${L.minPriority}-${L.maxPriority}`);
        if (request.Category !== undefined && !(L.categories as readonly string[]).includes(request.Category)) problems.push(`Category ${JSON.stringify(request.Category)} is not one of ${L.categories.join(", ")}`);
        if (request.OpsItemType !== undefined && !(L.opsItemTypes as readonly string[]).includes(request.OpsItemType)) problems.push(`OpsItemType ${JSON.stringify(request.OpsItemType)} is not one of ${L.opsItemTypes.join(", ")}`);
        if (request.RelatedOpsItems !== undefined) {
            if (!Array.isArray(request.RelatedOpsItems) || request.RelatedOpsItems.length > L.relatedOpsItems) problems.push(`RelatedOpsItems takes at most ${L.relatedOpsItems}`);
            else request.RelatedOpsItems.forEach((r, i) => { if (typeof r?.OpsItemId !== "string" || !OPS_ITEM_ID.test(r.OpsItemId)) problems.push(`RelatedOpsItems[${i}].OpsItemId ${JSON.stringify(r?.OpsItemId)} is not an OpsItem ID`); });
        }
        if (request.Notifications !== undefined && (!Array.isArray(request.Notifications) || request.Notifications.some(n => typeof n?.Arn !== "string" || !/^arn:aws(-cn|-us-gov)?:sns:/.test(n.Arn)))) problems.push("Notifications: every entry needs the Arn of an SNS topic");
        if (request.OperationalData !== undefined) problems.push(...this.operationalDataProblems(request.OperationalData));
        return problems;
    }

    /** Operational data: key length and prefixes, value size and type, and the reserved keys' formats. */
    private operationalDataProblems(data: unknown): string[] {
        const L = OPSCENTER_LIMITS;
        if (data === null || typeof data !== "object" || Array.isArray(data)) return ["OperationalData must be a map"];
        const problems: string[] = [];
        for (const [key, entry] of Object.entries(data as Record<string, { Type?: string; Value?: string }>)) {
            const reserved = (L.reservedKeys as readonly string[]).includes(key);
            if (!this.lengthWithin(key, 1, L.operationalDataKeyLength)) problems.push(`OperationalData key ${JSON.stringify(key.slice(0, 40))}… is longer than ${L.operationalDataKeyLength}`);
            if (!reserved && L.operationalDataForbiddenPrefixes.some(p => key.toLowerCase().startsWith(p))) problems.push(`OperationalData key ${JSON.stringify(key)} may not start with ${L.operationalDataForbiddenPrefixes.join(", ")}`);
            if (entry?.Type !== undefined && !(L.operationalDataTypes as readonly string[]).includes(entry.Type)) problems.push(`OperationalData ${key}: Type ${JSON.stringify(entry.Type)} is not ${L.operationalDataTypes.join(" or ")}`);
            const value = entry?.Value;
            if (typeof value !== "string" || !/\S/.test(value)) { problems.push(`OperationalData ${key}: Value must contain a character that is not white space`); continue; }
            if (bytes(value) > L.operationalDataValueBytes) problems.push(`OperationalData ${key}: Value is ${bytes(value)} bytes, more than ${L.operationalDataValueBytes}`);
            if (reserved) problems.push(...this.reservedProblems(key, value));
        }
        return problems;
    }

    private reservedProblems(key: string, value: string): string[] {
        const L = OPSCENTER_LIMITS;
        let parsed: any;
        try {
            parsed = JSON.parse(value);
        } catch {
            return [`OperationalData ${key}: Value is not JSON`];
        }
        if (key === "/aws/dedup") {
            return typeof parsed?.dedupString === "string" && length(parsed.dedupString) >= 1 && length(parsed.dedupString) <= L.dedupStringLength ? [] : [`/aws/dedup: dedupString must be 1-${L.dedupStringLength} characters`];
        }
        if (key === "/aws/resources") {
            if (!Array.isArray(parsed) || parsed.length > L.resourceArns) return [`/aws/resources: a list of at most ${L.resourceArns} {"arn": ...}`];
            return parsed.some((r: any) => typeof r?.arn !== "string" || !r.arn.startsWith("arn:")) ? ["/aws/resources: every entry needs an arn"] : [];
        }
        return Array.isArray(parsed) && parsed.every((a: any) => a?.automationType === "AWS::SSM::Automation" && typeof a?.automationId === "string" && a.automationId.length > 0)
            ? [] : ["/aws/automations: a list of {\"automationType\": \"AWS::SSM::Automation\", \"automationId\": <document>}"];
    }
}
