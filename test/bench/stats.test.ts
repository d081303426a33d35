import test from "ava";
import { quantile, EmptySampleError, roundFigure, summarise } from "../../bench/stats.js";

test("summarise gives min, median and max of an odd sample", (t) => {
  const values = [5, 1, 3];

  const figure = summarise(values);

  t.deepEqual(figure, { min: 1, median: 3, max: 5, runs: 3 });
});

test("the median of an even sample is the mean of the two middle values", (t) => {
  const values = [10, 2, 4, 8];

  const figure = summarise(values);

  t.is(figure.median, 6);
  t.is(figure.runs, 4);
});

test("non-finite values are not runs; an empty sample is an error", (t) => {
  const values = [1, Number.NaN, 3, Number.POSITIVE_INFINITY];

  const figure = summarise(values);

  t.deepEqual(figure, { min: 1, median: 2, max: 3, runs: 2 });
  t.throws(() => summarise([Number.NaN]), { instanceOf: EmptySampleError });
});

test("roundFigure keeps the run count and rounds the rest", (t) => {
  const figure = { min: 1.23456, median: 2.34567, max: 3.45678, runs: 7 };

  const rounded = roundFigure(figure, 2);

  t.deepEqual(rounded, { min: 1.23, median: 2.35, max: 3.46, runs: 7 });
});

test("quantile: nearest rank, whatever the input order; NaN for no value", (t) => {
  const values = Array.from({ length: 100 }, (_, index) => 100 - index);

  t.is(quantile(values, 0.5), 50);
  t.is(quantile(values, 0.99), 99);
  t.is(quantile([7], 0.99), 7);
  t.true(Number.isNaN(quantile([], 0.5)));
});
