/**
 * The IUM e-shop logs (Warsaw University of Technology course data, variant IUM22L_Zad_06_03):
 * users, products, sessions (view / buy / return events with the offered discount) and
 * deliveries, as JSON Lines. User names and streets are synthetic personal data: they are
 * kept only inside customers.attributes and never printed.
 */
import type { MappingInput } from "../mapping.ts";

export const iumMapping: MappingInput = {
  dataset: "ium",
  description: "IUM course e-shop logs (synthetic; licence unknown, educational use)",
  sources: [
    {
      name: "users",
      files: "users.jsonl",
      format: "jsonl",
      columns: { user_id: { type: "id", required: true }, name: "string", city: "string", street: "string" },
      targets: [
        {
          table: "customers",
          fields: { customer_id: "user_id", attributes: "json_object('name', name, 'city', city, 'street', street)" },
        },
      ],
    },
    {
      name: "products",
      files: "products.jsonl",
      format: "jsonl",
      columns: {
        product_id: { type: "id", required: true },
        product_name: "string",
        category_path: "string",
        price: "double",
        brand: "string",
        weight_kg: "double",
        optional_attributes: "json",
      },
      targets: [
        {
          table: "products",
          fields: {
            product_id: "product_id",
            name: "product_name",
            category_path: "category_path",
            price: "price",
            attributes: "json_object('brand', brand, 'weight_kg', weight_kg, 'optional_attributes', optional_attributes)",
          },
        },
      ],
    },
    {
      name: "sessions",
      files: "sessions.jsonl",
      format: "jsonl",
      columns: {
        session_id: { type: "id", required: true },
        timestamp: { type: "timestamp", required: true },
        user_id: "id",
        product_id: "id",
        event_type: { type: "string", required: true },
        offered_discount: "double",
        purchase_id: "id",
      },
      targets: [
        {
          table: "events",
          fields: {
            // Stable: the session id and the event's position in the session, in file order.
            event_id: `session_id || '-' || row_number() OVER (PARTITION BY session_id ORDER BY __file, __line)`,
            session_id: "session_id",
            occurred_at: "timestamp",
            customer_id: "user_id",
            product_id: "product_id",
            event_type: `CASE event_type WHEN 'VIEW_PRODUCT' THEN 'view' WHEN 'BUY_PRODUCT' THEN 'buy' WHEN 'RETURN_PRODUCT' THEN 'return' ELSE event_type END`,
            offered_discount: "offered_discount",
            purchase_id: "purchase_id",
          },
        },
      ],
    },
    {
      name: "deliveries",
      files: "deliveries.jsonl",
      format: "jsonl",
      columns: {
        purchase_id: { type: "id", required: true },
        purchase_timestamp: "timestamp",
        delivery_timestamp: "timestamp",
        delivery_company: "id",
      },
      targets: [
        {
          table: "deliveries",
          fields: {
            purchase_id: "purchase_id",
            purchased_at: "purchase_timestamp",
            delivered_at: "delivery_timestamp",
            carrier: "delivery_company",
          },
        },
      ],
    },
  ],
};
