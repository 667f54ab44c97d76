/** The dedup table and how long its records live. */
import { matching, boolean, integer, SettingSpec } from "./values";

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

export interface DedupSettings {
    tableName?: string;
    tableDeletionProtection: boolean;
    tablePointInTimeRecovery: boolean;
    /** Days a claim whose finding was never marked NOTIFIED suppresses new incidents. */
    dedupTtlDays: number;
    /** Days a finding's record is kept after the finding closed. */
    recordRetentionDays: number;
    /**
     * One incident per account, Region, security control and resource for the findings each
     * standard sends of one check when consolidated control findings are off; the others attach.
     */
    groupStandardFindings: boolean;
}

export const DEDUP_SETTINGS: SettingSpec<DedupSettings> = {
    tableName: { parse: r => matching(r, TABLE_NAME, "a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _, -, .)"), default: undefined },
    tableDeletionProtection: { parse: boolean, default: false },
    tablePointInTimeRecovery: { parse: boolean, default: false },
    dedupTtlDays: { parse: r => integer(r, 1, 3650), default: 30 },
    recordRetentionDays: { parse: r => integer(r, 1, 3650), default: 365 },
    groupStandardFindings: { parse: boolean, default: true },
};
