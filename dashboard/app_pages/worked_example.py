"""Placeholder page: being built."""

import streamlit as st

st.title("worked_example")
st.info("This page is being built.")
