/**
 * Kevin Hillstrom's MineThatData e-mail experiment (2008): 64,000 customers randomised into
 * Mens E-Mail / Womens E-Mail / No E-Mail. The customer id is the 0-based data row number,
 * because the uplift holdout rule is "row number mod 10".
 */
import type { MappingInput } from "../mapping.ts";

export const HILLSTROM_CAMPAIGN = "hillstrom-2008";
export const HILLSTROM_ARMS = ["Mens E-Mail", "Womens E-Mail", "No E-Mail"] as const;
const customerId = "CAST(__row AS VARCHAR)";

export const hillstromMapping: MappingInput = {
  dataset: "hillstrom",
  description: "MineThatData E-Mail Analytics challenge, 2008 (no formal licence)",
  sources: [
    {
      name: "customers",
      files: "*.csv",
      format: "csv",
      delimiter: ",",
      columns: {
        recency: { type: "integer", required: true },
        history_segment: { type: "string", required: true },
        history: { type: "double", required: true },
        mens: { type: "integer", required: true },
        womens: { type: "integer", required: true },
        zip_code: { type: "string", required: true },
        newbie: { type: "integer", required: true },
        channel: { type: "string", required: true },
        segment: { type: "string", required: true },
        visit: { type: "integer", required: true },
        conversion: { type: "integer", required: true },
        spend: { type: "double", required: true },
      },
      targets: [
        {
          table: "customers",
          fields: {
            customer_id: customerId,
            attributes: `json_object('recency', recency, 'history_segment', history_segment, 'history', history, 'mens', mens,
              'womens', womens, 'zip_code', zip_code, 'newbie', newbie, 'channel', channel)`,
          },
        },
        {
          table: "exposures",
          fields: {
            customer_id: customerId,
            campaign: `'${HILLSTROM_CAMPAIGN}'`,
            arm: `CASE WHEN segment IN (${HILLSTROM_ARMS.map((a) => `'${a}'`).join(", ")}) THEN segment END`,
          },
        },
        ...(["visit", "conversion", "spend"] as const).map((metric) => ({
          table: "outcomes",
          fields: { customer_id: customerId, campaign: `'${HILLSTROM_CAMPAIGN}'`, metric: `'${metric}'`, value: metric },
        })),
      ],
    },
  ],
};
