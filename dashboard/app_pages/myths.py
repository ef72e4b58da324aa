"""Placeholder page: being built."""

import streamlit as st

st.title("myths")
st.info("This page is being built.")
