/**
 * The average order value: revenue over the orders revenue counts, rounded to the cent. Kept in
 * one place so a profile's stats and a simulated customer's agree (docs/conditions.md).
 */
export function averageOrderValue(revenue: number, revenueOrders: number): number {
  return revenueOrders === 0 ? 0 : Math.round((revenue / revenueOrders) * 100) / 100;
}
