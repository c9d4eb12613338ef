import streamlit as st

from pages import common

meta = common.require_dataset()
st.title("Sentiment")
st.info("Coming soon: how customers feel at each stage, from feedback text and ratings. The data is ready: " + f"{meta.report.get('rows_usable', 0):,} events of "
        + f"{meta.report.get('customers', 0):,} customers.")
