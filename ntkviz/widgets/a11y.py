"""``AccessibleNames``: gives the page's slider handles the accessible name of their visible
label (ipywidgets draws a slider's label beside a noUiSlider handle that screen readers would
announce as an unnamed "slider"), and drops the ``title="null"`` ipywidgets puts on labels.

One shared instance per kernel (``AccessibleNames.shared()``), shown invisibly in every explorer;
its first view watches the page and names every slider drawn later."""

from __future__ import annotations

import threading

import anywidget

__all__ = ["AccessibleNames"]

_ESM = """
const name = () => {
  for (const box of document.querySelectorAll(".widget-slider")) {
    const label = box.querySelector(":scope > .widget-label");
    const text = label && label.textContent.trim();
    if (!text) continue;
    for (const handle of box.querySelectorAll(".noUi-handle")) {
      if (handle.getAttribute("aria-label") !== text) handle.setAttribute("aria-label", text);
    }
    const readout = box.querySelector(":scope > .widget-readout");
    if (readout && readout.getAttribute("aria-label") !== text + ", value") {
      readout.setAttribute("aria-label", text + ", value");
    }
  }
  for (const label of document.querySelectorAll(".widget-label[title='null']")) {
    label.removeAttribute("title");
  }
};

export default {
  render({ el }) {
    el.style.display = "none";
    if (globalThis.__ntkvizAccessibleNames) return;
    globalThis.__ntkvizAccessibleNames = true;
    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; name(); });
    };
    name();
    new MutationObserver(later).observe(document.body, { childList: true, subtree: true });
  },
};
"""


class AccessibleNames(anywidget.AnyWidget):
    """Names the page's slider handles after their labels (see the module docstring)."""

    _esm = _ESM
    _shared: AccessibleNames | None = None
    _lock = threading.Lock()

    @classmethod
    def shared(cls) -> AccessibleNames:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared
