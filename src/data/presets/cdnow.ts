/**
 * CDNOW 1/10 sample (Fader, Hardie & Lee 2005): one line per customer-day purchase,
 * whitespace-separated, no header, CRLF. Customer ids keep their leading zeros; each line
 * becomes one order (id customer-YYYYMMDD-n) whose amount is the dollar value as written.
 */
import type { MappingInput } from "../mapping.ts";

export const cdnowMapping: MappingInput = {
  dataset: "cdnow",
  description: "CDNOW purchase histories 1997-98, the authors' 2,357-customer sample (no formal licence)",
  sources: [
    {
      name: "purchases",
      files: "*.txt",
      format: "whitespace",
      header: false,
      columns: {
        customer_id: { type: "string", required: true },
        sample_customer_id: { type: "string", required: true },
        date: { type: "date", format: "%Y%m%d", required: true },
        number_of_cds: { type: "integer", required: true },
        dollar_value: { type: "double", required: true },
      },
      targets: [
        {
          table: "orders",
          fields: {
            order_id: `"customer_id" || '-' || strftime("date", '%Y%m%d') || '-' || row_number() OVER (PARTITION BY "customer_id", "date" ORDER BY __file, __line)`,
            line_no: "1",
            quantity: "number_of_cds",
            unit_price: `CASE WHEN "number_of_cds" <> 0 THEN "dollar_value" / "number_of_cds" ELSE 0 END`,
            amount: "dollar_value",
            ordered_at: "date",
            customer_id: "customer_id",
          },
        },
        {
          table: "customers",
          fields: { customer_id: "customer_id", attributes: `json_object('sample_customer_id', "sample_customer_id")` },
        },
      ],
    },
  ],
};
