"""Placeholder page: being built."""

import streamlit as st

st.title("update_sizes")
st.info("This page is being built.")
