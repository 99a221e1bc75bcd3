/** The report tests' BacktestResult: the bench's synthetic run (bench/synthetic-backtest.ts), 500 periods by default. */
export { backtestFixture, type FixtureOptions } from '../../../bench/synthetic-backtest.ts';
