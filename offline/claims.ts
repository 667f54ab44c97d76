import { LocalDynamoDb } from "./localDynamoDb";

/**
 * A finding's record that holds a live claim without its incident: no `IncidentArn` and a
 * `ClaimedBy` whose `ClaimedUntil` has not passed (a first claim), or a re-open lock still in force (`ReopeningBy` until `ReopeningUntil`), while the record has not
 * expired (`ExpiresAt` in the future, DynamoDB's TTL being best effort). Every later delivery of
 * such a finding stops as a duplicate, so none may be left when executions end (docs/failures.md).
 * Storm items (no `FullFindingId`) are not findings' records.
 */
export interface StuckClaim {
    key: string;
    findingId: string;
    kind: "claim" | "reopen";
    claimedBy?: string;
}

/** Scans the dedup table for stuck claims as of `now` (the replay's clock: the last event's time). */
export async function stuckClaims(dynamoDb: LocalDynamoDb, tableName: string, now: string): Promise<StuckClaim[]> {
    const seconds = Math.floor(Date.parse(now) / 1000);
    const stuck: StuckClaim[] = [];
    let start: Record<string, unknown> | undefined;
    do {
        const page = await dynamoDb.request("Scan", { TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) });
        for (const item of (page.Items ?? []) as Array<Record<string, any>>) {
            if (!item.FullFindingId) continue;
            if (item.ExpiresAt && Number(item.ExpiresAt.N) < seconds) continue;
            const base = { key: item.FindingId.S as string, findingId: item.FullFindingId.S as string, claimedBy: item.ClaimedBy?.S as string | undefined };
            // A claim given back keeps the record (its TokenSince) without ClaimedBy; one that could not
            // be given back lapses at ClaimedUntil (statemachine/incident-workflow.asl.json, ClaimFinding).
            if (!item.IncidentArn) {
                if (item.ClaimedBy && Number(item.ClaimedUntil?.N ?? Infinity) >= seconds) stuck.push({ ...base, kind: "claim" });
            }
            else if (item.ReopeningBy && Number(item.ReopeningUntil?.N ?? 0) >= seconds) stuck.push({ ...base, kind: "reopen", claimedBy: item.ReopeningBy.S });
        }
        start = page.LastEvaluatedKey;
    } while (start);
    return stuck;
}
