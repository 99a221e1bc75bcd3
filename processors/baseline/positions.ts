/**
 * Realized PnL of fills, by the average-cost method, on the position of one (portfolio, env, asset).
 *
 * Terminology: the position is a signed quantity q (> 0 long, < 0 short, 0 flat) with an average cost
 * c per unit (in the quote currency; 0 when flat). A fill of quantity Q at price p is signed
 * s = +Q for a buy, −Q for a sell.
 *
 * Rules:
 * - opening or adding (q = 0, or s has the sign of q): no price PnL; c ← (|q|·c + Q·p) / (|q| + Q);
 * - reducing (s against q, Q ≤ |q|): the closed quantity Q realizes (p − c)·Q·sign(q) (a long sold
 *   above its cost gains, a short bought back below its cost gains); c is unchanged, or 0 when flat;
 * - flipping (s against q, Q > |q|): |q| is closed as above, and the remaining Q − |q| opens a
 *   position of the other side at c = p;
 * - fees: when fee_currency is the quote currency, the fill's PnL is the price PnL minus the fee (so an
 *   opening fill realizes −fee; a negative fee, a rebate, adds). A fee in another currency (e.g. BNB)
 *   cannot be valued without a price and is left out (the fill's `feeIgnored` says so);
 * - a remaining quantity within 1e-9 of the larger of |q| and Q is floating-point dust: the position
 *   is flat;
 * - fills are booked in the order they arrive (the trades partition's order, the executor's
 *   publication order), not sorted by their venue timestamps.
 */
export interface Position {
  /** Signed quantity: > 0 long, < 0 short. */
  quantity: number;
  /** Average cost per unit of the open quantity, in `currency`; 0 when flat. */
  averageCost: number;
  /** Quote currency of the open position; null when flat. */
  currency: string | null;
}

/** What one fill realized. */
export interface Realized {
  /** Price PnL minus the fee when the fee is in the quote currency. */
  readonly pnl: number;
  /** The price PnL alone: (p − c) × closed quantity × sign(q). */
  readonly pricePnl: number;
  /** The quantity the fill closed (0 for an opening fill). */
  readonly closed: number;
  /** Whether the fee was left out (charged in another currency than the quote currency). */
  readonly feeIgnored: boolean;
}

/** A fill as positions see it. */
export interface Fill {
  readonly side: 'buy' | 'sell';
  /** > 0. */
  readonly quantity: number;
  /** > 0, in `quoteCurrency`. */
  readonly price: number;
  readonly quoteCurrency: string;
  readonly fee: number;
  readonly feeCurrency: string;
}

const DUST = 1e-9;

export function flatPosition(): Position {
  return { quantity: 0, averageCost: 0, currency: null };
}

/** Books a fill on a position (in place) and returns what it realized. */
export function bookFill(position: Position, fill: Fill): Realized {
  const q = position.quantity;
  const s = fill.side === 'buy' ? fill.quantity : -fill.quantity;
  let pricePnl = 0;
  let closed = 0;
  if (q === 0 || Math.sign(s) === Math.sign(q)) {
    const held = Math.abs(q);
    position.averageCost =
      held === 0
        ? fill.price
        : (held * position.averageCost + fill.quantity * fill.price) / (held + fill.quantity);
    position.quantity = q + s;
  } else {
    closed = Math.min(fill.quantity, Math.abs(q));
    pricePnl = (fill.price - position.averageCost) * closed * Math.sign(q);
    const remaining = q + s;
    if (Math.abs(remaining) <= DUST * Math.max(Math.abs(q), fill.quantity)) {
      position.quantity = 0;
      position.averageCost = 0;
    } else {
      position.quantity = remaining;
      // Flipped: what is left of the fill opened the other side at its price.
      if (Math.sign(remaining) !== Math.sign(q)) position.averageCost = fill.price;
    }
  }
  position.currency = position.quantity === 0 ? null : fill.quoteCurrency;
  const feeIgnored = fill.feeCurrency !== fill.quoteCurrency;
  // `+ 0` turns −0 into 0: a zero PnL is one value on the wire and in comparisons.
  return {
    pnl: (feeIgnored ? pricePnl : pricePnl - fill.fee) + 0,
    pricePnl: pricePnl + 0,
    closed,
    feeIgnored,
  };
}
