"""A real headless Chromium, driven by Selenium, for the explorer page's end-to-end tests.

Needs Debian's ``chromium`` and ``chromium-driver`` packages (``/usr/bin/chromium``,
``/usr/bin/chromedriver``; other paths via ``CHAINRULE_CHROMIUM`` / ``CHAINRULE_CHROMEDRIVER``)
and the ``selenium`` Python package. Without them the tests skip and say why.
Set ``CHAINRULE_SCREENSHOTS=<folder>`` to keep the screenshots the tests take.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CHAINRULE_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"

# Flags that keep Chromium from phoning home, so that any request seen is the page's.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,850",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session (starting one costs seconds on a small machine)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="the selenium package is not installed")
    from selenium.webdriver.chrome.service import Service

    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.access(program, os.X_OK):
            pytest.skip(f"{program} is missing: apt-get install chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="chainrule-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # The DevTools network log: every request the page makes, whatever its kind.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


class Explorer:
    """An explorer page open in the browser, with what the tests need to read from it."""

    def __init__(self, driver) -> None:
        self.driver = driver

    def load(self, path: Path) -> Explorer:
        self.driver.get_log("performance")  # forget earlier pages' requests
        self.driver.get(path.resolve().as_uri())
        self.wait_until_ready()
        return self

    def wait_until_ready(self, seconds: float = 120) -> None:
        """Wait for the graph to be laid out (compiling the WebAssembly Graphviz is slow on 2 cores)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, error = self.js("return [document.body.dataset.ready, document.body.dataset.error]")
            if error:
                raise AssertionError(f"the page could not lay out its graph: {error}")
            if ready:
                return
            time.sleep(0.1)
        raise AssertionError(f"the explorer page did not finish laying out its graph in {seconds} s")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def element(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        self.element(css).click()

    def press(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(key).perform()

    @property
    def phase(self) -> str:
        return self.js("return document.body.dataset.phase")

    @property
    def steps(self) -> int:
        return int(self.js("return document.body.dataset.steps"))

    def step_until_done(self) -> int:
        """Press the Step button until the backward pass ends; the number of presses."""
        for presses in range(1, self.steps + 1):
            self.click("#step")
            if self.phase == "done":
                return presses
        raise AssertionError(f"the backward pass did not end after {self.steps} steps")

    def node_texts(self) -> dict[str, list[str]]:
        """Each value node's fields as drawn, by name: ``{"a": ["a", "data 10.0000", "grad 9.0000"]}``."""
        return self.js(
            """
            const out = {};
            document.querySelectorAll("#graph g.node[id^='v']").forEach((g) => {
              const texts = [...g.querySelectorAll("text")].map((t) => t.textContent);
              out[texts[0]] = texts;
            });
            return out;
            """
        )

    def shown(self, field: str) -> dict[str, str]:
        """``{"a": "9.0000", ...}``: the data or grad field of every value node."""
        return {name: texts[-1 if field == "grad" else -2].split(" ", 1)[1] for name, texts in self.node_texts().items()}

    def fully_visible(self) -> set[str]:
        """Ids of the drawn nodes (``v3``, ``o3``) that lie wholly inside the visible canvas."""
        return set(
            self.js(
                """
                const view = document.getElementById("canvas").getBoundingClientRect();
                return [...document.querySelectorAll("#graph g.node")].filter((g) => {
                  const r = g.getBoundingClientRect();
                  return r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom;
                }).map((g) => g.id);
                """
            )
        )

    def text(self, css: str) -> str:
        return self.element(css).text

    def requests_not_local(self) -> list[str]:
        """URLs the page asked for that are not file:, data:, blob: or about:.

        Read from the DevTools network log (every request, whatever made it) and the
        page's own performance entries. Requests of Chromium's built-in new-tab page
        (document chrome://...) are the browser's, not the page's, and are left out.
        """
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message["params"]
            if urlparse(params.get("documentURL", "")).scheme == "chrome":
                continue
            if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
                urls.append(params.get("request", {}).get("url") or params.get("url"))
        urls += self.js("return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => e.name)")
        return [url for url in urls if url and urlparse(url).scheme not in LOCAL_SCHEMES]

    def console_errors(self) -> list[str]:
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        path = tmp_path / name
        self.driver.save_screenshot(str(path))
        keep = os.environ.get("CHAINRULE_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / name)
        return path


@pytest.fixture
def open_page(chromium, tmp_path):
    """``open_page(page)``: save an `ExplorerPage` under tmp_path and load it via file://."""

    def opener(page, name: str = "page.html") -> Explorer:
        return Explorer(chromium).load(page.save(tmp_path / name))

    return opener
