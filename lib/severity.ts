/**
 * Security Hub (ASFF) severity labels and the Incident Manager impact each one opens an
 * incident with. This is the only place the labels are spelled out.
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
