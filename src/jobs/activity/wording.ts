/**
 * The words of the activity job: readable names for the «В один клик» features and, for the
 * drivers the seeds reported, what marketing can do about them (seed 001: mailings that bring
 * customers to the site and across categories, promotions for promo buyers, more marketing
 * contact; seed 004: pages viewed and promo goods as the key factors). An action is written
 * only when the driver points the way the action helps; the numbers come from the driver.
 */
import type { Driver } from "../classify/recommendations.ts";
import { formatNumber } from "../classify/recommendations.ts";

export const ONE_CLICK_LABELS: Readonly<Record<string, string>> = {
  service_type: "service type",
  allow_messages: "consent to messages",
  popular_category: "favourite category",
  marketing_activity_6_months: "marketing contacts per month (6 months)",
  marketing_activity_current_month: "marketing contacts this month",
  tenure_days: "days since registration",
  promo_purchase_share: "share of promo purchases",
  categories_per_visit: "categories viewed per visit",
  unpaid_items_quarter: "unpaid items in the basket (quarter)",
  service_errors: "service errors",
  pages_per_visit: "pages per visit",
  revenue_month_minus_2: "revenue two months ago",
  revenue_month_minus_1: "revenue last month",
  revenue_current_month: "revenue this month",
  minutes_month_minus_1: "minutes on site last month",
  minutes_current_month: "minutes on site this month",
  revenue_change: "revenue change this month",
  revenue_change_before: "revenue change last month",
  minutes_change: "change in minutes on site",
  minutes_total: "minutes on site (two months)",
  marketing_change: "marketing contacts this month vs the 6-month average",
  profit: "profit (monthly average, last 3 months)",
  probability: "decline probability",
};

type Action = { group?: string; text: string } | undefined;

const when = (direction: Driver["direction"], wanted: 1 | -1, text: string, group?: string): Action =>
  direction === wanted ? { group, text } : undefined;

// Pages, categories and minutes per visit all measure one thing — how far into the site a
// customer goes — so they share one action, written with the strongest of them.
const engagement = (d: Driver) =>
  when(d.direction, -1, `Send them mailings whose links lead into the site and across several categories, starting with their favourite, to raise ${d.label} back towards ${formatNumber(d.rest)}.`, "engagement");

export const ONE_CLICK_ACTIONS: Readonly<Record<string, (driver: Driver) => Action>> = {
  pages_per_visit: engagement,
  categories_per_visit: engagement,
  minutes_total: engagement,
  minutes_current_month: engagement,
  minutes_month_minus_1: engagement,
  promo_purchase_share: (d) =>
    when(d.direction, 1, `They buy on promotion (${(100 * d.segment).toFixed(0)} % of purchases vs ${(100 * d.rest).toFixed(0)} %): offer personalised promotions in their favourite categories rather than store-wide discounts.`),
  marketing_activity_6_months: (d) =>
    when(d.direction, -1, `They received fewer marketing contacts (${formatNumber(d.segment)} a month vs ${formatNumber(d.rest)}): raise the contact frequency for this segment.`),
  unpaid_items_quarter: (d) => when(d.direction, 1, "Remind them of the items left unpaid in their basket."),
  service_errors: (d) => when(d.direction, 1, "Find and fix the service errors that reach them."),
};
