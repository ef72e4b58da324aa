"""Placeholder page: being built."""

import streamlit as st

st.title("vanishing_lab")
st.info("This page is being built.")
