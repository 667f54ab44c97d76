/** What happens to a finding after its incident opened: write-back, resolution, re-open. */
import { FilterSettings } from "./filter";
import { boolean, CrossCheckProblem, SettingSpec } from "./values";

export interface LifecycleSettings {
    /** Mark each finding NOTIFIED with a Note naming its incident, and follow its resolution and re-open. */
    notifyFindings: boolean;
    /** Resolve an incident when its finding is resolved, suppressed or archived. */
    resolveIncidentsWithFindings: boolean;
    /**
     * Open an incident for a finding that another tool (a ticketing integration, Automated Security
     * Response) marked NOTIFIED before this workflow saw it. Off: such a finding opens nothing.
     */
    openFindingsNotifiedByOthers: boolean;
    /**
     * Let a control finding's NOTIFIED re-imports in when their severity could raise its open
     * incident's impact (the labels of severityLabels more severe than the least severe one), so a
     * control re-imported HIGH → CRITICAL escalates. Off: such re-imports stop at the rule, and the
     * incident keeps its first impact until the finding re-opens. Costs one execution (4
     * transitions) per re-import of every failing control finding of those labels.
     */
    escalateNotifiedControlFindings: boolean;
}

export const LIFECYCLE_SETTINGS: SettingSpec<LifecycleSettings> = {
    notifyFindings: { parse: boolean, default: true },
    resolveIncidentsWithFindings: { parse: boolean, default: false },
    openFindingsNotifiedByOthers: { parse: boolean, default: false },
    escalateNotifiedControlFindings: { parse: boolean, default: false },
};

export function checkLifecycle(values: Partial<LifecycleSettings & FilterSettings>): CrossCheckProblem[] {
    const problems: CrossCheckProblem[] = [];
    if (values.notifyFindings === true && values.workflowStatuses?.includes("NOTIFIED")) {
        problems.push({ key: "workflowStatuses", message: "includes NOTIFIED, but with notifyFindings the workflow marks every finding NOTIFIED itself, so each of its own updates would start it again; remove NOTIFIED or set notifyFindings to false" });
    }
    if (values.notifyFindings === false && values.resolveIncidentsWithFindings === true) {
        problems.push({ key: "resolveIncidentsWithFindings", message: "needs notifyFindings: the workflow learns that a finding was resolved from the Note it writes with NOTIFIED; set notifyFindings to true or resolveIncidentsWithFindings to false" });
    }
    if (values.notifyFindings === false && values.openFindingsNotifiedByOthers === true) {
        problems.push({ key: "openFindingsNotifiedByOthers", message: "needs notifyFindings: NOTIFIED findings are followed only by the lifecycle rules; set notifyFindings to true or openFindingsNotifiedByOthers to false" });
    }
    if (values.notifyFindings === false && values.escalateNotifiedControlFindings === true) {
        problems.push({ key: "escalateNotifiedControlFindings", message: "needs notifyFindings: NOTIFIED findings are followed only by the lifecycle rules; set notifyFindings to true or escalateNotifiedControlFindings to false" });
    }
    return problems;
}
