"""Page content (prose, formulas, questions) as data keyed by stable ids; no streamlit.

Pages render it; pages, Home's links and the quizzes refer to it by id, never by position.
"""
