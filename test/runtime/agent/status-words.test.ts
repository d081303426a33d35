import test from "ava";
import { describe } from "../../../runtime/agent/status.js";
import { REBOOT_WINDOW } from "../../../runtime/reboot/policy.js";

test("a reboot waiting for its window says which window and when it opens, on the window's clock", (t) => {
  const now = new Date("2026-06-19T22:00:00.000Z"); // Saturday 00:00 in Paris
  const windows = [
    { days: ["mon" as const, "tue" as const, "wed" as const, "thu" as const, "fri" as const], from: "02:00", to: "04:00", timeZone: "Europe/Paris" },
    { days: ["sat" as const], from: "23:00", to: "23:30", timeZone: "America/New_York" },
  ];
  const until = new Date("2026-06-21T03:00:00.000Z"); // Saturday 23:00 in New York, before Monday in Paris

  const text = describe({ kind: "wait", why: REBOOT_WINDOW, until }, { reboot: { windows } as never }, now);

  t.is(text, "a reboot in the window sat 23:00-23:30 America/New_York, opens Sat 20 Jun 23:00 America/New_York");
});

test("other waits keep the planner's words", (t) => {
  t.is(describe({ kind: "wait", why: "build running", until: null }), "build running");
});
