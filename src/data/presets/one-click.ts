/**
 * Yandex Practicum «В один клик» store: four files per 1,300 customers. market_file's
 * columns become customer attributes (English keys, original values, typos included);
 * revenue per month, minutes on site per month and average monthly profit become long rows
 * of customer_metrics, with the period labels normalised (the source spells
 * "предыдущий" two ways). money.csv is ';'-separated with decimal commas.
 */
import type { MappingInput } from "../mapping.ts";

/** Source column → attribute key in customers.attributes. */
export const ONE_CLICK_ATTRIBUTES: Record<string, string> = {
  "Покупательская активность": "purchase_activity",
  "Тип сервиса": "service_type",
  "Разрешить сообщать": "allow_messages",
  "Маркет_актив_6_мес": "marketing_activity_6_months",
  "Маркет_актив_тек_мес": "marketing_activity_current_month",
  "Длительность": "tenure_days",
  "Акционные_покупки": "promo_purchase_share",
  "Популярная_категория": "popular_category",
  "Средний_просмотр_категорий_за_визит": "categories_per_visit",
  "Неоплаченные_продукты_штук_квартал": "unpaid_items_quarter",
  "Ошибка_сервиса": "service_errors",
  "Страниц_за_визит": "pages_per_visit",
};

/** Source period label → canonical period. */
export const ONE_CLICK_PERIODS: Record<string, string> = {
  "текущий_месяц": "current_month",
  "предыдущий_месяц": "month_minus_1",
  "предыдцщий_месяц": "month_minus_1",
  "препредыдущий_месяц": "month_minus_2",
};

const periodSql = `CASE "Период" ${Object.entries(ONE_CLICK_PERIODS)
  .map(([from, to]) => `WHEN '${from}' THEN '${to}'`)
  .join(" ")} END`;

const q = (name: string) => `"${name}"`;

export const oneClickMapping: MappingInput = {
  dataset: "one-click",
  description: "Yandex Practicum «В один клик» course dataset (licence not stated)",
  sources: [
    {
      name: "market_file",
      files: "market_file.csv",
      format: "csv",
      delimiter: ",",
      columns: {
        id: { type: "id", required: true },
        "Покупательская активность": { type: "string", required: true },
        "Тип сервиса": "string",
        "Разрешить сообщать": "string",
        "Маркет_актив_6_мес": "double",
        "Маркет_актив_тек_мес": "integer",
        "Длительность": "integer",
        "Акционные_покупки": "double",
        "Популярная_категория": "string",
        "Средний_просмотр_категорий_за_визит": "integer",
        "Неоплаченные_продукты_штук_квартал": "integer",
        "Ошибка_сервиса": "integer",
        "Страниц_за_визит": "integer",
      },
      targets: [
        {
          table: "customers",
          fields: {
            customer_id: "id",
            attributes: `json_object(${Object.entries(ONE_CLICK_ATTRIBUTES)
              .map(([from, to]) => `'${to}', ${q(from)}`)
              .join(", ")})`,
          },
        },
      ],
    },
    {
      name: "market_money",
      files: "market_money.csv",
      format: "csv",
      delimiter: ",",
      columns: { id: { type: "id", required: true }, "Период": { type: "string", required: true }, "Выручка": { type: "double", required: true } },
      targets: [
        {
          table: "customer_metrics",
          fields: { customer_id: "id", source: "'market_money'", period: periodSql, metric: "'revenue'", value: "Выручка" },
        },
      ],
    },
    {
      name: "market_time",
      files: "market_time.csv",
      format: "csv",
      delimiter: ",",
      columns: { id: { type: "id", required: true }, "Период": { type: "string", required: true }, "минут": { type: "integer", required: true } },
      targets: [
        {
          table: "customer_metrics",
          fields: { customer_id: "id", source: "'market_time'", period: periodSql, metric: "'minutes'", value: "минут" },
        },
      ],
    },
    {
      name: "money",
      files: "money.csv",
      format: "csv",
      delimiter: ";",
      decimal: ",",
      columns: { id: { type: "id", required: true }, "Прибыль": { type: "double", required: true } },
      targets: [
        {
          table: "customer_metrics",
          // Average monthly profit over the last three months (PROVENANCE.md).
          fields: { customer_id: "id", source: "'money'", period: "'last_3_months'", metric: "'profit'", value: "Прибыль" },
        },
      ],
    },
  ],
};
