/**
 * Which finding formats the stack listens to: Security Hub CSPM's ASFF events ("Security Hub
 * Findings - Imported") and/or the new Security Hub's OCSF events ("Findings Imported V2"). Each
 * format gets its own rules; both can be on while an organisation migrates.
 */
import { FilterSettings } from "./filter";
import { SettingSpec, stringList } from "./values";

export const FINDING_FORMATS = ["ASFF", "OCSF"] as const;
export type FindingFormat = (typeof FINDING_FORMATS)[number];

export interface FormatSettings {
    findingFormats: FindingFormat[];
}

export const FORMAT_SETTINGS: SettingSpec<FormatSettings> = {
    findingFormats: {
        parse: r => stringList(r, { allowed: FINDING_FORMATS, what: "finding formats (ASFF for Security Hub CSPM, OCSF for the new Security Hub)", allowEmpty: false }) as FindingFormat[],
        default: ["ASFF"],
    },
};

/**
 * What the OCSF rules cannot do as the settings ask, as warnings (`pulumi preview` prints them;
 * nothing stops): settings whose OCSF counterpart is not exact. Empty unless OCSF is on. Pure, so
 * tests call it directly.
 */
export function formatWarnings(values: Partial<FormatSettings & FilterSettings>): Array<{ key: string; message: string }> {
    if (!values.findingFormats?.includes("OCSF")) return [];
    const warnings: Array<{ key: string; message: string }> = [];
    if (values.recordStates?.includes("ARCHIVED")) {
        warnings.push({
            key: "recordStates",
            message: "includes ARCHIVED, which OCSF findings have no record state for: the new Security Hub gives an archived finding status Archived (status_id 5) in place of its workflow status, so the OCSF rule matches every archived finding whatever workflowStatuses says",
        });
    }
    return warnings;
}
