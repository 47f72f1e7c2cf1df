#!/usr/bin/env python3
"""N real browser pages of the playground playing at once, on this machine.

Starts `target/release/mlp2d serve --port 0` and one headless Chromium, opens N tabs on moons
[16, 16], presses play in each, then for SECONDS samples every tab ten times a second and
prints, per tab, the frames its page received per second, the browser's animation frames per
second (requestAnimationFrame callbacks: how often it could paint) and the steps per second.

    cargo build --release && python3 benches/playground_tabs.py [N] [SECONDS]

Needs Chromium (Debian's `chromium`) and the `websockets` package (pip install websockets).
Talks only to 127.0.0.1.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HASH = ("#kind=moons&samples=1000&noise=0.1&test_fraction=0.2&seed=42&hidden=16,16"
        "&init=he&lr=0.03&batch=32&precision=f64&backend=flex")

# Counts, in the page, the frames that reached it and the animation frames the browser ran.
COUNTERS = """(() => {
  if (window.bench) return true;
  window.bench = {frames: 0, draws: 0, lastStep: -1};
  const tick = () => { window.bench.draws++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  setInterval(() => {
    const f = window.mlp2d.state.lastFrame;
    if (f && f.step !== window.bench.lastStep) { window.bench.lastStep = f.step; window.bench.frames++; }
  }, 5);
  return true;
})()"""


class Cdp:
    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    async def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        await self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), 30))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    async def eval(self, session, js):
        r = await self.call("Runtime.evaluate",
                            {"expression": js, "returnByValue": True, "awaitPromise": True},
                            session)
        return r["result"].get("value")


async def main(tabs, seconds):
    server = subprocess.Popen([os.path.join(ROOT, "target/release/mlp2d"), "serve", "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://\S+/", server.stdout.readline()).group(0)
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen(
        [os.environ.get("MLP2D_CHROMIUM", "/usr/bin/chromium"), "--headless", "--no-sandbox",
         "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-renderer-backgrounding",
         "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1400,1000",
         "about:blank"],
        stderr=subprocess.PIPE, text=True)
    try:
        endpoint = None
        while endpoint is None:
            line = browser.stderr.readline()
            if not line:
                raise SystemExit("Chromium exited before it printed its DevTools endpoint")
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            endpoint = m and m.group(1)
        async with websockets.connect(endpoint, max_size=None) as ws:
            cdp = Cdp(ws)
            sessions = []
            for _ in range(tabs):
                target = await cdp.call("Target.createTarget", {"url": url + HASH, "newWindow": True})
                attached = await cdp.call("Target.attachToTarget",
                                          {"targetId": target["targetId"], "flatten": True})
                sessions.append(attached["sessionId"])
            for s in sessions:
                for _ in range(300):
                    ready = await cdp.eval(s, "!!(window.mlp2d && window.mlp2d.state.ready)")
                    if ready:
                        break
                    await asyncio.sleep(0.1)
                await cdp.eval(s, COUNTERS)
                await cdp.eval(s, "document.querySelector('#play').click(), true")
            await asyncio.sleep(2)  # past the start
            read = "[window.bench.frames, window.bench.draws, window.mlp2d.state.step]"
            start = [await cdp.eval(s, read) for s in sessions]
            t0 = time.time()
            await asyncio.sleep(seconds)
            end = [await cdp.eval(s, read) for s in sessions]
            dt = time.time() - t0
            print(f"{tabs} tabs, moons 1000, [16, 16], batch 32, f64, flex, {seconds} s")
            print("tab  frames/s  rAF/s  steps/s")
            for i, (a, b) in enumerate(zip(start, end)):
                print(f"{i:>3}  {(b[0] - a[0]) / dt:8.1f}  {(b[1] - a[1]) / dt:7.1f}"
                      f"  {(b[2] - a[2]) / dt:7.0f}")
            for s in sessions:
                await cdp.eval(s, "document.querySelector('#play').click(), true")
    finally:
        browser.kill()
        server.kill()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    asyncio.run(main(n, secs))
