import * as fs from "fs";
import * as path from "path";
import { SeverityLabel } from "./severity";
import { AWS_REGION_PATTERN, DYNAMODB_LIMITS, INCIDENT_ARN_PATTERN, INCIDENT_LIMITS, ISO_TIMESTAMP_PATTERN, MAX_REGION_LENGTH } from "./limits";

export const STATE_MACHINE_DIR = path.join(__dirname, "..", "statemachine");
export const STATE_MACHINE_TEMPLATE = "incident-workflow.asl.json";

/** The dedup record's key and expiry attribute; the table and the template must agree. */
export const DEDUP_KEY_ATTRIBUTE = "FindingId";
export const DEDUP_EXPIRY_ATTRIBUTE = "ExpiresAt";

/** What Incident Manager shows as the trigger source (≤ 50 characters, must not start with "aws."). */
export const TRIGGER_SOURCE = "securityhub-incidents";

/** The per-stack values the template is rendered with. */
export interface WorkflowInputs {
    tableName: string;
    responsePlanArn: string;
    dedupTtlDays: number;
    impactBySeverity: Record<SeverityLabel, number>;
}

/** The template files: the ASL document and the JSONata programs it includes by placeholder. */
export interface WorkflowTemplates {
    template: { name: string; text: string };
    /**
     * Placeholder name → JSONata program, inserted as a whole "{% … %}" expression. The placeholder
     * is the file's name in camelCase: `dedup-key.jsonata` fills `${dedupKey}`.
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

type PlaceholderValue = string | number | Record<string, unknown>;
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
        const value = values[name];
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
        if (whole && whole[1] in values && values[whole[1]] !== undefined && typeof values[whole[1]] !== "string") {
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
    return {
        tableName: inputs.tableName,
        responsePlanArn: inputs.responsePlanArn,
        dedupTtlSeconds: inputs.dedupTtlDays * 86400,
        impactBySeverity: { ...inputs.impactBySeverity },
        triggerSource: TRIGGER_SOURCE,
        arnPattern: INCIDENT_ARN_PATTERN,
        regionPattern: AWS_REGION_PATTERN,
        maxRegionLength: MAX_REGION_LENGTH,
        timestampPattern: ISO_TIMESTAMP_PATTERN,
        maxArnLength: INCIDENT_LIMITS.identifierArnLength,
        maxUrlLength: INCIDENT_LIMITS.identifierUrlLength,
        maxTitleLength: INCIDENT_LIMITS.titleLength,
        maxPlainKeyLength: DYNAMODB_LIMITS.plainKeyCodePoints,
        maxRelatedItems: INCIDENT_LIMITS.relatedItems,
        maxRawDataLength: INCIDENT_LIMITS.triggerRawDataLength,
    };
}

/**
 * Renders the state machine definition: JSONata programs first (their own placeholders filled),
 * then the ASL template. Every placeholder must have a value and every value must be used.
 */
export function renderStateMachineDefinition(inputs: WorkflowInputs, templates: WorkflowTemplates = loadWorkflowTemplates()): Record<string, any> {
    const values: Record<string, PlaceholderValue | undefined> = placeholderValues(inputs);
    const used = new Set<string>();
    for (const [placeholder, file] of Object.entries(templates.expressions)) {
        values[placeholder] = `{% ${fillText(toOneLine(file.text), values, file.name, used)} %}`;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(templates.template.text);
    } catch (err) {
        throw new TemplateError(`${templates.template.name}: not valid JSON: ${(err as Error).message}`);
    }
    const definition = fillJson(parsed, values, templates.template.name, used) as Record<string, any>;
    const unused = Object.keys(values).filter(name => !used.has(name));
    if (unused.length > 0) {
        throw new TemplateError(`${templates.template.name}: values given but never used by any placeholder: ${unused.join(", ")}`);
    }
    return definition;
}

/** The AWS resource a task's IAM action applies to. */
export type TaskTarget = "dedupTable" | "responsePlan";

/**
 * Every service integration the workflow may call: the Task `Resource`, the IAM action it needs
 * and on which resource. The role policy and the offline engine are both derived from this.
 */
export const TASK_INTEGRATIONS: Readonly<Record<string, { action: string; target: TaskTarget }>> = {
    "arn:aws:states:::dynamodb:getItem": { action: "dynamodb:GetItem", target: "dedupTable" },
    "arn:aws:states:::dynamodb:putItem": { action: "dynamodb:PutItem", target: "dedupTable" },
    "arn:aws:states:::dynamodb:updateItem": { action: "dynamodb:UpdateItem", target: "dedupTable" },
    "arn:aws:states:::dynamodb:deleteItem": { action: "dynamodb:DeleteItem", target: "dedupTable" },
    "arn:aws:states:::aws-sdk:ssmincidents:startIncident": { action: "ssm-incidents:StartIncident", target: "responsePlan" },
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
    const permissions: Record<TaskTarget, Set<string>> = { dedupTable: new Set(), responsePlan: new Set() };
    for (const { name, state } of taskStates(definition)) {
        const integration = TASK_INTEGRATIONS[state.Resource];
        if (!integration) {
            throw new TemplateError(`state ${name}: resource ${state.Resource} is not a known integration; add it to TASK_INTEGRATIONS with the IAM action it needs`);
        }
        permissions[integration.target].add(integration.action);
    }
    return {
        dedupTable: [...permissions.dedupTable].sort(),
        responsePlan: [...permissions.responsePlan].sort(),
    };
}
