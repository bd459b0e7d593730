/**
 * UCI Online Retail (Chen, Sain & Guo 2012): 541,909 invoice lines in 305 daily CSV files.
 * The cleaning rules are exactly the "Insiders" loyalty-programme seed's: unit price below
 * 0.04, the non-product stock codes it lists, stock codes without any digit (the seed's
 * `^[a-zA-Z]+$` inspection, which also catches "BANK CHARGES"), and the two non-countries.
 * Missing customer ids are kept as anonymous (NULL) by default; see the customer policy.
 */
import type { MappingInput } from "../mapping.ts";

export const EXCLUDED_STOCK_CODES = [
  "POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK", "C2",
];

export const onlineRetailMapping: MappingInput = {
  dataset: "online-retail",
  description: "UCI Online Retail, 2010-12-01 … 2011-12-09 (CC BY 4.0)",
  customerPolicy: "anonymous",
  sources: [
    {
      name: "invoices",
      files: "**/*.csv",
      format: "csv",
      delimiter: ",",
      columns: {
        InvoiceNo: { type: "string", required: true },
        StockCode: { type: "string", required: true },
        Description: "string",
        Quantity: { type: "integer", required: true },
        InvoiceDate: { type: "timestamp", required: true },
        UnitPrice: { type: "double", required: true },
        CustomerID: "id",
        Country: "string",
      },
      targets: [
        {
          table: "orders",
          fields: {
            order_id: "InvoiceNo",
            product_id: "StockCode",
            description: "NULLIF(trim(\"Description\"), '')",
            quantity: "Quantity",
            unit_price: "UnitPrice",
            ordered_at: "InvoiceDate",
            customer_id: "CustomerID",
            country: "Country",
            is_cancellation: "starts_with(\"InvoiceNo\", 'C')",
          },
        },
      ],
      rules: [
        {
          name: "unit_price_below_0_04",
          description: "unit price < 0.04 (free samples, bad-debt adjustments)",
          drop: { field: "unit_price", below: 0.04 },
        },
        {
          name: "stock_code_excluded",
          description: `non-product stock codes: ${EXCLUDED_STOCK_CODES.join(", ")}`,
          drop: { field: "product_id", in: EXCLUDED_STOCK_CODES },
        },
        {
          name: "stock_code_non_numeric",
          description: "stock codes without any digit (BANK CHARGES, …)",
          drop: { field: "product_id", matches: "^[^0-9]+$" },
        },
        {
          name: "country_excluded",
          description: "country 'European Community' or 'Unspecified'",
          drop: { field: "country", in: ["European Community", "Unspecified"] },
        },
      ],
    },
  ],
  derived: [
    {
      table: "customers",
      // The country a customer ordered from most often (ties: alphabetical); counting pairs
      // first keeps the ordered aggregate small.
      sql: `SELECT customer_id,
              json_object('country', first(country ORDER BY n DESC, country), 'anonymous', starts_with(customer_id, 'anon-')) AS attributes
            FROM (SELECT customer_id, country, count(*) AS n FROM {orders} WHERE customer_id IS NOT NULL GROUP BY ALL)
            GROUP BY customer_id`,
    },
    {
      table: "products",
      // Name: the most frequent description; price: the most frequent unit price on sales
      // (ties: the smallest). Counting pairs first keeps the ordered aggregates small.
      sql: `SELECT product_id,
              first(description ORDER BY n_description DESC, description) FILTER (WHERE description IS NOT NULL) AS name,
              first(unit_price ORDER BY n_price DESC, unit_price) FILTER (WHERE NOT is_return) AS price
            FROM (SELECT product_id, description, unit_price, is_return,
                         sum(n) OVER (PARTITION BY product_id, description) AS n_description,
                         sum(n) OVER (PARTITION BY product_id, unit_price, is_return) AS n_price
                  FROM (SELECT product_id, description, unit_price, is_return, count(*) AS n FROM {orders}
                        GROUP BY ALL))
            GROUP BY product_id`,
    },
  ],
};
