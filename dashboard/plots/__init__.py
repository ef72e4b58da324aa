"""Every figure in the app: data in, plotly go.Figure out. No streamlit here.

Figures leave backgrounds, fonts and the template alone so that Streamlit's theme
(light or dark) styles them; only trace colors are set, from the Okabe-Ito palette,
which stays distinguishable for the common forms of color blindness. Later pages
reuse VARIANT_COLORS so a network variant has one color everywhere.
"""
