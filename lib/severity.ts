import { OCSF_SEVERITY_IDS } from "./limits";

/**
 * Security Hub (ASFF) severity labels and the Incident Manager impact each one opens an
 * incident with, and each label's OCSF `severity_id`. This is the only place the labels are
 * spelled out.
 */
export const SEVERITY_LABELS = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type SeverityLabel = (typeof SEVERITY_LABELS)[number];

/** Default Incident Manager impact (1 critical … 5 no impact) per label: the more severe the finding, the more urgent the incident. */
export const DEFAULT_IMPACT_BY_SEVERITY: Readonly<Record<SeverityLabel, number>> = {
    CRITICAL: 1,
    HIGH: 2,
    MEDIUM: 3,
    LOW: 4,
    INFORMATIONAL: 5,
};

export function isSeverityLabel(value: unknown): value is SeverityLabel {
    return typeof value === "string" && (SEVERITY_LABELS as readonly string[]).includes(value);
}

/** The impact of an incident whose severity is not known (a response plan's template impact too). */
export const DEFAULT_INCIDENT_IMPACT = 3;
/**
 * ASFF severity label → OCSF `severity_id` (ocsf-v2.md, severity row): the same five steps.
 * OCSF has three more ids, decided here once:
 * - 6 Fatal is more severe than Critical and has no ASFF label: it counts as CRITICAL, so a
 *   setting that selects CRITICAL also selects Fatal and a Fatal finding gets CRITICAL's impact.
 * - 0 Unknown and 99 Other have no label: no severity setting selects them, so they open no
 *   incident (as an ASFF finding without a label would not).
 */
export const OCSF_SEVERITY_ID_BY_LABEL: Readonly<Record<SeverityLabel, number>> = {
    INFORMATIONAL: OCSF_SEVERITY_IDS.Informational,
    LOW: OCSF_SEVERITY_IDS.Low,
    MEDIUM: OCSF_SEVERITY_IDS.Medium,
    HIGH: OCSF_SEVERITY_IDS.High,
    CRITICAL: OCSF_SEVERITY_IDS.Critical,
};

/** The OCSF ids that count as a label (only CRITICAL has two: Critical and Fatal). */
export function ocsfSeverityIdsFor(label: SeverityLabel): number[] {
    const id = OCSF_SEVERITY_ID_BY_LABEL[label];
    return label === "CRITICAL" ? [id, OCSF_SEVERITY_IDS.Fatal] : [id];
}

/** The label an OCSF `severity_id` counts as, or undefined for 0 Unknown, 99 Other and anything else. */
export function severityLabelForOcsfId(id: unknown): SeverityLabel | undefined {
    if (id === OCSF_SEVERITY_IDS.Fatal) return "CRITICAL";
    return SEVERITY_LABELS.find(label => OCSF_SEVERITY_ID_BY_LABEL[label] === id);
}
