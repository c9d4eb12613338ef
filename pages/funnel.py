import streamlit as st

from pages import common

meta = common.require_dataset()
st.title("Funnel")
st.info("Coming soon: the funnel through your stages (ordered, strict, unordered and open modes), breakdowns, trends and paths. The data is ready: " + f"{meta.report.get('rows_usable', 0):,} events of "
        + f"{meta.report.get('customers', 0):,} customers.")
