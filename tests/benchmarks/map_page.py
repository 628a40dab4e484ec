"""Map page benchmark: time until the map shows every default layer, headless Chromium."""

from __future__ import annotations

import time

from playwright.sync_api import sync_playwright

from tests.benchmarks.common import ROUNDS, SCALES, serve_runserver, summary


def bench_map_page() -> dict:
    """Time until the map shows every default layer (GeoJSON drawn, tiles loaded), Chromium."""
    ports = {scale: 8100 + scale for scale in SCALES}
    servers = {scale: serve_runserver(scale, port) for scale, port in ports.items()}
    samples: dict[int, list[float]] = {s: [] for s in SCALES}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            pages = {}
            for scale, port in ports.items():
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/accounts/login/")
                page.fill("input[name=username]", "official")
                page.fill("input[name=password]", "Official#Lianzhou2026")
                page.click("form.login button[type=submit]")
                page.wait_for_load_state("networkidle")
                pages[scale] = page
            for round_ in range(ROUNDS + 1):  # the first round warms caches and is dropped
                for scale, port in ports.items():
                    page = pages[scale]
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/map/")
                    page.wait_for_selector(
                        "body[data-map-ready='1']", state="attached", timeout=120000
                    )
                    page.wait_for_load_state("networkidle")
                    if round_:
                        samples[scale].append(time.perf_counter() - started)
            browser.close()
    finally:
        for server in servers.values():
            server.terminate()
    figures = {f"scale_{s}": summary(samples[s]) for s in SCALES}
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures
