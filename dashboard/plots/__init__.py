"""The app's figures: data in, plotly go.Figure out, one module per family of figures.
No streamlit in any of them.

- format: numbers and LaTeX as text (fmt, fmt_power, latex_number, ...); no plotly.
- style: the palette (one color and one marker symbol per network variant), fonts,
  margins, heights, and the layout helpers several families share (base_layout,
  legend_below, log-axis ticks, line_markers).
- panels: a grid of small multiples, one titled panel per network, sharing axes.
- network: the course's 2-2-1 diagram and the error curve while training on its one
  example (home page, worked example).
- timeline: the home page's timeline of the fixes for fading blame.
- updates: update sizes by distance from the output (update-sizes page).
- profiles: the vanishing-gradient lab's profiles, forward pass and depth story.
- training: the training lab's loss and accuracy curves, gradient maps, decision maps.
- playback, playback_parts: the training lab's run played back in the browser (plotly
  animation frames, Play / Pause and a step slider); raster: a map as a PNG and its
  level line as a path, which a frame can change without a full redraw;
  worked_playback: the worked example's updates played back (weights, ŷ, E).
- slopes: the slopes of sigmoid and ReLU with the 0.25 ceiling (the lesson).
- summaries: one line of numbers per figure, from the same data (under each chart).

Nothing is imported here: import from the modules themselves, so that a module that
only prints numbers (dashboard/ui.py imports format) loads no figure code.
"""
