// The one call into the threat-intel feeds (`intake feeds`): every match for these indicators, by feed,
// with how it matched. The SDK bounds a call; more than that are left out rather than failing the step.
import { MAX_LOOKUP_ITEMS, type ActionExecution, type IndicatorLookupItem, type IndicatorMatch } from "intake/sdk";

export type IndicatorQuery = IndicatorLookupItem;
export type { IndicatorMatch };

export async function lookupIndicators(execution: ActionExecution, items: IndicatorQuery[]): Promise<IndicatorMatch[]> {
  if (items.length === 0) return [];
  return execution.lookupIndicators(items.slice(0, MAX_LOOKUP_ITEMS));
}
