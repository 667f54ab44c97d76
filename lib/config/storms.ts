/**
 * Incident storms: when many findings arrive at once (a standard enabled across an organisation,
 * one bad template in many accounts), past a threshold they are rolled up into one incident.
 */
import { integer, oneOf, SettingSpec } from "./values";

export const STORM_GROUPINGS = ["control", "account", "off"] as const;
export type StormGrouping = (typeof STORM_GROUPINGS)[number];

export interface StormSettings {
    /** Incidents a key (control or account) may open per window before its findings roll up. */
    stormThreshold: number;
    /** The window, in minutes, a key's incidents are counted in. */
    stormWindowMinutes: number;
    /** What findings are grouped by: the security control (or generator), the account, or nothing. */
    stormGroupBy: StormGrouping;
    /** Own incidents per clock hour before every further finding of that hour rolls up into one (roll-ups do not count). */
    maxIncidentsPerHour: number;
}

export const STORM_SETTINGS: SettingSpec<StormSettings> = {
    stormThreshold: { parse: r => integer(r, 1, 10000), default: 10 },
    stormWindowMinutes: { parse: r => integer(r, 1, 1440), default: 60 },
    stormGroupBy: { parse: r => oneOf(r, STORM_GROUPINGS), default: "control" },
    maxIncidentsPerHour: { parse: r => integer(r, 1, 100000), default: 50 },
};

/** Just the storm settings, for the state machine (which renders them into its definition). */
export function stormSettingsOf(settings: StormSettings): StormSettings {
    const { stormThreshold, stormWindowMinutes, stormGroupBy, maxIncidentsPerHour } = settings;
    return { stormThreshold, stormWindowMinutes, stormGroupBy, maxIncidentsPerHour };
}
