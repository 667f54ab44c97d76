import * as fs from "fs";
import * as path from "path";
import { DEFAULT_INCIDENT_IMPACT, ocsfSeverityIdsFor, SEVERITY_LABELS, SeverityLabel } from "./severity";
import { AWS_REGION_PATTERN, DYNAMODB_LIMITS, INCIDENT_ARN_PATTERN, INCIDENT_LIMITS, ISO_TIMESTAMP_PATTERN, MAX_REGION_LENGTH, OCSF_ARCHIVED_STATUS_ID, OCSF_EVENT_DETAIL_TYPE, OCSF_STATUS_ID_BY_WORKFLOW_STATUS, OPS_ITEM_OPEN_STATUSES, OPSCENTER_LIMITS, SECURITY_HUB_LIMITS } from "./limits";
import type { IncidentBackend } from "./config/backend";
import { SUPPRESSION_NOTE_AUTHOR } from "./suppressions";
import { OPS_ITEM_RUNBOOK_PARAMETERS } from "./runbookParameters";

export const STATE_MACHINE_DIR = path.join(__dirname, "..", "statemachine");
export const STATE_MACHINE_TEMPLATE = "incident-workflow.asl.json";

/** The dedup record's key and expiry attribute; the table and the template must agree. */
export const DEDUP_KEY_ATTRIBUTE = "FindingId";
export const DEDUP_EXPIRY_ATTRIBUTE = "ExpiresAt";

/** What Incident Manager shows as the trigger source (≤ 50 characters, must not start with "aws."). */
export const TRIGGER_SOURCE = "securityhub-incidents";

/**
 * How this project marks the Note it writes on a finding: an open link starts with the open
 * prefix (the lifecycle rule matches it), a closed one with the closed prefix (matched by nothing).
 */
export const NOTE_AUTHOR = "securityhub-incidents";
export const NOTE_OPEN_PREFIX = "[securityhub-incidents] open:";
export const NOTE_CLOSED_PREFIX = "[securityhub-incidents] closed:";

/**
 * A NEW event whose finding was updated this long after the workflow notified it is a re-open even
 * if its Note is not the one the workflow wrote (a person edited it); before that, it may be a
 * re-import that raced the NOTIFIED update, which Security Hub applies within minutes.
 */
export const REOPEN_GRACE_SECONDS = 3600;

/**
 * A re-open lock, or a first claim that no incident is linked to, left by an execution that never
 * gave it back lapses after this long (far longer than any execution runs).
 */
export const REOPEN_LOCK_SECONDS = 86400;

/**
 * RecordClosed locks the close of a finding to its execution (ClosingUntil) for this long: a
 * redelivery of the event within it stops at AlreadyClosed, a later attempt closes the finding
 * again (the same Note), which makes good an execution that could write neither the Note nor the
 * record back. Longer than the close path runs after RecordClosed (every write-back attempt with
 * its retries, the waits between attempts and RestoreOpenNote's retries: checked against the
 * rendered definition in tests/stateMachineDefinition.test.ts), and shorter than the default delay
 * of the retry of failed executions (15 min, lib/config/retry.ts), so that the retry finds it lapsed.
 */
export const CLOSING_LOCK_SECONDS = 600;

/**
 * A write-back (NotifyFinding, CloseNote and their OCSF twins) that Security Hub answers with the
 * finding in `UnprocessedFindings` is made again by the state machine itself (a Choice and a Wait,
 * not the Retry field: Step Functions does not document whether a state's Output is evaluated
 * inside its retry loop), up to this many calls in all, this many seconds apart.
 */
export const WRITE_BACK_ATTEMPTS = 4;
export const WRITE_BACK_RETRY_SECONDS = 3;

/**
 * A copy of a finding more severe than the copy whose execution holds the finding's claim (or
 * re-open lock) and is still opening its incident (OpeningImpact on the record: the twin in the other
 * format, delivered at the same moment) waits for that incident and then raises it: up to this many
 * waits, this many seconds apart (StartIncident and the write-back take seconds). Past them the
 * execution fails (EscalationPending, failed-executions alarm) and the retry of failed executions
 * raises it once the incident is linked.
 */
export const ESCALATION_WAITS = 12;
export const ESCALATION_WAIT_SECONDS = 5;

/**
 * THE INVARIANT the workflow keeps (docs/workflow.md, "When AWS fails"). When an execution ends,
 * for its finding exactly one of these holds:
 *  (a) the finding's record links its incident (its own, or a roll-up it is attached to); or
 *  (b) no live claim of this execution remains (a first claim is given back, a re-open lock
 *      dropped, a roll-up's open-findings set left), the execution FAILED with the error that
 *      stopped it (the failed-executions alarm fires), and the finding can be tried again: the
 *      next attempt, by a retry, a redelivery or a re-import, claims it anew and sends
 *      StartIncident the same client token, so an incident the failed attempt did open is the one
 *      it gets.
 * No path leaves a live claim without an incident. The one exception is DynamoDB refusing even the
 * release: the claim then lapses on its own (ClaimedUntil, REOPEN_LOCK_SECONDS) and the execution
 * still fails. Every Task state that runs while the execution holds such a claim catches every
 * error into WhichClaim (see tests/faults.test.ts).
 */
export const WORKFLOW_INVARIANT = "every ended execution either links its finding's incident in the record, or holds no live claim and has failed";

/**
 * Toggles derived from the settings rather than set directly: `stopRunbooks`, the states that
 * stop a resolved incident's runbooks (ReadRunbooks and what follows it), is on with
 * resolveIncidentsWithFindings and either the Incident Manager backend (the response plan started
 * the runbook) or the OpsCenter backend with opsItemStartRunbook (the workflow started it; without
 * it an OpsItem only lists its runbook).
 */
export interface DerivedToggles {
    stopRunbooks: boolean;
}

/** The states the OpsCenter backend leaves out (their toggle is off there) and so does not rewrite. */
export const INCIDENT_MANAGER_ONLY_TOGGLE: keyof DerivedToggles = "stopRunbooks";

/** Optional parts of the workflow: states marked `[only with <toggle>]` exist only when it is on. */
export interface WorkflowToggles {
    /** Write NOTIFIED and the incident back to the finding; resolution and re-open build on it. */
    notifyFindings: boolean;
    /** Resolve the incident when its finding is resolved, suppressed or archived. */
    resolveIncidentsWithFindings: boolean;
    /** Count incidents per group (control or account) and window, and roll up past the threshold. */
    stormRollUp: boolean;
    /** Read OCSF findings ("Findings Imported V2") and write them back with BatchUpdateFindingsV2. */
    ocsfFindings: boolean;
    /**
     * One incident per account, Region, security control and resource for the standards' own
     * control findings (consolidated control findings off): the problem groups of
     * problem-facts.jsonata (docs/lifecycle.md, "One problem, several standards").
     */
    groupStandardFindings: boolean;
}

/** How storms are counted (lib/config/storms.ts). */
export interface StormInputs {
    stormThreshold: number;
    stormWindowMinutes: number;
    stormGroupBy: "control" | "account" | "off";
    maxIncidentsPerHour: number;
}

/** Storm defaults, as the settings have them. */
export const DEFAULT_STORMS: StormInputs = { stormThreshold: 10, stormWindowMinutes: 60, stormGroupBy: "control", maxIncidentsPerHour: 50 };

/** The per-stack values the template is rendered with. */
export interface WorkflowInputs extends Partial<WorkflowToggles> {
    tableName: string;
    /**
     * The response plan incidents are started with, unless their severity has a plan of its own.
     * Required with the Incident Manager backend; the OpsCenter backend has no plan.
     */
    responsePlanArn?: string;
    /**
     * Response plan per severity label (the `responsePlans` setting), and per `<account>|<label>`
     * for plans that name accounts (lib/responsePlans.ts). Default: none, all use responsePlanArn.
     */
    responsePlanArnBySeverity?: Partial<Record<SeverityLabel, string>> & Record<string, string | undefined>;
    dedupTtlDays: number;
    impactBySeverity: Record<SeverityLabel, number>;
    /** Days a record is kept after its finding closed (resolved, suppressed, archived). Default: 365. */
    recordRetentionDays?: number;
    /** Open incidents for findings another tool marked NOTIFIED before the workflow saw them. Default: false. */
    openFindingsNotifiedByOthers?: boolean;
    /** How storms are counted. Default: DEFAULT_STORMS. */
    storms?: Partial<StormInputs>;
    /** The finding formats the stack's rules send (findingFormats). Default: ASFF only. */
    findingFormats?: readonly string[];
    /** Where incidents are opened (lib/config/backend.ts). Default: incident-manager. */
    incidentBackend?: IncidentBackend;
    /** What the OpsCenter backend needs; required with incidentBackend "opscenter". */
    opsCenter?: OpsCenterInputs;
}

/** The per-stack values of the OpsCenter backend (settings opsItem*, and the runbook it lists). */
export interface OpsCenterInputs {
    /** OpsItem Severity ("1"-"4") per severity label. */
    severityBySeverity: Record<SeverityLabel, string>;
    /** OpsItem Priority (1-5) per severity label. */
    priorityBySeverity: Record<SeverityLabel, number>;
    /** SNS topic an OpsItem of a severity notifies (OpsItem Notifications). Default: none. */
    notificationTopicArnBySeverity?: Partial<Record<SeverityLabel, string>>;
    /** The runbook document listed on every OpsItem (`/aws/automations`). */
    runbookDocumentName: string;
    /**
     * Start that runbook for every OpsItem the workflow opens (StartRunbook), and stop it when the
     * workflow resolves the OpsItem (setting opsItemStartRunbook). Default: false, listed only.
     */
    startRunbook?: boolean;
}

/** The template files: the ASL document and the JSONata programs it includes by placeholder. */
export interface WorkflowTemplates {
    template: { name: string; text: string };
    /**
     * Placeholder name → JSONata program, inserted as one line of text wherever `${name}` stands
     * (in the template, as "{% ${name} %}", or inside another program). The placeholder is the
     * file's name in camelCase: `dedup-key.jsonata` fills `${dedupKey}`.
     */
    expressions: Record<string, { name: string; text: string }>;
}

export class TemplateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TemplateError";
    }
}

/** `start-incident-arguments.jsonata` → `startIncidentArguments`. */
export function placeholderForProgram(file: string): string {
    return file.replace(/\.jsonata$/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads statemachine/: the ASL template and every `<name>.jsonata` program beside it. */
export function loadWorkflowTemplates(dir: string = STATE_MACHINE_DIR): WorkflowTemplates {
    const read = (file: string) => ({ name: path.join(path.basename(dir), file), text: fs.readFileSync(path.join(dir, file), "utf8") });
    const expressions: WorkflowTemplates["expressions"] = {};
    for (const file of fs.readdirSync(dir).filter(f => f.endsWith(".jsonata")).sort()) {
        expressions[placeholderForProgram(file)] = read(file);
    }
    return { template: read(STATE_MACHINE_TEMPLATE), expressions };
}

type PlaceholderValue = string | number | Record<string, unknown> | unknown[];
const PLACEHOLDER = /\$\{([A-Za-z0-9_]*)\}/g;

function asText(value: PlaceholderValue): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Fills `${name}` placeholders in one text. Throws on a placeholder that has no value, naming
 * the file; records which values were used so the caller can reject values nobody asked for.
 */
function fillText(text: string, values: Record<string, PlaceholderValue | undefined>, source: string, used: Set<string>): string {
    return text.replace(PLACEHOLDER, (_, name: string) => {
        const value = typeof values[name] === "function" ? (values[name] as unknown as () => string)() : values[name];
        if (!(name in values)) {
            throw new TemplateError(`${source}: unknown placeholder \${${name}}; known placeholders: ${Object.keys(values).sort().join(", ")}`);
        }
        if (value === undefined || value === null || value === "") {
            throw new TemplateError(`${source}: placeholder \${${name}} has no value`);
        }
        used.add(name);
        return asText(value);
    });
}

/** Walks the parsed template; a string that is exactly one placeholder takes the value itself. */
function fillJson(node: unknown, values: Record<string, PlaceholderValue | undefined>, source: string, used: Set<string>): unknown {
    if (typeof node === "string") {
        const whole = /^\$\{([A-Za-z0-9_]*)\}$/.exec(node);
        if (whole && whole[1] in values && values[whole[1]] !== undefined && typeof values[whole[1]] !== "string" && typeof values[whole[1]] !== "function") {
            used.add(whole[1]);
            return values[whole[1]];
        }
        return fillText(node, values, source, used);
    }
    if (Array.isArray(node)) return node.map(item => fillJson(item, values, source, used));
    if (node !== null && typeof node === "object") {
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fillJson(v, values, source, used)]));
    }
    return node;
}

/**
 * A JSONata program as the one-line expression ASL expects: comment lines (a line that is all
 * comment) are dropped and line breaks with their indentation become one space, so string
 * literals, which never span lines, are kept as written.
 */
export function toOneLine(program: string): string {
    return program
        .replace(/^[ \t]*\/\*[\s\S]*?\*\/[ \t]*$/gm, "")
        .split("\n")
        .map(line => line.trim())
        .filter(line => line.length > 0)
        .join(" ");
}

/** The values every template placeholder is filled with. */
export function placeholderValues(inputs: WorkflowInputs): Record<string, PlaceholderValue> {
    const storms = { ...DEFAULT_STORMS, ...(inputs.storms ?? {}) };
    return {
        tableName: inputs.tableName,
        dedupTtlSeconds: inputs.dedupTtlDays * 86400,
        recordRetentionSeconds: (inputs.recordRetentionDays ?? 365) * 86400,
        openNotifiedByOthers: String(inputs.openFindingsNotifiedByOthers === true),
        groupStandardFindings: String(inputs.groupStandardFindings ?? true),
        noteAuthor: NOTE_AUTHOR,
        noteOpenPrefix: NOTE_OPEN_PREFIX,
        noteClosedPrefix: NOTE_CLOSED_PREFIX,
        noteClosedPrefixLength: NOTE_CLOSED_PREFIX.length,
        noteOpenPrefixLength: NOTE_OPEN_PREFIX.length,
        suppressionNoteAuthor: SUPPRESSION_NOTE_AUTHOR,
        noteClosedMatch: `${NOTE_CLOSED_PREFIX.replace(/[\\*]/g, c => `\\${c}`)}*`,
        maxNoteLength: SECURITY_HUB_LIMITS.noteTextLength,
        maxTimelineEventDataLength: INCIDENT_LIMITS.timelineEventDataLength,
        // Incident Manager's related-item ARN pattern; link-checks.jsonata keeps related items' and resources' ARNs to it for both backends.
        arnPattern: INCIDENT_ARN_PATTERN,
        ...backendValues(inputs),
        reopenGraceMillis: REOPEN_GRACE_SECONDS * 1000,
        reopenLockSeconds: REOPEN_LOCK_SECONDS,
        closingLockSeconds: CLOSING_LOCK_SECONDS,
        maxWriteBackAttempts: WRITE_BACK_ATTEMPTS,
        writeBackRetrySeconds: WRITE_BACK_RETRY_SECONDS,
        maxEscalationWaits: ESCALATION_WAITS,
        escalationWaitSeconds: ESCALATION_WAIT_SECONDS,
        stormGroupBy: storms.stormGroupBy,
        stormThreshold: storms.stormThreshold,
        stormWindowMinutes: storms.stormWindowMinutes,
        stormWindowMillis: storms.stormWindowMinutes * 60_000,
        maxIncidentsPerHour: storms.maxIncidentsPerHour,
        // A roll-up opens with one related item; the rest of Incident Manager's cap goes to attached findings.
        maxRollupRelatedItems: INCIDENT_LIMITS.relatedItems - 1,
        severityLabelsBySeverity: [...SEVERITY_LABELS].reverse(),
        // A storm item counts each severity in an attribute of this prefix and the label.
        severityCounterPrefix: "Severity",
        defaultImpact: DEFAULT_INCIDENT_IMPACT,
        ocsfDetailType: OCSF_EVENT_DETAIL_TYPE,
        severityLabelByOcsfId: Object.fromEntries([
            ...SEVERITY_LABELS.flatMap(label => ocsfSeverityIdsFor(label).map(id => [String(id), label])),
        ]),
        workflowStatusByOcsfId: Object.fromEntries(Object.entries(OCSF_STATUS_ID_BY_WORKFLOW_STATUS).map(([status, id]) => [String(id), status])),
        ocsfNotifiedStatusId: OCSF_STATUS_ID_BY_WORKFLOW_STATUS.NOTIFIED,
        ocsfResolvedStatusId: OCSF_STATUS_ID_BY_WORKFLOW_STATUS.RESOLVED,
        ocsfSuppressedStatusId: OCSF_STATUS_ID_BY_WORKFLOW_STATUS.SUPPRESSED,
        ocsfArchivedStatusId: OCSF_ARCHIVED_STATUS_ID,
        impactBySeverity: { ...inputs.impactBySeverity },
        regionPattern: AWS_REGION_PATTERN,
        maxRegionLength: MAX_REGION_LENGTH,
        timestampPattern: ISO_TIMESTAMP_PATTERN,
        maxArnLength: INCIDENT_LIMITS.identifierArnLength,
        maxUrlLength: INCIDENT_LIMITS.identifierUrlLength,
        maxPlainKeyLength: DYNAMODB_LIMITS.plainKeyCodePoints,
    };
}

/**
 * The values only one backend's programs use (the other backend's values would be reported unused).
 * Incident Manager: its plans and trigger; OpsCenter: the OpsItem fields the stack configures.
 */
function backendValues(inputs: WorkflowInputs): Record<string, PlaceholderValue> {
    if ((inputs.incidentBackend ?? "incident-manager") === "incident-manager") {
        return {
            responsePlanArn: inputs.responsePlanArn as string,
            responsePlanArnBySeverity: { ...(inputs.responsePlanArnBySeverity ?? {}) },
            incidentsConsolePath: "/systems-manager/incidents/home",
            triggerSource: TRIGGER_SOURCE,
            maxTitleLength: INCIDENT_LIMITS.titleLength,
            maxRelatedItems: INCIDENT_LIMITS.relatedItems,
            maxRawDataLength: INCIDENT_LIMITS.triggerRawDataLength,
        };
    }
    const ops = inputs.opsCenter;
    if (!ops) throw new TemplateError("incidentBackend opscenter: the OpsCenter inputs (opsCenter) are missing");
    return {
        incidentsConsolePath: "/systems-manager/opsitems",
        opsItemSource: OPS_ITEM_SOURCE,
        opsItemDataPrefix: OPS_ITEM_DATA_PREFIX,
        opsItemSeverityBySeverity: { ...ops.severityBySeverity },
        opsItemPriorityBySeverity: { ...ops.priorityBySeverity },
        // An empty map renders as {} (a value, not "no value").
        opsItemTopicBySeverity: { ...(ops.notificationTopicArnBySeverity ?? {}) },
        runbookDocumentName: ops.runbookDocumentName,
        maxOpsItemTitleLength: OPSCENTER_LIMITS.titleLength,
        maxOpsItemDescriptionLength: OPSCENTER_LIMITS.descriptionLength,
        maxOpsItemResources: OPSCENTER_LIMITS.resourceArns,
        // Characters, not bytes: a code point takes at most 4 bytes of UTF-8, so this stays within 20 KB.
        maxOperationalDataValueLength: Math.floor(OPSCENTER_LIMITS.operationalDataValueBytes / 4),
    };
}

/**
 * The programs only one backend's states include (statemachine/<name>.jsonata, by placeholder);
 * the other backend's are not offered, so that every program offered is used.
 */
export const BACKEND_PROGRAMS: Readonly<Record<IncidentBackend, readonly string[]>> = {
    "incident-manager": ["startIncidentArguments", "startRollupArguments"],
    opscenter: ["opsItemRequest", "createOpsItemArguments", "createRollupOpsItemArguments", "opsItemNoteArguments", "opsItemRelatedFindingArguments",
        "opsItemToken", "rollupOpsItemToken", "problemOpsItemToken", "findOpsItemArguments", "foundOpsItemOutput"],
};

/**
 * The backend's program for one finding's incident request, as `${incidentRequestArguments}`
 * (elect-problem-arguments.jsonata stores it for a problem group's members to send).
 */
export const INCIDENT_REQUEST_PROGRAM: Readonly<Record<IncidentBackend, string>> = {
    "incident-manager": "startIncidentArguments",
    opscenter: "createOpsItemArguments",
};

/** What the OpsCenter backend names as an OpsItem's Source (1-128, no "aws", "amazon" or "amzn"). */
export const OPS_ITEM_SOURCE = TRIGGER_SOURCE;
/** Every operational-data key of our own starts with this (own keys may not start with aws, amazon, amzn or ssm). */
export const OPS_ITEM_DATA_PREFIX = "securityhub-incidents:";

/**
 * THE BACKEND SEAM. The template is written for Incident Manager; with backend `opscenter` each Task
 * state that calls Incident Manager is given OpsCenter's call instead (Resource, Arguments, and the
 * Output that reads the result), and its Retry/Catch error names are translated. Nothing else of the
 * workflow differs: dedup, claims, lifecycle, storms, formats and alarms are the same states. A Task
 * calling Incident Manager that has no row here fails the render (no Incident Manager call may remain).
 */
export const OPSCENTER_STATES: Readonly<Record<string, { Resource: string; Arguments: unknown; Output?: string }>> = {
    CheckIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:getOpsItem",
        // A record linked to an incident of the other backend (a stack moved to OpsCenter) asks for an
        // OpsItem ID no OpsItem has ("oi-" and 12 zeros): OpsItemNotFoundException, which the state
        // takes as closed, so the re-open gets a new OpsItem naming the old incident (docs/opscenter.md).
        Arguments: { OpsItemId: "{% $contains($states.input.IncidentArn, /:opsitem\\/oi-[0-9a-f]{12}$/) ? $substringAfter($states.input.IncidentArn, 'opsitem/') : 'oi-000000000000' %}" },
        // Open and InProgress are open (the dedup string blocks a new OpsItem for them); anything else is closed.
        Output: `{% $merge([$states.input, {'IncidentStatus': $states.result.OpsItem.Status in ${JSON.stringify(OPS_ITEM_OPEN_STATUSES)} ? 'OPEN' : $uppercase($states.result.OpsItem.Status)}]) %}`,
    },
    AddReopenedTimeline: { Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem", Arguments: "{% ${opsItemNoteArguments} %}" },
    // A problem group's OpsItem: the elected CreateOpsItem request (elect-problem-arguments.jsonata), and its status as CheckIncident reads it.
    OpenProblemIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:createOpsItem",
        Arguments: "{% $parse($states.input.ProblemRequest) %}",
        Output: "{% $merge([$states.input, {'IncidentArn': $states.result.OpsItemArn}]) %}",
    },
    CheckProblemIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:getOpsItem",
        Arguments: { OpsItemId: "{% $contains($states.input.ProblemIncidentArn, /:opsitem\\/oi-[0-9a-f]{12}$/) ? $substringAfter($states.input.ProblemIncidentArn, 'opsitem/') : 'oi-000000000000' %}" },
        Output: `{% $merge([$states.input, {'ProblemStatus': $states.result.OpsItem.Status in ${JSON.stringify(OPS_ITEM_OPEN_STATUSES)} ? 'OPEN' : $uppercase($states.result.OpsItem.Status), 'IncidentArn': $states.input.ProblemIncidentArn, 'StormItem': $states.input.ProblemItem}]) %}`,
    },
    OpenRollup: {
        Resource: "arn:aws:states:::aws-sdk:ssm:createOpsItem",
        Arguments: "{% ${createRollupOpsItemArguments} %}",
        Output: "{% $merge([$states.input, {'IncidentArn': $states.result.OpsItemArn}]) %}",
    },
    AddRelatedItem: { Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem", Arguments: "{% ${opsItemRelatedFindingArguments} %}" },
    AddAttachedTimeline: { Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem", Arguments: "{% ${opsItemNoteArguments} %}" },
    OpenIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:createOpsItem",
        Arguments: "{% ${createOpsItemArguments} %}",
        Output: "{% $merge([$states.input, {'IncidentArn': $states.result.OpsItemArn}]) %}",
    },
    AddClosedTimeline: { Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem", Arguments: "{% ${opsItemNoteArguments} %}" },
    ResolveIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem",
        Arguments: { OpsItemId: "{% $substringAfter($states.input.IncidentArn, 'opsitem/') %}", Status: "Resolved" },
    },
    // A more severe copy of the finding raises the OpsItem's Severity and Priority to its label's
    // (the decision compares impactBySeverity, as for incidents); AddEscalatedTimeline adds the note.
    EscalateIncident: {
        Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem",
        Arguments: {
            OpsItemId: "{% $substringAfter($states.input.IncidentArn, 'opsitem/') %}",
            Severity: "{% $lookup(${opsItemSeverityBySeverity}, ${finding}.Severity.Label) %}",
            Priority: "{% $lookup(${opsItemPriorityBySeverity}, ${finding}.Severity.Label) %}",
        },
    },
    AddEscalatedTimeline: { Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem", Arguments: "{% ${opsItemNoteArguments} %}" },
    // [only with stopRunbooks], here with opsItemStartRunbook: the runbook the workflow started for
    // the OpsItem is the execution ID RecordRunbook wrote into its operational data
    // (`securityhub-incidents:runbook`); an OpsItem without that entry started none.
    ReadRunbooks: {
        Resource: "arn:aws:states:::aws-sdk:ssm:getOpsItem",
        Arguments: { OpsItemId: "{% $substringAfter($states.input.IncidentArn, 'opsitem/') %}" },
        Output: "{% ( $v := $lookup($states.result.OpsItem.OperationalData, '${opsItemDataPrefix}runbook').Value; $ids := $type($v) = 'string' and $length($v) = 36 ? [$v] : []; $merge([$states.input, {'Runbooks': $ids, 'RunbookIndex': 0, 'RunbooksLeft': $count($ids)}]) ) %}",
    },
};

/**
 * States only the OpsCenter backend has: CreateOpsItem has no client token, so when it refuses a
 * create because an open OpsItem has the same dedup string (a retry after a lost response, or a
 * racing roll-up opener), the OpsItem is looked up by the token it carries. Each pair is entered
 * only from the Catch of its create state; what they reach is what the create reaches. `template`
 * has its create states rewritten already (their Retry names OpsCenter's errors).
 */
function opsCenterExtraStates(template: Record<string, any>, startRunbook: boolean, nextOf: { OpenIncident: string; OpenRollup: string; OpenProblemIncident: string }): Record<string, any> {
    const retry = template.States.OpenIncident.Retry;
    const find = (name: string, token: string, found: string, next: string) => ({
        [name]: {
            Comment: "Backend opscenter: the create was refused because an open OpsItem has this dedup string; find it by its token (find-ops-item-arguments.jsonata).",
            Type: "Task",
            QueryLanguage: "JSONata",
            Resource: "arn:aws:states:::aws-sdk:ssm:describeOpsItems",
            Arguments: `{% \${findOpsItemArguments}(\${${token}}) %}`,
            Output: "{% ${foundOpsItemOutput} %}",
            Retry: retry,
            Catch: [{ ErrorEquals: ["States.ALL"], Output: "{% $merge([$states.errorOutput, {'Reopen': $exists($states.input.PreviousIncidentArn)}]) %}", Next: "WhichClaim" }],
            Next: found,
        },
        [found]: {
            Type: "Choice",
            Choices: [{ Variable: "$.OpsItemFound", BooleanEquals: true, Next: next }],
            Default: "WhichClaim",
        },
    });
    if (!startRunbook) {
        return {
            ...find("FindOpsItem", "opsItemToken", "FoundOpsItem", template.States.OpenIncident.Next),
            ...find("FindRollupOpsItem", "rollupOpsItemToken", "FoundRollupOpsItem", template.States.OpenRollup.Next),
            ...find("FindProblemOpsItem", "problemOpsItemToken", "FoundProblemOpsItem", template.States.OpenProblemIncident.Next),
        };
    }
    // opsItemStartRunbook: whichever way the OpsItem was found (created, or looked up after a
    // refused duplicate), its runbook is started before the workflow goes on.
    return {
        ...find("FindOpsItem", "opsItemToken", "FoundOpsItem", "StartRunbook"),
        ...find("FindRollupOpsItem", "rollupOpsItemToken", "FoundRollupOpsItem", "StartRollupRunbook"),
        ...find("FindProblemOpsItem", "problemOpsItemToken", "FoundProblemOpsItem", "StartProblemRunbook"),
        ...runbookStates(template, "StartRunbook", "RecordRunbook", nextOf.OpenIncident),
        ...runbookStates(template, "StartRollupRunbook", "RecordRollupRunbook", nextOf.OpenRollup),
        // A problem group's OpsItem: every racer that created or found it starts the same execution (the token derives from the OpsItem).
        ...runbookStates(template, "StartProblemRunbook", "RecordProblemRunbook", nextOf.OpenProblemIncident),
    };
}

/** The OpsItem the state's input links, by ID (its ARN ends in `opsitem/<id>`). */
const OPS_ITEM_ID = "$substringAfter($states.input.IncidentArn, 'opsitem/')";


/**
 * Backend opscenter with opsItemStartRunbook: start the stack's runbook for the OpsItem, then write
 * its execution ID into the OpsItem (what ReadRunbooks reads back to stop it when the workflow
 * resolves the OpsItem). StartAutomationExecution (API reference,
 * docs.aws.amazon.com/systems-manager/latest/APIReference/API_StartAutomationExecution.html) takes
 * a ClientToken in UUID format: derived from the OpsItem, so a retry after a lost response, or a
 * later execution that finds the same OpsItem, asks for the same execution instead of a second one.
 * Throttling (1 request per second by default, lib/limits.ts API_RATES) and Automation's limit of
 * concurrent executions (AutomationExecutionLimitExceededException) are retried with backoff; if
 * the start still fails, nothing is lost: the OpsItem exists and lists the runbook, the execution
 * goes on to link it, its output says `RunbookNotStarted`, and the OpsItem gets a
 * `securityhub-incidents:runbook-not-started` entry. Neither state gives up the claim: the OpsItem
 * exists, so every error goes on to link it.
 */
function runbookStates(template: Record<string, any>, start: string, record: string, next: string): Record<string, any> {
    const noteRetry = template.States.AddClosedTimeline.Retry;
    return {
        [start]: {
            Comment: "Backend opscenter, opsItemStartRunbook: starts the runbook for the OpsItem (its ID as OpsItemId). Throttling and Automation's concurrency limit are retried; if the start still fails, RunbookNotStarted says so and the OpsItem is linked all the same.",
            Type: "Task",
            QueryLanguage: "JSONata",
            Resource: "arn:aws:states:::aws-sdk:ssm:startAutomationExecution",
            Arguments: {
                DocumentName: "${runbookDocumentName}",
                // The runbook's parameters (lib/runbookParameters.ts OPS_ITEM_RUNBOOK_PARAMETERS): the OpsItem's ID.
                Parameters: Object.fromEntries(Object.keys(OPS_ITEM_RUNBOOK_PARAMETERS).map(name => [name, [`{% ${OPS_ITEM_ID} %}`]])),
                ClientToken: "{% ( $h := $hash($states.input.IncidentArn & '|runbook', 'SHA-256'); $join([$substring($h, 0, 8), $substring($h, 8, 4), $substring($h, 12, 4), $substring($h, 16, 4), $substring($h, 20, 12)], '-') ) %}",
            },
            Output: "{% $merge([$states.input, {'RunbookExecution': $states.result.AutomationExecutionId}]) %}",
            Retry: [
                { ErrorEquals: ["States.QueryEvaluationError"], MaxAttempts: 0 },
                {
                    ErrorEquals: ["Ssm.ThrottlingException", "Ssm.AutomationExecutionLimitExceededException", "Ssm.InternalServerErrorException"],
                    IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 60, JitterStrategy: "FULL",
                },
            ],
            Catch: [{ ErrorEquals: ["States.ALL"], Output: "{% $merge([$states.input, {'RunbookNotStarted': {'Runbook': '${runbookDocumentName}', 'Error': $states.errorOutput.Error}}]) %}", Next: record }],
            Next: record,
        },
        [record]: {
            Comment: "Backend opscenter, opsItemStartRunbook: the OpsItem names its runbook's execution (securityhub-incidents:runbook), or says the runbook did not start (securityhub-incidents:runbook-not-started). If this write fails for good, RunbookNotRecorded says so and the OpsItem is linked all the same.",
            Type: "Task",
            QueryLanguage: "JSONata",
            Resource: "arn:aws:states:::aws-sdk:ssm:updateOpsItem",
            Arguments: `{% { 'OpsItemId': ${OPS_ITEM_ID}, 'OperationalData': $exists($states.input.RunbookExecution) ? { '\${opsItemDataPrefix}runbook': { 'Type': 'SearchableString', 'Value': $states.input.RunbookExecution } } : { '\${opsItemDataPrefix}runbook-not-started': { 'Type': 'String', 'Value': $substring($states.context.Execution.StartTime & ' runbook ' & $states.input.RunbookNotStarted.Runbook & ' was not started: ' & $states.input.RunbookNotStarted.Error, 0, \${maxOperationalDataValueLength}) } } } %}`,
            Output: "{% $states.input %}",
            Retry: noteRetry,
            Catch: [{ ErrorEquals: ["States.ALL"], Output: "{% $merge([$states.input, {'RunbookNotRecorded': $states.errorOutput.Error}]) %}", Next: next }],
            Next: next,
        },
    };
}

/** The create states whose refusal as a duplicate goes to the look-up (opsCenterExtraStates). */
const OPSCENTER_FIND_STATE: Readonly<Record<string, string>> = { OpenIncident: "FindOpsItem", OpenRollup: "FindRollupOpsItem", OpenProblemIncident: "FindProblemOpsItem" };
/** With opsItemStartRunbook, what each create state goes to next (runbookStates). */
const OPSCENTER_RUNBOOK_STATE: Readonly<Record<string, string>> = { OpenIncident: "StartRunbook", OpenRollup: "StartRollupRunbook", OpenProblemIncident: "StartProblemRunbook" };

/**
 * Incident Manager's error names and OpsCenter's for the same case (Step Functions names SDK errors
 * `Ssm.<Name>` with an Exception suffix, "Learning to use AWS service SDK integrations in Step
 * Functions", docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html; the ssm
 * model's OpsItem errors: shared/reference/aws-facts.md). Throttling is not an OpsItem error in the
 * model; it arrives as the common ThrottlingException.
 */
export const OPSCENTER_ERRORS: Readonly<Record<string, string>> = {
    "SsmIncidents.ThrottlingException": "Ssm.ThrottlingException",
    // The model declares it on UpdateOpsItem: "The specified OpsItem is in the process of being deleted."
    "SsmIncidents.ConflictException": "Ssm.OpsItemConflictException",
    "SsmIncidents.InternalServerException": "Ssm.InternalServerErrorException",
    "SsmIncidents.ResourceNotFoundException": "Ssm.OpsItemNotFoundException",
    // A request the service refuses for its content. Whether AWS sends this or the common
    // ValidationException for a value past a model limit is not confirmed in its docs (docs/opscenter.md).
    "SsmIncidents.ValidationException": "Ssm.OpsItemInvalidParameterException",
};

/** Rewrites the parsed template's Incident Manager Task states for the OpsCenter backend (see OPSCENTER_STATES). */
export function withOpsCenterStates(template: Record<string, any>, source = STATE_MACHINE_TEMPLATE, options: { startRunbook?: boolean } = {}): Record<string, any> {
    const errors = (list: string[]) => list.map(name => {
        if (!name.startsWith("SsmIncidents.")) return name;
        const translated = OPSCENTER_ERRORS[name];
        if (!translated) throw new TemplateError(`${source}: error ${name} has no OpsCenter counterpart in OPSCENTER_ERRORS`);
        return translated;
    });
    const states = Object.fromEntries(Object.entries(template.States as Record<string, any>).map(([name, state]) => {
        const calls = typeof state.Resource === "string" && state.Resource.startsWith("arn:aws:states:::aws-sdk:ssmincidents:");
        if (!calls) return [name, state];
        const row = OPSCENTER_STATES[name];
        // Without a row, left out with this backend by its toggle (renderStateMachineDefinition turns it off).
        if (!row && (state.Comment ?? "").includes(`[only with ${INCIDENT_MANAGER_ONLY_TOGGLE}]`)) return [name, state];
        if (!row) throw new TemplateError(`${source}: state ${name} calls Incident Manager (${state.Resource}) but OPSCENTER_STATES has no OpsCenter call for it`);
        const rewritten: Record<string, any> = { ...state, Resource: row.Resource, Arguments: row.Arguments };
        if (row.Output !== undefined) rewritten.Output = row.Output;
        if (state.Retry) rewritten.Retry = state.Retry.map((r: Record<string, any>) => ({ ...r, ErrorEquals: errors(r.ErrorEquals) }));
        if (state.Catch) rewritten.Catch = state.Catch.map((c: Record<string, any>) => ({ ...c, ErrorEquals: errors(c.ErrorEquals) }));
        if (OPSCENTER_FIND_STATE[name]) {
            rewritten.Catch = [{ ErrorEquals: ["Ssm.OpsItemAlreadyExistsException"], Output: "{% $states.input %}", Next: OPSCENTER_FIND_STATE[name] }, ...(rewritten.Catch ?? [])];
            if (options.startRunbook) rewritten.Next = OPSCENTER_RUNBOOK_STATE[name];
        }
        return [name, rewritten];
    }));
    return { ...template, States: { ...states, ...opsCenterExtraStates({ ...template, States: states }, options.startRunbook === true, { OpenIncident: template.States.OpenIncident.Next, OpenRollup: template.States.OpenRollup.Next, OpenProblemIncident: template.States.OpenProblemIncident.Next }) } };
}

/** What an incident's ARN of each backend contains (the other backend's ARN never does). */
export const INCIDENT_ARN_MARK: Readonly<Record<IncidentBackend, string>> = { "incident-manager": ":incident-record/", opscenter: ":opsitem/" };

/**
 * A stack moved from one backend to the other (docs/opscenter.md, "Moving a stack between
 * backends") keeps its records, so a finding may close while its record links an incident of the
 * other backend, which this stack neither may nor can call. ReadLinkedRecord then also works out
 * the closure's facts (lifecycle-facts.jsonata) and names the old incident
 * (`IncidentOfOtherBackend`), and Linked goes past the incident's states straight to RecordClosed:
 * the record and the finding's Note are closed as for any closure, so the finding's later
 * re-imports match no rule, and the execution's output names the old incident, which a responder
 * resolves in the old backend. No state is added: a closure of this backend's incident takes the
 * same transitions as before.
 */
function withOtherBackendGuard(template: Record<string, any>, backend: IncidentBackend): Record<string, any> {
    const read = template.States.ReadLinkedRecord;
    const linked = template.States.Linked;
    if (!read || !linked || typeof read.Output !== "string") return template;
    const expression = /^\{%([\s\S]*)%\}$/.exec(read.Output.trim());
    if (!expression) throw new TemplateError(`state ReadLinkedRecord: its Output is not one JSONata expression`);
    const output = `{% ( $r := ${expression[1].trim()}; $i := $states.result.Item; $exists($i.IncidentArn.S) and $r.Linked and $not($contains($i.IncidentArn.S, '${INCIDENT_ARN_MARK[backend]}')) ? $merge([$r, \${lifecycleFacts}, {'IncidentOfOtherBackend': $i.IncidentArn.S}]) : $r ) %}`;
    // The re-open of a finding linked to an OpsItem, with Incident Manager: CheckIncident asks for
    // an incident record of the stack's plan that no incident has (the IAM policy allows the plan's
    // records only), ResourceNotFoundException counts as closed, and the re-open gets a new incident
    // naming the OpsItem. The OpsCenter row of CheckIncident does the same with an OpsItem ID
    // (OPSCENTER_STATES). Not checked against AWS (it could refuse the request instead: alarm).
    const check = template.States.CheckIncident;
    const checkIncident = backend === "incident-manager" && check?.Arguments?.Arn === "{% $states.input.IncidentArn %}"
        ? { CheckIncident: { ...check, Arguments: { ...check.Arguments, Arn: `{% $contains($states.input.IncidentArn, '${INCIDENT_ARN_MARK["incident-manager"]}') ? $states.input.IncidentArn : $replace('\${responsePlanArn}', ':response-plan/', ':incident-record/') & '/00000000-0000-0000-0000-000000000000' %}` } } }
        : {};
    return {
        ...template,
        States: {
            ...template.States,
            ...checkIncident,
            ReadLinkedRecord: { ...read, Output: output },
            Linked: { ...linked, Choices: [{ Variable: "$.IncidentOfOtherBackend", IsPresent: true, Next: "RecordClosed" }, ...linked.Choices] },
        },
    };
}

/**
 * Renders the state machine definition: JSONata programs first (their own placeholders filled),
 * then the ASL template. Every placeholder must have a value and every value must be used.
 */
export function renderStateMachineDefinition(inputs: WorkflowInputs, templates: WorkflowTemplates = loadWorkflowTemplates()): Record<string, any> {
    const values: Record<string, PlaceholderValue | undefined> = placeholderValues(inputs);
    const used = new Set<string>();
    // Programs may include each other; each is filled once, on first use (a cycle is an error).
    const filled = new Map<string, string>();
    const filling: string[] = [];
    const backend = inputs.incidentBackend ?? "incident-manager";
    const otherPrograms = new Set(Object.entries(BACKEND_PROGRAMS).filter(([b]) => b !== backend).flatMap(([, programs]) => programs));
    for (const [placeholder, file] of Object.entries(templates.expressions)) {
        if (otherPrograms.has(placeholder)) continue;
        (values as Record<string, unknown>)[placeholder] = () => {
            if (filling.includes(placeholder)) throw new TemplateError(`${file.name}: includes itself through ${[...filling, placeholder].join(" → ")}`);
            if (!filled.has(placeholder)) {
                filling.push(placeholder);
                filled.set(placeholder, fillText(toOneLine(file.text), values, file.name, used));
                filling.pop();
            }
            return filled.get(placeholder)!;
        };
    }
    // The backend's request for one finding's incident, under one name for the states of both backends.
    (values as Record<string, unknown>).incidentRequestArguments = () => (values[INCIDENT_REQUEST_PROGRAM[backend]] as unknown as () => string)();
    let parsed: unknown;
    try {
        parsed = JSON.parse(templates.template.text);
    } catch (err) {
        throw new TemplateError(`${templates.template.name}: not valid JSON: ${(err as Error).message}`);
    }
    const startRunbook = backend === "opscenter" && inputs.opsCenter?.startRunbook === true;
    if (backend === "opscenter") parsed = withOpsCenterStates(parsed as Record<string, any>, templates.template.name, { startRunbook });
    parsed = withOtherBackendGuard(parsed as Record<string, any>, backend);
    const definition = fillJson(parsed, values, templates.template.name, used) as Record<string, any>;
    const unused = Object.keys(values).filter(name => !used.has(name));
    if (unused.length > 0) {
        throw new TemplateError(`${templates.template.name}: values given but never used by any placeholder: ${unused.join(", ")}`);
    }
    const resolveIncidentsWithFindings = inputs.resolveIncidentsWithFindings ?? false;
    return applyToggles(definition, {
        notifyFindings: inputs.notifyFindings ?? true,
        resolveIncidentsWithFindings,
        stopRunbooks: resolveIncidentsWithFindings && (backend === "incident-manager" || startRunbook),
        stormRollUp: (inputs.storms?.stormGroupBy ?? DEFAULT_STORMS.stormGroupBy) !== "off",
        ocsfFindings: (inputs.findingFormats ?? ["ASFF"]).includes("OCSF"),
        groupStandardFindings: inputs.groupStandardFindings ?? true,
    }, templates.template.name);
}

const TOGGLE_MARK = /\[only with ([A-Za-z]+)\]/;

/** Every state name a state can go to next (Next, Default, Choices, Catch). */
function successors(state: Record<string, any>): string[] {
    return [state.Next, state.Default, ...(state.Choices ?? []).map((c: { Next: string }) => c.Next), ...(state.Catch ?? []).map((c: { Next: string }) => c.Next)]
        .filter((n): n is string => typeof n === "string");
}

/**
 * Leaves out the states of features that are off: a state whose Comment says `[only with X]` is
 * bypassed when toggle X is false (what went to it goes to its Next, or a Choice's Default), then
 * every state no longer reachable is removed. Step Functions refuses unreachable states.
 */
export function applyToggles(definition: Record<string, any>, toggles: WorkflowToggles & Partial<DerivedToggles>, source = STATE_MACHINE_TEMPLATE): Record<string, any> {
    const states: Record<string, any> = definition.States;
    const bypass = new Map<string, string>();
    for (const [name, state] of Object.entries(states)) {
        const mark = TOGGLE_MARK.exec(state.Comment ?? "");
        if (!mark) continue;
        const toggle = mark[1] as keyof WorkflowToggles | keyof DerivedToggles;
        if (!(toggle in toggles) && toggle !== INCIDENT_MANAGER_ONLY_TOGGLE) throw new TemplateError(`${source}: state ${name} names unknown toggle ${toggle}; toggles: ${Object.keys(toggles).join(", ")}`);
        if (toggles[toggle]) continue;
        const next = state.Type === "Choice" ? state.Default : state.Next;
        if (typeof next !== "string") throw new TemplateError(`${source}: state ${name} is [only with ${toggle}] but has no ${state.Type === "Choice" ? "Default" : "Next"} to go to instead`);
        bypass.set(name, next);
    }
    const target = (name: string): string => {
        const seen = new Set<string>();
        while (bypass.has(name)) {
            if (seen.has(name)) throw new TemplateError(`${source}: bypassed states form a loop at ${name}`);
            seen.add(name);
            name = bypass.get(name)!;
        }
        return name;
    };
    const rewired: Record<string, any> = {};
    for (const [name, state] of Object.entries(states)) {
        if (bypass.has(name)) continue;
        const copy = { ...state };
        if (typeof copy.Next === "string") copy.Next = target(copy.Next);
        if (typeof copy.Default === "string") copy.Default = target(copy.Default);
        if (copy.Choices) copy.Choices = copy.Choices.map((c: Record<string, any>) => ({ ...c, Next: target(c.Next) }));
        if (copy.Catch) copy.Catch = copy.Catch.map((c: Record<string, any>) => ({ ...c, Next: target(c.Next) }));
        rewired[name] = copy;
    }
    const startAt = target(definition.StartAt);
    const reachable = new Set<string>();
    const visit = (name: string) => {
        if (reachable.has(name) || !rewired[name]) return;
        reachable.add(name);
        successors(rewired[name]).forEach(visit);
    };
    visit(startAt);
    return { ...definition, StartAt: startAt, States: Object.fromEntries(Object.entries(rewired).filter(([name]) => reachable.has(name))) };
}

/**
 * The AWS resources a task's IAM action applies to: the dedup table; the response plan (starting
 * incidents); the plan's incident records, which the Service Authorization Reference requires
 * together with the plan for GetIncidentRecord, UpdateIncidentRecord and CreateTimelineEvent;
 * Security Hub's hub (BatchUpdateFindings, resource type `hub`); and the new Security Hub's hub
 * (BatchUpdateFindingsV2: the same IAM action, authorised on resource type `hubv2`); with the
 * OpsCenter backend, any resource (CreateOpsItem has no resource type) and the account's OpsItems;
 * and the account's Automation executions (stopping the runbooks of a resolved incident); and the
 * stack's runbook document (the OpsCenter backend starting it, opsItemStartRunbook).
 */
export const TASK_TARGETS = ["dedupTable", "responsePlan", "incidentRecords", "securityHub", "securityHubV2", "anyResource", "opsItems", "automationExecutions", "runbookDocument"] as const;
export type TaskTarget = (typeof TASK_TARGETS)[number];

/** The AWS services the workflow calls; offline, each has its stand-in. */
export type TaskService = "dynamoDb" | "incidentManager" | "securityHub" | "opsCenter" | "ssmAutomation";

/**
 * Every service integration the workflow may call: the Task `Resource`, the IAM action it needs
 * and on which resource, and the service and operation it calls. The role policy and the offline
 * engine's routing are both derived from this.
 */
export const TASK_INTEGRATIONS: Readonly<Record<string, { action: string; target: TaskTarget; service: TaskService; operation: string }>> = {
    "arn:aws:states:::dynamodb:getItem": { action: "dynamodb:GetItem", target: "dedupTable", service: "dynamoDb", operation: "GetItem" },
    "arn:aws:states:::dynamodb:putItem": { action: "dynamodb:PutItem", target: "dedupTable", service: "dynamoDb", operation: "PutItem" },
    "arn:aws:states:::dynamodb:updateItem": { action: "dynamodb:UpdateItem", target: "dedupTable", service: "dynamoDb", operation: "UpdateItem" },
    "arn:aws:states:::dynamodb:deleteItem": { action: "dynamodb:DeleteItem", target: "dedupTable", service: "dynamoDb", operation: "DeleteItem" },
    "arn:aws:states:::aws-sdk:ssmincidents:startIncident": { action: "ssm-incidents:StartIncident", target: "responsePlan", service: "incidentManager", operation: "startIncident" },
    "arn:aws:states:::aws-sdk:ssmincidents:getIncidentRecord": { action: "ssm-incidents:GetIncidentRecord", target: "incidentRecords", service: "incidentManager", operation: "getIncidentRecord" },
    "arn:aws:states:::aws-sdk:ssmincidents:createTimelineEvent": { action: "ssm-incidents:CreateTimelineEvent", target: "incidentRecords", service: "incidentManager", operation: "createTimelineEvent" },
    "arn:aws:states:::aws-sdk:ssmincidents:updateRelatedItems": { action: "ssm-incidents:UpdateRelatedItems", target: "incidentRecords", service: "incidentManager", operation: "updateRelatedItems" },
    "arn:aws:states:::aws-sdk:ssmincidents:updateIncidentRecord": { action: "ssm-incidents:UpdateIncidentRecord", target: "incidentRecords", service: "incidentManager", operation: "updateIncidentRecord" },
    "arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings": { action: "securityhub:BatchUpdateFindings", target: "securityHub", service: "securityHub", operation: "batchUpdateFindings" },
    // BatchUpdateFindingsV2 is authorised by the same IAM action, on the `hubv2` resource type, not
    // `hub` (Service Authorization Reference, "Actions, resources, and condition keys for AWS
    // Security Hub", docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html;
    // shared/reference/aws-facts.md).
    "arn:aws:states:::aws-sdk:securityhub:batchUpdateFindingsV2": { action: "securityhub:BatchUpdateFindings", target: "securityHubV2", service: "securityHub", operation: "batchUpdateFindingsV2" },
    // Backend opscenter (OPSCENTER_STATES). ssm:CreateOpsItem has no resource type, so it is granted
    // on "*"; GetOpsItem and UpdateOpsItem act on resource type `opsitem`
    // (arn:${Partition}:ssm:${Region}:${Account}:opsitem/${ResourceId}): Service Authorization
    // Reference, "Actions, resources, and condition keys for AWS Systems Manager",
    // docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
    // (shared/reference/aws-facts.md, "Systems Manager Automation and OpsCenter").
    "arn:aws:states:::aws-sdk:ssm:createOpsItem": { action: "ssm:CreateOpsItem", target: "anyResource", service: "opsCenter", operation: "createOpsItem" },
    "arn:aws:states:::aws-sdk:ssm:getOpsItem": { action: "ssm:GetOpsItem", target: "opsItems", service: "opsCenter", operation: "getOpsItem" },
    "arn:aws:states:::aws-sdk:ssm:updateOpsItem": { action: "ssm:UpdateOpsItem", target: "opsItems", service: "opsCenter", operation: "updateOpsItem" },
    // DescribeOpsItems has no resource type either (same reference): "*".
    "arn:aws:states:::aws-sdk:ssm:describeOpsItems": { action: "ssm:DescribeOpsItems", target: "anyResource", service: "opsCenter", operation: "describeOpsItems" },
    // StopRunbook: the runbook a resolved incident's plan started. StopAutomationExecution acts on
    // resource type `automation-execution`
    // (arn:${Partition}:ssm:${Region}:${Account}:automation-execution/${AutomationExecutionId}):
    // Service Authorization Reference, "Actions, resources, and condition keys for AWS Systems
    // Manager", docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html;
    // its errors: API reference, StopAutomationExecution,
    // docs.aws.amazon.com/systems-manager/latest/APIReference/API_StopAutomationExecution.html.
    "arn:aws:states:::aws-sdk:ssm:stopAutomationExecution": { action: "ssm:StopAutomationExecution", target: "automationExecutions", service: "ssmAutomation", operation: "stopAutomationExecution" },
    // StartRunbook (backend opscenter, opsItemStartRunbook): the Service Authorization Reference
    // gives StartAutomationExecution the resource type `automation-definition`
    // (arn:${Partition}:ssm:${Region}:${Account}:automation-definition/${AutomationDefinitionName}:${VersionId}),
    // docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html; other
    // AWS pages grant it on `document/<doc>` with `automation-execution/*` (shared/reference/aws-facts.md,
    // "SSM documents"), so the policy names all three, scoped to the stack's runbook (lib/policies.ts).
    "arn:aws:states:::aws-sdk:ssm:startAutomationExecution": { action: "ssm:StartAutomationExecution", target: "runbookDocument", service: "ssmAutomation", operation: "startAutomationExecution" },
};

/** Every Task state of a definition, including those nested in Parallel and Map states. */
export function taskStates(definition: Record<string, any>): Array<{ name: string; state: Record<string, any> }> {
    const found: Array<{ name: string; state: Record<string, any> }> = [];
    const visit = (states: Record<string, any>) => {
        for (const [name, state] of Object.entries(states ?? {})) {
            if (state.Type === "Task") found.push({ name, state });
            for (const branch of state.Branches ?? []) visit(branch.States);
            const iterator = state.ItemProcessor ?? state.Iterator;
            if (iterator) visit(iterator.States);
        }
    };
    visit(definition.States);
    return found;
}

/** The IAM actions the definition's tasks call, grouped by the resource they act on. */
export function requiredTaskPermissions(definition: Record<string, any>): Record<TaskTarget, string[]> {
    const permissions = Object.fromEntries(TASK_TARGETS.map(t => [t, new Set<string>()])) as Record<TaskTarget, Set<string>>;
    for (const { name, state } of taskStates(definition)) {
        const integration = TASK_INTEGRATIONS[state.Resource];
        if (!integration) {
            throw new TemplateError(`state ${name}: resource ${state.Resource} is not a known integration; add it to TASK_INTEGRATIONS with the IAM action it needs`);
        }
        permissions[integration.target].add(integration.action);
    }
    return Object.fromEntries(TASK_TARGETS.map(t => [t, [...permissions[t]].sort()])) as Record<TaskTarget, string[]>;
}
