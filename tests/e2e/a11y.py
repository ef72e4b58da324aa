"""What the accessibility tests read off the page (tests/e2e/test_accessibility.py): the
colors of every visible text and of what lies behind it, the tables and their scroll
boxes, the scroll boxes a keyboard should reach. Contrast is computed here, in Python,
from the browser's computed styles, with appdriver.luminance (WCAG 2.1's formula).

What is "behind" a text: the backgrounds of its ancestors whose box contains the text's
center (a label placed outside its parent, like a slider's value above the thumb, is
judged against what is really under it; past a scroll container, every ancestor counts),
painted from the page up; for chart text (SVG),
the chart's boxes painted before it that contain its center (a badge, a node, the
legend's box, a hover label), then the chart's paper, then the page. Opacity of the text's ancestors
fades the text. Left out, as WCAG 1.4.3 allows: disabled controls and icons (Streamlit
draws them with the Material Symbols font); and inputs that show no text (a slider's
range input holds its value, hidden under the thumb).
"""

from __future__ import annotations

import re

from tests.e2e.appdriver import luminance

AA_TEXT = 4.5  # WCAG 2.1 AA, 1.4.3; we ask it of every text, large or small

# One entry per visible text: {text, where, color, behind: [colors, nearest first], alpha}.
TEXT_COLORS_JS = """() => {
  const out = [];
  const center = r => [r.left + r.width / 2, r.top + r.height / 2];
  const inside = (r, [x, y]) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  const shown = el => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0)
        return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const testid = el => { const e = el.closest('[data-testid]'); return e ? e.dataset.testid : ''; };
  // Past a scroll container (the main area scrolls), every ancestor is behind: what
  // scrolls is painted inside its box once scrolled into view.
  const htmlBehind = (el, point) => {
    const behind = []; let alpha = 1, scrolled = false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      alpha *= parseFloat(s.opacity);
      if (e === el || scrolled || inside(e.getBoundingClientRect(), point))
        behind.push(s.backgroundColor);
      if (e !== el && s.overflowY !== 'visible') scrolled = true;
    }
    return [behind, alpha];
  };
  const TEXT_FIELDS = 'textarea, input:not([type]), input[type="text"], input[type="number"]';
  // What a chart paints under text: plot and legend backgrounds, annotation badges,
  // markers (a node's name sits on it), hover labels. Not bars or filled areas: their
  // boxes ignore the plot's clipping and reach over the axis labels.
  const UNDER_TEXT = 'rect.bg, g.annotation rect, g.legend rect, path.point, .hovertext path, '
    + 'g.updatemenu-button rect';
  const app = document.querySelector('[data-testid="stApp"]');
  for (const el of app.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    let text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent)
      .join('').trim();
    let color = getComputedStyle(el).color;
    if (el.matches(TEXT_FIELDS)) {
      text = el.value || el.placeholder;
      if (!el.value) color = getComputedStyle(el, '::placeholder').color;
    }
    if (!text || /Material/.test(getComputedStyle(el).fontFamily) || !shown(el)) continue;
    if (el.closest('[disabled], [aria-disabled="true"]')) continue;
    const [behind, alpha] = htmlBehind(el, center(el.getBoundingClientRect()));
    out.push({text: text.slice(0, 80), where: testid(el), color, behind, alpha});
  }
  for (const plot of app.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    if (!shown(plot)) continue;
    const chart = [...plot.closest('[data-testid="stElementContainer"]').classList]
      .find(c => c.startsWith('st-key-')) || 'stPlotlyChart';
    const [page] = htmlBehind(plot, center(plot.getBoundingClientRect()));
    const paper = getComputedStyle(plot.querySelector('.main-svg')).backgroundColor;
    const painted = [];  // shapes so far, in paint order, with their boxes
    for (const node of plot.querySelectorAll(`${UNDER_TEXT}, text`)) {
      const s = getComputedStyle(node);
      if (node.tagName !== 'text') {
        const fill = s.fill, opacity = parseFloat(s.fillOpacity) * parseFloat(s.opacity);
        if (fill.startsWith('rgb') && opacity > 0)
          painted.push({box: node.getBoundingClientRect(), fill, opacity});
        continue;
      }
      if (!node.textContent.trim() || !shown(node)) continue;
      const point = center(node.getBoundingClientRect());
      let alpha = parseFloat(s.fillOpacity);
      for (let e = node; e && e !== plot; e = e.parentElement)
        alpha *= parseFloat(getComputedStyle(e).opacity);
      const shapes = painted.filter(p => inside(p.box, point)).reverse()
        .map(p => ({color: p.fill, alpha: p.opacity}));
      out.push({text: node.textContent.slice(0, 80), where: chart, color: s.fill,
                behind: [...shapes, paper, ...page], alpha});
    }
  }
  return out;
}"""

# Per table in the main area: its width, the box that scrolls it sideways (if any), and
# every number token of its cells that the browser laid out on more than one line.
TABLES_JS = """(pattern) => {
  const number = new RegExp(pattern, 'gu');
  const out = [];
  for (const table of document.querySelectorAll('[data-testid="stMain"] table')) {
    if (table.getClientRects().length === 0) continue;
    let scroller = null;
    for (let e = table.parentElement; e && e.dataset.testid !== 'stMain'; e = e.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(e).overflowX)) { scroller = e; break; }
    }
    const split = [];
    for (const cell of table.querySelectorAll('th, td')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.textContent.matchAll(number)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          if (tops.size > 1) split.push(m[0]);
        }
      }
    }
    const box = scroller && scroller.getBoundingClientRect();
    out.push({
      head: table.innerText.slice(0, 60),
      width: table.getBoundingClientRect().width,
      right: table.getBoundingClientRect().right,
      scroller: scroller && {
        left: box.left, right: box.right, clientWidth: scroller.clientWidth,
        scrollWidth: scroller.scrollWidth, shadow: getComputedStyle(scroller).boxShadow,
      },
      split,
    });
  }
  return out;
}"""
# A number as the tables write it: 0.0238, 2.377e-02, -1.62, 97.5%, ×0.234, 4.11 × 10⁻³².
NUMBER_TOKEN = r"[×−+-]?\d[\d.,]*(?:e[−+-]?\d+)?(?: ?× ?10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?%?"

# Every box in the page's content that scrolls (a long table's st.container(height=),
# a wide table on a phone), marked with data-scroll-box="<index>" for the keyboard test.
SCROLL_BOXES_JS = """() => {
  const boxes = [];
  for (const e of document.querySelectorAll('[data-testid="stMainBlockContainer"] *')) {
    const s = getComputedStyle(e);
    const x = ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1;
    const y = ['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1;
    if (!(x || y) || e.getClientRects().length === 0) continue;
    e.dataset.scrollBox = String(boxes.length);
    boxes.push({index: boxes.length, testid: e.dataset.testid || e.tagName,
                text: e.innerText.slice(0, 40), vertical: y});
  }
  return boxes;
}"""
# The focused element: its scroll-box mark, outline and scroll position.
FOCUSED_JS = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {box: e.dataset ? e.dataset.scrollBox ?? null : null, outline: s.outlineStyle,
          outlineWidth: parseFloat(s.outlineWidth), scrollTop: e.scrollTop,
          scrollLeft: e.scrollLeft};
}"""

# Per chart: the key, and whether the element right after it is a caption that starts
# with the summary's lead-in (dashboard.ui.SUMMARY_LEAD).
CHART_SUMMARIES_JS = """(lead) => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stPlotlyChart"]')].map(chart => {
  const box = chart.closest('[data-testid="stElementContainer"]');
  const key = [...box.classList].find(c => c.startsWith('st-key-')) || '?';
  const next = box.nextElementSibling;
  const caption = next && next.querySelector('[data-testid="stCaptionContainer"]');
  const text = caption ? caption.innerText.trim() : '';
  return {key, summary: text.startsWith(lead) ? text : null, after: text.slice(0, 80)};
})"""

# The plot-area width of every panel of a chart, in pixels (plotly's own axis lengths).
PANEL_WIDTHS_JS = """(key) => {
  const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return Object.entries(plot._fullLayout).filter(([k]) => /^xaxis\\d*$/.test(k))
    .map(([, axis]) => axis._length);
}"""

# Where the hover label of a chart is, and its colors, while the mouse is on a point.
HOVER_LABEL_JS = """() => [...document.querySelectorAll('.hoverlayer .hovertext')].map(h => {
  const r = h.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          text: h.textContent.slice(0, 60),
          fill: getComputedStyle(h.querySelector('path')).fill,
          color: getComputedStyle(h.querySelector('text')).fill};
})"""

_NUMBERS = re.compile(r"[\d.]+")


def rgba(css: str | dict) -> tuple[float, float, float, float]:
    """An `rgb(...)`/`rgba(...)` color (or {color, alpha}) as (r, g, b, a), a in 0..1."""
    if isinstance(css, dict):
        r, g, b, a = rgba(css["color"])
        return r, g, b, a * css["alpha"]
    values = [float(v) for v in _NUMBERS.findall(css[css.index("(") :])]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def over(top: tuple, bottom: tuple) -> tuple[float, float, float, float]:
    """top painted over an opaque bottom (source-over)."""
    a = top[3]
    return (*(top[i] * a + bottom[i] * (1 - a) for i in range(3)), 1.0)


def contrast(item: dict) -> float:
    """WCAG contrast ratio of one TEXT_COLORS_JS entry: its color (faded by its alpha)
    over everything behind it, which is painted over a white canvas, farthest first."""
    background = (255.0, 255.0, 255.0, 1.0)
    for color in reversed(item["behind"]):
        background = over(rgba(color), background)
    r, g, b, a = rgba(item["color"])
    text = over((r, g, b, a * item["alpha"]), background)
    light, dark = sorted(
        (luminance(f"rgb({c[0]}, {c[1]}, {c[2]})") for c in (text, background)), reverse=True
    )
    return (light + 0.05) / (dark + 0.05)


def contrast_of_colors(text: str, background: str) -> float:
    """WCAG contrast ratio of two opaque CSS colors."""
    return contrast({"color": text, "alpha": 1.0, "behind": [background]})
