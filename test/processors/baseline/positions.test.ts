import { describe, expect, it } from 'vitest';
import { bookFill, flatPosition, type Fill } from '../../../processors/baseline/index.ts';

const fill = (side: 'buy' | 'sell', quantity: number, price: number, fee = 0, feeCurrency = 'USD'): Fill => ({
  side,
  quantity,
  price,
  quoteCurrency: 'USD',
  fee,
  feeCurrency,
});

describe('realized PnL by average cost', () => {
  it('long: opening realizes −fee, adding averages the cost, reducing realizes (p − cost)·qty', () => {
    const p = flatPosition();
    expect(bookFill(p, fill('buy', 2, 100, 1))).toEqual({
      pnl: -1,
      pricePnl: 0,
      closed: 0,
      feeIgnored: false,
    });
    expect(p).toEqual({ quantity: 2, averageCost: 100, currency: 'USD' });
    // Cost (2·100 + 2·110) / 4 = 105.
    expect(bookFill(p, fill('buy', 2, 110)).pnl).toBe(0);
    expect(p.averageCost).toBe(105);
    // Sell 1 at 120: (120 − 105)·1 − fee 0.5 = 14.5; the cost of the rest is unchanged.
    expect(bookFill(p, fill('sell', 1, 120, 0.5))).toEqual({
      pnl: 14.5,
      pricePnl: 15,
      closed: 1,
      feeIgnored: false,
    });
    expect(p).toEqual({ quantity: 3, averageCost: 105, currency: 'USD' });
    // Sell the 3 left at 100: (100 − 105)·3 = −15, and the position is flat.
    expect(bookFill(p, fill('sell', 3, 100)).pnl).toBe(-15);
    expect(p).toEqual(flatPosition());
  });

  it('short: buying back below the cost gains, above it loses', () => {
    const p = flatPosition();
    expect(bookFill(p, fill('sell', 2, 50)).pnl).toBe(0);
    expect(p).toEqual({ quantity: -2, averageCost: 50, currency: 'USD' });
    // (40 − 50)·1·(−1) = +10
    expect(bookFill(p, fill('buy', 1, 40)).pnl).toBe(10);
    // (60 − 50)·1·(−1) = −10
    expect(bookFill(p, fill('buy', 1, 60)).pnl).toBe(-10);
    expect(p).toEqual(flatPosition());
  });

  it('flip: closes the old side at its cost and opens the other at the fill price', () => {
    const p = flatPosition();
    bookFill(p, fill('buy', 1, 10));
    // Sell 3 at 12: closes 1 long, (12 − 10)·1 = 2; opens 2 short at 12.
    expect(bookFill(p, fill('sell', 3, 12))).toEqual({ pnl: 2, pricePnl: 2, closed: 1, feeIgnored: false });
    expect(p).toEqual({ quantity: -2, averageCost: 12, currency: 'USD' });
    // Buy 2 at 11: (11 − 12)·2·(−1) = 2.
    expect(bookFill(p, fill('buy', 2, 11)).pnl).toBe(2);
    expect(p).toEqual(flatPosition());
  });

  it('fees: subtracted in the quote currency, a rebate adds, another currency is left out', () => {
    const p = flatPosition();
    expect(bookFill(p, fill('buy', 1, 100, -0.2)).pnl).toBe(0.2);
    expect(bookFill(p, fill('sell', 1, 101, 0.01, 'BNB'))).toEqual({
      pnl: 1,
      pricePnl: 1,
      closed: 1,
      feeIgnored: true,
    });
  });

  it('treats floating-point dust as flat, and never returns −0', () => {
    const p = flatPosition();
    bookFill(p, fill('buy', 0.3, 10));
    bookFill(p, fill('sell', 0.1, 10));
    // 0.3 − 0.1 − 0.2 = 5.55e-17 in binary floating point: flat.
    const last = bookFill(p, fill('sell', 0.2, 10));
    expect(p).toEqual(flatPosition());
    expect(Object.is(last.pnl, 0)).toBe(true);
    expect(Object.is(bookFill(flatPosition(), fill('sell', 1, 10)).pnl, 0)).toBe(true);
  });
});
