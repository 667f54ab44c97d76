/**
 * What a response plan passes to its runbook, and whether the runbook takes exactly that.
 *
 * Incident Manager fills two dynamic values when it starts a plan's runbook (API reference,
 * DynamicSsmParameterValue; CloudFormation, AWS::SSMIncidents::ResponsePlan DynamicSsmParameter):
 * INCIDENT_RECORD_ARN, the incident's ARN, only into a parameter of type String, and
 * INVOLVED_RESOURCES, the ARNs of the resources involved, only into a StringList; given to a
 * parameter of another type, the runbook fails to run.
 */
import { Runbook } from "./runbook";

export const DYNAMIC_PARAMETER_TYPES = {
    INCIDENT_RECORD_ARN: "String",
    INVOLVED_RESOURCES: "StringList",
} as const;
export type DynamicParameterValue = keyof typeof DYNAMIC_PARAMETER_TYPES;

/**
 * What every plan of this stack passes its runbook (`action.ssmAutomations[0].dynamicParameters`):
 * document parameter name → dynamic value. The bundled runbooks declare parameters of these names.
 */
export const PLAN_DYNAMIC_PARAMETERS: Readonly<Record<string, DynamicParameterValue>> = {
    INCIDENT_RECORD_ARN: "INCIDENT_RECORD_ARN",
    INVOLVED_RESOURCES: "INVOLVED_RESOURCES",
};

/**
 * What the OpsCenter backend's workflow passes the runbook it starts for an OpsItem
 * (opsItemStartRunbook): the OpsItem's ID as `OpsItemId`, the name Systems Manager itself gives an
 * execution's OpsItem (the `OpsItemId` key of AutomationExecutionFilter, API reference,
 * docs.aws.amazon.com/systems-manager/latest/APIReference/API_AutomationExecutionFilter.html).
 * Whether Automation links an execution to the OpsItem by that parameter alone is not documented.
 */
export const OPS_ITEM_RUNBOOK_PARAMETERS: Readonly<Record<string, "String">> = { OpsItemId: "String" };

interface DeclaredParameter {
    type?: string;
    default?: unknown;
}

/**
 * Problems between a plan and its runbook: a parameter the plan passes that the document does not
 * declare (Automation refuses to start with an unknown parameter) or declares with a type the
 * dynamic value cannot fill, and a document parameter without a default that the plan does not
 * pass (the runbook could not start). Each problem names the plan and the parameter.
 */
export function runbookParameterProblems(plan: string, runbook: Pick<Runbook, "file" | "document">, passed: Readonly<Record<string, DynamicParameterValue>>): string[] {
    const declared = (runbook.document.parameters ?? {}) as Record<string, DeclaredParameter>;
    const problems: string[] = [];
    const at = `response plan ${JSON.stringify(plan)} with runbook ${runbook.file}`;
    for (const [name, value] of Object.entries(passed)) {
        const type = DYNAMIC_PARAMETER_TYPES[value];
        const parameter = declared[name];
        if (!parameter) {
            problems.push(`${at}: the plan passes parameter ${name} (${value}), which the runbook does not declare; add it under parameters with type: ${type}`);
        } else if (parameter.type !== type) {
            problems.push(`${at}: parameter ${name} is declared as ${parameter.type}, but the plan fills it with ${value}, which Incident Manager gives only to a ${type}; declare it with type: ${type}`);
        }
    }
    for (const [name, parameter] of Object.entries(declared)) {
        if (Object.hasOwn(passed, name) || (parameter !== null && typeof parameter === "object" && Object.hasOwn(parameter, "default"))) continue;
        problems.push(`${at}: parameter ${name} has no default and the plan does not pass it, so the runbook could not start; give it a default or remove it (the plan passes ${Object.keys(passed).join(", ") || "nothing"})`);
    }
    return problems;
}

/**
 * Problems between the runbook and what the OpsCenter backend's workflow passes it when it starts
 * it (opsItemStartRunbook, OPS_ITEM_RUNBOOK_PARAMETERS in lib/stateMachineDefinition.ts): each
 * passed parameter must be declared with its type, and every other parameter needs a default.
 */
export function opsItemRunbookProblems(runbook: Pick<Runbook, "file" | "document">, passed: Readonly<Record<string, string>>): string[] {
    const declared = (runbook.document.parameters ?? {}) as Record<string, DeclaredParameter>;
    const at = `securityhub-incidents:opsItemStartRunbook: runbook ${runbook.file}`;
    const problems: string[] = [];
    for (const [name, type] of Object.entries(passed)) {
        const parameter = declared[name];
        if (!parameter) problems.push(`${at}: the workflow passes parameter ${name} (the OpsItem's ID), which the runbook does not declare; add it under parameters with type: ${type}`);
        else if (parameter.type !== type) problems.push(`${at}: parameter ${name} is declared as ${parameter.type}, but the workflow passes a ${type}; declare it with type: ${type}`);
    }
    for (const [name, parameter] of Object.entries(declared)) {
        if (Object.hasOwn(passed, name) || (parameter !== null && typeof parameter === "object" && Object.hasOwn(parameter, "default"))) continue;
        problems.push(`${at}: parameter ${name} has no default and the workflow does not pass it, so the runbook could not start; give it a default (the workflow passes ${Object.keys(passed).join(", ")})`);
    }
    return problems;
}
